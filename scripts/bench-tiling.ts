/**
 * `npm run bench:tiling [-- --out docs] [--quick]`: the tiling benchmark on the generated elongated
 * and large sets; writes its section into <out>/benchmarks.md (the main benchmark keeps it).
 *
 * A partial run prints its table and leaves the page alone:
 *   --only elongated|large   one set
 *   --mode squash|tiles      one mode
 *   --method gpmlp|patchcore one method
 *   --tests N                the first N normal and first N anomalous test images of each set
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as engine from '../src/core/engine';
import { writeFileAtomic } from '../src/core/io/atomic';
import { elongatedSet, largeSet, withFewerTests, type GeneratedSet } from '../src/bench/tiledSets';
import { runTilingBench, tilingMarkdown, withTilingSection, type TilingRun } from '../src/bench/tiling';

function option<T extends string>(args: readonly string[], name: string, allowed: readonly T[]): T | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const v = args[at + 1];
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name} takes one of ${allowed.join(', ')} (got ${v ?? 'nothing'})`);
  return v as T;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : 'docs';
  const quick = args.includes('--quick');
  const only = option(args, '--only', ['elongated', 'large'] as const);
  const mode = option(args, '--mode', ['squash', 'tiles'] as const);
  const method = option(args, '--method', ['gpmlp', 'patchcore'] as const);
  const testsAt = args.indexOf('--tests');
  const tests = testsAt >= 0 ? Number(args[testsAt + 1]) : undefined;
  if (tests !== undefined && !(Number.isInteger(tests) && tests >= 1)) throw new Error(`--tests takes a positive integer (got ${args[testsAt + 1]})`);
  const partial = only !== undefined || mode !== undefined || method !== undefined || tests !== undefined;
  const started = performance.now();
  const all: { id: 'elongated' | 'large'; make: () => GeneratedSet }[] = quick
    ? [{ id: 'elongated', make: () => elongatedSet(0.5) }]
    : [
        { id: 'elongated', make: () => elongatedSet() },
        { id: 'large', make: () => largeSet() },
      ];
  const sets = all.filter((s) => !only || s.id === only).map((s) => (tests ? withFewerTests(s.make(), tests) : s.make()));
  const filter: { modes?: TilingRun['mode'][]; methods?: TilingRun['method'][] } = { modes: mode && [mode], methods: method && [method] };
  const runs = await runTilingBench(engine, sets, (l) => process.stdout.write(`${l}\n`), filter);
  const section = tilingMarkdown(runs, {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.availableParallelism()} CPU cores, Node ${process.version}, ${process.platform}-${process.arch}`,
    seconds: (performance.now() - started) / 1000,
    command: `npm run bench:tiling${quick ? ' -- --quick' : ''}`,
  });
  if (partial) {
    process.stdout.write(section);
    return;
  }
  const file = path.join(out, 'benchmarks.md');
  const page = await fs.readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  await writeFileAtomic(file, withTilingSection(page, section));
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
