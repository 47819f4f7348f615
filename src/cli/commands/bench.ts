/**
 * `anomaly-lens bench [--data root] [--quick]`: runs the benchmark (src/bench) and writes
 * docs/benchmarks.md, docs/benchmarks.json and docs/bench/*.svg.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as engine from '../../core/engine';
import { discoverDatasets, loadMvtec } from '../../bench/datasets';
import { GEOMETRY_SETS, writeGeometrySet } from '../../bench/geometrySets';
import { benchmarkMarkdown } from '../../bench/markdown';
import { ABLATIONS, PRESETS, type BenchPlan, type Shot } from '../../bench/plan';
import { runBenchmark, type BenchResults } from '../../bench/runner';
import { readFile } from 'node:fs/promises';
import { runSpeed, runSpeedTask, SPEED_TASKS, type SpeedResults, type SpeedMethod, type SpeedTask, type SpeedTaskResult } from '../../bench/speed';
import { AnomalyLensError } from '../../shared/errors';
import { flag, num, oneOf, parse, positiveInt, str, UsageError } from '../args';
import { writeFileAtomic } from '../../core/io/atomic';
import type { CliIo } from '../io';
import { createProgress } from '../progress';
import { readmeResultsTable, withReadmeResults } from '../../bench/readmeResults';
import { TILING_SECTION_END, TILING_SECTION_START, withTilingSection } from '../../bench/tiling';

export const BENCH_HELP = `anomaly-lens bench [--data <root>] [--quick] [options]
  --data <root>        datasets: ../shared/data layout or MVTec folders (default $ANOMALY_LENS_DATA or ../shared/data)
  --quick              small preset (seeds 0-2, shots 1/4/all, ≤ 80 test images): ≈ 25 min on 2 cores
  --dev                development preset: every set + generated geometry sets, shots 1/4/16/all, seeds 0-1 (16 and all: 0),
                       ≤ 30 test images, features kept in --work between runs (defaults are chosen on its summary)
  --only <ids>         comma-separated dataset ids (e.g. mpdd-metal_plate,head-ct)
  --backbones <ids>    comma-separated backbones; the first is the main one (default: inceptionv3-int8, inceptionv3, mobilenetv2 + the example MobileNetV1 manifest if its weights exist)
  --seeds <list>  --shots <list>  --max-test <n>  --max-train <n>
  --ablations <ids|none>  subset of: ${ABLATIONS.map((a) => a.id).join(', ')}   --no-contaminated
  --no-speed           skip the speed section     --scan-count <n>  images scanned for speed (1000; the few-shot scan 200)
  --speed-only         re-measure speed only (keeps the stored quality results)
  --markdown-only      rewrite benchmarks.md from the stored benchmarks.json (no measurement)
  --speed-backbones <ids>  backbones timed (default: the bundled ones in --backbones)
  --out <dir>          where benchmarks.md/json and bench/*.svg go (default docs)
  --work <dir>         feature cache and speed data (default bench-out)
  --threads <n>  --json  --quiet`;

const EXAMPLE_MANIFEST = 'models/examples/mobilenet_v1_1.0_imagenet.manifest.json';

/** The user-supplied example backbone joins the comparison only when its weights are on disk. */
function exampleBackbone(cwd: string): string | undefined {
  const m = path.resolve(cwd, EXAMPLE_MANIFEST);
  if (!existsSync(m)) return undefined;
  try {
    const file = (JSON.parse(readFileSync(m, 'utf8')) as { file?: string }).file;
    return file && existsSync(path.resolve(path.dirname(m), file)) ? m : undefined;
  } catch {
    return undefined;
  }
}

const list = (s: string | undefined): string[] | undefined => s?.split(',').map((x) => x.trim()).filter(Boolean);

function parseShots(s: string): Shot[] {
  return s.split(',').map((x) => {
    if (x.trim() === 'all') return 'all';
    const n = Number(x);
    if (!positiveInt(n)) throw new UsageError(`--shots must list positive integers or "all", got "${x}"`);
    return n;
  });
}

