/**
 * `npm run bench:tiling [-- --out docs] [--quick]`: the tiling benchmark on the generated elongated
 * and large sets; writes its section into <out>/benchmarks.md (the main benchmark keeps it).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as engine from '../src/core/engine';
import { writeFileAtomic } from '../src/core/io/atomic';
import { elongatedSet, largeSet } from '../src/bench/tiledSets';
import { runTilingBench, tilingMarkdown, withTilingSection } from '../src/bench/tiling';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : 'docs';
  const quick = args.includes('--quick');
  const started = performance.now();
  const sets = quick ? [elongatedSet(0.5)] : [elongatedSet(), largeSet()];
  const runs = await runTilingBench(engine, sets, (l) => process.stdout.write(`${l}\n`));
  const file = path.join(out, 'benchmarks.md');
  const page = await fs.readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const section = tilingMarkdown(runs, {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.availableParallelism()} CPU cores, Node ${process.version}, ${process.platform}-${process.arch}`,
    seconds: (performance.now() - started) / 1000,
    command: `npm run bench:tiling${quick ? ' -- --quick' : ''}`,
  });
  await writeFileAtomic(file, withTilingSection(page, section));
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
