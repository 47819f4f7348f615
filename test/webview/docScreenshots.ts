/**
 * `npx tsx test/webview/docScreenshots.ts`: the review editor's documentation screenshots
 * (docs/images/review-editor-<theme>-<width>.png), taken in the webview test harness with a brush
 * stroke and a polygon drawn, in light and dark themes at 1280 and 1440 px.
 */
import * as path from 'node:path';
import { drawSampleRegions } from './harness/sampleEdits';
import { startHarness } from './harness/server';

const out = path.join(__dirname, '..', '..', 'docs', 'images');

async function main(): Promise<void> {
  const h = await startHarness();
  try {
    for (const theme of ['light', 'dark']) {
      for (const width of [1280, 1440]) {
        const p = await h.open({ scenario: 'gray8', theme }, { width, height: 800 });
        await drawSampleRegions(p);
        const file = path.join(out, `review-editor-${theme}-${width}.png`);
        await p.screenshot({ path: file });
        process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
        await p.context().close();
      }
    }
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