export async function benchCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v } = parse(
    args,
    {
      data: { type: 'string' },
      quick: { type: 'boolean' },
      dev: { type: 'boolean' },
      only: { type: 'string' },
      backbones: { type: 'string' },
      seeds: { type: 'string' },
      shots: { type: 'string' },
      'max-test': { type: 'string' },
      'max-train': { type: 'string' },
      'no-speed': { type: 'boolean' },
      ablations: { type: 'string' },
      'no-contaminated': { type: 'boolean' },
      'scan-count': { type: 'string' },
      out: { type: 'string' },
      work: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
      'speed-task': { type: 'string' },
      'speed-backbones': { type: 'string' },
      'speed-dir': { type: 'string' },
      'speed-backbone': { type: 'string' },
      'speed-method': { type: 'string' },
      'speed-only': { type: 'boolean' },
      'markdown-only': { type: 'boolean' },
    },
    false,
  );
  if (flag(v, 'help')) {
    io.out(`${BENCH_HELP}\n`);
    return 0;
  }
  const threads = num(v, 'threads', positiveInt, 'a positive integer');
  // Child side of the speed section: one task, JSON on stdout.
  const task = oneOf(v, 'speed-task', SPEED_TASKS);
  if (task) {
    const r = await runSpeedTask(engine, task, str(v, 'speed-dir') ?? '', { backbone: str(v, 'speed-backbone') ?? 'mobilenetv2', threads, method: oneOf(v, 'speed-method', ['gpmlp', 'patchcore'] as const) });
    io.out(`${JSON.stringify(r)}\n`);
    return 0;
  }

  const base = PRESETS[flag(v, 'dev') ? 'dev' : flag(v, 'quick') ? 'quick' : 'full'];
  const example = exampleBackbone(io.cwd);
  const plan: BenchPlan = {
    ...base,
    backbones: list(str(v, 'backbones')) ?? [...base.backbones, ...(example && base.preset !== 'dev' ? [example] : [])],
    seeds: list(str(v, 'seeds'))?.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--seeds must list non-negative integers, got "${s}"`);
      return n;
    }) ?? base.seeds,
    shots: str(v, 'shots') ? parseShots(str(v, 'shots') as string) : base.shots,
    maxTest: num(v, 'max-test', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? base.maxTest,
    maxTrain: num(v, 'max-train', positiveInt, 'a positive integer') ?? base.maxTrain,
  };
  plan.defaultBackbone = plan.backbones[0];
  const abl = list(str(v, 'ablations'));
  if (abl) plan.ablations = abl[0] === 'none' ? [] : ABLATIONS.filter((a) => abl.includes(a.id));
  if (flag(v, 'no-contaminated')) plan.contaminated = false;
  const dataRoot = path.resolve(io.cwd, str(v, 'data') ?? io.env.ANOMALY_LENS_DATA ?? '../shared/data');
  const outDir = path.resolve(io.cwd, str(v, 'out') ?? 'docs');
  const workDir = path.resolve(io.cwd, str(v, 'work') ?? 'bench-out');
  const progress = createProgress(io, { quiet: flag(v, 'quiet') });
  const log = (l: string): void => progress.log(l);

  // Speed for every bundled backbone in the plan (a user manifest is a path, measured on request only).
  const speedBackbones = list(str(v, 'speed-backbones')) ?? plan.backbones.filter((b) => !b.endsWith('.json'));
  const measureSpeed = async (): Promise<SpeedResults[]> => {
    const scanCount = num(v, 'scan-count', positiveInt, 'a positive integer') ?? 1000;
    const speedDir = path.join(workDir, 'speed');
    const out: SpeedResults[] = [];
    for (const b of speedBackbones) out.push(await runSpeed(speedDir, scanCount, (t, m) => spawnSpeedTask(t, m, speedDir, b, threads), { backbone: b, log }));
    return out;
  };

  if (flag(v, 'markdown-only')) {
    const stored = JSON.parse(await readFile(path.join(outDir, 'benchmarks.json'), 'utf8')) as BenchResults & { speed?: SpeedResults | SpeedResults[] };
    const { markdown, svgs } = benchmarkMarkdown(stored, stored.speed);
    await writePages(outDir, markdown, stored);
    for (const [name, svg] of Object.entries(svgs)) await writeFileAtomic(path.join(outDir, 'bench', name), svg);
    io.out(`wrote ${path.join(outDir, 'benchmarks.md')} from the stored results\n`);
    return 0;
  }
  if (flag(v, 'speed-only')) {
    // Re-measure speed (e.g. on a quiet machine) and regenerate the page from the stored quality results.
    const stored = JSON.parse(await readFile(path.join(outDir, 'benchmarks.json'), 'utf8')) as BenchResults & { speed?: SpeedResults | SpeedResults[] };
    delete stored.speed;
    const speed = await measureSpeed();
    const { markdown } = benchmarkMarkdown(stored, speed);
    await writePages(outDir, markdown, stored);
    await writeFileAtomic(path.join(outDir, 'benchmarks.json'), `${JSON.stringify({ ...stored, speed }, null, 1)}\n`);
    io.out(`wrote ${path.join(outDir, 'benchmarks.md')} (speed only)\n`);
    return 0;
  }

  let datasets = await discoverDatasets(dataRoot);
  if (plan.generated) {
    for (const spec of GEOMETRY_SETS) datasets.push(await loadMvtec(await writeGeometrySet(path.join(workDir, 'generated'), spec), spec.id));
  }
  const only = list(str(v, 'only'));
  if (only) datasets = datasets.filter((d) => only.includes(d.id));
  if (!datasets.length) throw new AnomalyLensError('DATASET_INVALID', 'no datasets found', { file: dataRoot, hint: 'pass --data <root> with MVTec folders or the ../shared/data layout' });
  log(`bench (${plan.preset}): ${datasets.map((d) => d.id).join(', ')}; backbones ${plan.backbones.map((b) => path.basename(b)).join(', ')}`);

  let results;
  try {
    results = await runBenchmark(datasets, plan, { engine, workDir, threads, log, ctx: { onProgress: progress.update, log } });
  } finally {
    progress.done();
  }
  const speed = flag(v, 'no-speed') ? undefined : await measureSpeed();
  const { markdown, svgs } = benchmarkMarkdown(results, speed);
  await writePages(outDir, markdown, results);
  await writeFileAtomic(path.join(outDir, 'benchmarks.json'), `${JSON.stringify({ ...results, speed }, null, 1)}\n`);
  for (const [name, svg] of Object.entries(svgs)) await writeFileAtomic(path.join(outDir, 'bench', name), svg);
  if (flag(v, 'json')) io.out(`${JSON.stringify({ ...results, roc: undefined, speed }, null, 2)}\n`);
  else io.out(`wrote ${path.join(outDir, 'benchmarks.md')} (${results.runs.length} runs, ${results.seconds.toFixed(0)} s)\n`);
  return 0;
}

/** Runs a speed task in a fresh process of this same program (peak RSS is per process). */
function spawnSpeedTask(task: SpeedTask, method: SpeedMethod, dir: string, backbone: string, threads?: number): Promise<SpeedTaskResult> {
  const args = [...process.execArgv, process.argv[1], 'bench', '--speed-task', task, '--speed-method', method, '--speed-dir', dir, '--speed-backbone', backbone, ...(threads ? ['--threads', String(threads)] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as SpeedTaskResult);
      else reject(new AnomalyLensError('INTERNAL', `speed task ${task} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** The tiling section (written by npm run bench:tiling) survives a regeneration of the page. */
/** benchmarks.md (keeping the tiling benchmark's section) and, beside docs/, the README's results block. */
async function writePages(outDir: string, markdown: string, results: BenchResults): Promise<void> {
  const page = await keepTilingSection(path.join(outDir, 'benchmarks.md'), markdown);
  await writeFileAtomic(path.join(outDir, 'benchmarks.md'), page.endsWith('\n') ? page : `${page}\n`);
  const readme = path.join(outDir, '..', 'README.md');
  const old = await readFile(readme, 'utf8').catch(() => undefined);
  const next = old === undefined ? undefined : withReadmeResults(old, readmeResultsTable(results));
  if (next !== undefined && next !== old) await writeFileAtomic(readme, next);
}

async function keepTilingSection(file: string, markdown: string): Promise<string> {
  const old = await readFile(file, 'utf8').catch(() => '');
  const a = old.indexOf(TILING_SECTION_START);
  const b = old.indexOf(TILING_SECTION_END);
  return a >= 0 && b > a ? withTilingSection(markdown, old.slice(a, b + TILING_SECTION_END.length)) : markdown;
}

