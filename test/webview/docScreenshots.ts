/**
 * `npx tsx test/webview/docScreenshots.ts`: the review editor's documentation screenshots
 * (docs/images/review-editor-<theme>-<width>.png), taken in the webview test harness with a brush
 * stroke and a polygon drawn, in light and dark themes at 1280 and 1440 px.
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { settle, startHarness } from './harness/server';

const out = path.join(__dirname, '..', '..', 'docs', 'images');

async function toPage(p: Page, x: number, y: number): Promise<[number, number]> {
  return p.evaluate(([ix, iy]) => {
    const app = (window as never as { __anomalyLens: { view: { canvas: HTMLCanvasElement; toScreen(a: number, b: number): [number, number] } } }).__anomalyLens;
    const r = app.view.canvas.getBoundingClientRect();
    const [sx, sy] = app.view.toScreen(ix, iy);
    return [r.left + sx, r.top + sy] as [number, number];
  }, [x, y]);
}

const saves = (p: Page, n: number) =>
  p.waitForFunction((k) => (window as never as { __host: { saved: unknown[] } }).__host.saved.length >= k, n, { timeout: 10_000 });

async function main(): Promise<void> {
  const h = await startHarness();
  try {
    for (const theme of ['light', 'dark']) {
      for (const width of [1280, 1440]) {
        const p = await h.open({ scenario: 'gray8', theme }, { width, height: 800 });
        await p.evaluate(() => document.fonts.ready.then(() => undefined));
        await settle(p);
        await p.keyboard.press('b');
        const a = await toPage(p, 60, 220);
        await p.mouse.move(...a);
        await p.mouse.down();
        await p.mouse.move(a[0] + 90, a[1] + 30, { steps: 5 });
        await p.mouse.up();
        await saves(p, 1);
        await p.keyboard.press('p');
        for (const [x, y] of [[250, 170], [330, 175], [345, 270], [260, 280]] as const) await p.mouse.click(...(await toPage(p, x, y)));
        await p.keyboard.press('Enter');
        await saves(p, 2);
        await p.mouse.move(...(await toPage(p, 300, 225)));
        await settle(p);
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
