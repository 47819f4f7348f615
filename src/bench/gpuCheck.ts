/**
 * The GPU check: which providers this onnxruntime has and which one `auto` picks, CPU–GPU score
 * parity on generated images, where each graph's nodes ran, and the speed tasks (train, scan,
 * train 4, scan with the 4-image model) on the GPU and the CPU side by side, as one markdown
 * table. Each task runs in a child process of this script (`--task`). Without a GPU it reports
 * the CPU alone and says why no GPU ran.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { deviceLine, type DeviceSetting } from '../core/onnx/device';
import { describePlacement, readPlacements, type GraphPlacement } from '../core/onnx/placement';
import { realProbeEnv } from '../core/onnx/probe';
import { availableDevices, resolveDevice } from '../core/onnx/runtime';
import { writeTextureSet } from '../core/samples/write';
import { runTask, type TaskResult, type TaskSpec } from './gpuCheckTask';
import { compareScores, PARITY_TOLERANCE, type Parity } from './parity';

const USAGE = `gpu-check [--out file.md] [--work dir] [--train 200] [--scan 1000] [--few-scan 200] [--parity 40]
  [--size 512] [--backbone inceptionv3-int8] [--workers n] [--budget-s 420] [--device <setting compared with cpu>]
  --device: default the provider \`auto\` picks; \`--device cpu\` runs every comparison CPU against CPU (tries the check without a GPU)`;

interface Config {
  out: string;
  work: string;
  train: number;
  scan: number;
  fewScan: number;
  parity: number;
  size: number;
  backbone: string;
  workers?: number;
  budgetS: number;
  device?: DeviceSetting;
}

function config(argv: string[]): Config {
  const { values: v } = parseArgs({
    args: argv,
    options: Object.fromEntries(['out', 'work', 'train', 'scan', 'few-scan', 'parity', 'size', 'backbone', 'workers', 'budget-s', 'device'].map((k) => [k, { type: 'string' as const }])),
  });
  const int = (k: string, d: number): number => {
    const s = v[k] as string | undefined;
    const n = s === undefined ? d : Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a positive integer (${USAGE})`);
    return n;
  };
  return {
    out: path.resolve((v.out as string | undefined) ?? 'gpu-check.md'),
    work: path.resolve((v.work as string | undefined) ?? path.join(os.tmpdir(), 'anomaly-lens-gpu-check')),
    train: int('train', 200),
    scan: int('scan', 1000),
    fewScan: int('few-scan', 200),
    parity: int('parity', 40),
    size: int('size', 512),
    backbone: (v.backbone as string | undefined) ?? 'inceptionv3-int8',
    workers: v.workers === undefined ? undefined : int('workers', 1),
    budgetS: int('budget-s', 420),
    device: v.device as DeviceSetting | undefined,
  };
}

/** Runs one task in a child process (a fresh onnxruntime and device per task). */
function child(spec: TaskSpec, env: NodeJS.ProcessEnv = process.env): TaskResult {
  const stdout = execFileSync(process.execPath, [...process.execArgv, process.argv[1], '--task', JSON.stringify(spec)], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as TaskResult;
}

type Cell = string;
interface Row {
  check: string;
  cpu: Cell;
  gpu: Cell;
  note: string;
}

const secs = (r?: TaskResult): Cell => (r ? `${r.seconds.toFixed(2)} s` : '—');
const rate = (r?: TaskResult): Cell => (r ? `${(r.images / r.seconds).toFixed(1)} images/s (${r.seconds.toFixed(2)} s, ${r.workers ?? 1} workers, start ${r.startSeconds?.toFixed(2)} s)` : '—');
const ratio = (device: string, cpu?: TaskResult, gpu?: TaskResult): string => (cpu && gpu ? `${device} ${(cpu.seconds / gpu.seconds).toFixed(2)}× CPU` : '');
const parityCell = (p: Parity): Cell =>
  `${p.pass ? 'PASS' : 'FAIL'}: ${p.images} images, max relative difference ${p.maxRelDiff.toExponential(2)}, ranking ${p.sameRanking ? 'identical' : 'differs'}`;

export async function gpuCheck(c: Config, log: (l: string) => void): Promise<{ markdown: string; ok: boolean }> {
  const started = performance.now();
  const left = (): number => c.budgetS - (performance.now() - started) / 1000;
  const backends = realProbeEnv.backends();
  const auto = await resolveDevice('auto');
  const gpu: DeviceSetting | undefined = c.device ?? (auto.provider === 'cpu' ? undefined : auto.provider);
  const options = await availableDevices();
  log(deviceLine(auto, process.platform));

  const data = path.join(c.work, `data-${c.size}-${c.train}-${c.scan}`);
  if (!(await fs.stat(path.join(data, 'ready')).catch(() => undefined))) {
    log(`generating ${c.train + c.scan} ${c.size}×${c.size} PNGs in ${data}`);
    await fs.rm(data, { recursive: true, force: true });
    const perDefect = Math.max(1, Math.ceil(c.scan / 10));
    await writeTextureSet(data, { kind: 'granite', seed: 11, size: c.size, train: c.train, testGood: Math.max(1, c.scan - 3 * perDefect), testPerDefect: perDefect });
    await fs.writeFile(path.join(data, 'ready'), '');
  }
  type Side = 'dev' | 'cpu';
  const sides: [Side, DeviceSetting][] = gpu ? [['dev', gpu], ['cpu', 'cpu']] : [['cpu', 'cpu']];
  const base = { data, backbone: c.backbone, workers: c.workers };
  const model = (s: Side, n: number): string => path.join(c.work, `model-${s}-${n}`);
  const results: Record<string, Partial<Record<Side, TaskResult>>> = {};
  const timed = (key: string, s: Side, spec: TaskSpec): void => {
    if (left() < 0) {
      log(`${key} on ${spec.device}: skipped, the time budget is spent`);
      return;
    }
    const r = child(spec);
    log(`${key} on ${spec.device}: ${r.images} images in ${r.seconds.toFixed(2)} s`);
    (results[key] ??= {})[s] = r;
  };
  for (const [s, d] of sides) {
    timed('train', s, { ...base, task: 'train', device: d, model: model(s, c.train), images: c.train });
    timed('train4', s, { ...base, task: 'train', device: d, model: model(s, 4), images: 4 });
  }
  for (const [s, d] of sides) {
    timed('scan', s, { ...base, task: 'scan', device: d, model: model(s, c.train), images: c.scan, scores: path.join(c.work, `scores-${s}.json`) });
    timed('scan4', s, { ...base, task: 'scan', device: d, model: model(s, 4), images: c.fewScan });
  }

  // Parity: the CPU-trained model scored on each device (scoring graphs), and each device's own model (training too).
  const readScores = async (f: string): Promise<Record<string, number>> => JSON.parse(await fs.readFile(f, 'utf8')) as Record<string, number>;
  let parityScore: Parity | undefined;
  let parityTrain: Parity | undefined;
  let parityExported: Parity | undefined;
  if (gpu && results.train?.cpu) {
    const f = (n: string): string => path.join(c.work, `parity-${n}.json`);
    child({ ...base, task: 'scan', device: 'cpu', model: model('cpu', c.train), images: c.parity, scores: f('cpu'), workers: 1 });
    child({ ...base, task: 'scan', device: gpu, model: model('cpu', c.train), images: c.parity, scores: f('dev'), workers: 1 });
    parityScore = compareScores(await readScores(f('cpu')), await readScores(f('dev')));
    if (results.scan?.cpu && results.scan?.dev) {
      parityTrain = compareScores(await readScores(path.join(c.work, 'scores-cpu.json')), await readScores(path.join(c.work, 'scores-dev.json')));
    }
    const exported = Math.min(c.parity, 8);
    child({ ...base, task: 'exported', device: 'cpu', model: model('cpu', c.train), images: exported, scores: f('exported-cpu') });
    child({ ...base, task: 'exported', device: gpu, model: model('cpu', c.train), images: exported, scores: f('exported-dev') });
    parityExported = compareScores(await readScores(f('exported-cpu')), await readScores(f('exported-dev')));
  }

  // Placement: train 4 and scan a few images on the device auto picked, every session profiled.
  const profDir = path.join(c.work, 'profiles');
  await fs.rm(profDir, { recursive: true, force: true });
  await fs.mkdir(profDir, { recursive: true });
  const env = { ...process.env, ANOMALY_LENS_ORT_PROFILE: profDir };
  const placeOn = gpu ?? 'cpu';
  const profiled = path.join(c.work, 'model-profiled');
  child({ ...base, task: 'train', device: placeOn, model: profiled, images: 4 }, env);
  child({ ...base, task: 'scan', device: placeOn, model: profiled, images: 2, workers: 1 }, env);
  child({ ...base, task: 'exported', device: placeOn, model: profiled, images: 1 }, env);
  const placements: GraphPlacement[] = await readPlacements(profDir);

  const rows: Row[] = [];
  const g = gpu ?? 'cpu';
  const on = (key: string): [TaskResult | undefined, TaskResult | undefined] => [results[key]?.cpu, results[key]?.dev];
  rows.push({ check: 'providers in this onnxruntime', cpu: backends.map((b) => `${b.name}${b.bundled ? '' : ' (separate library)'}`).join(', '), gpu: options.filter((o) => o.available).map((o) => o.setting).join(', '), note: 'GPU column: settings that run here' });
  rows.push({ check: 'device `auto` picks', cpu: '', gpu: deviceLine(auto, process.platform), note: '' });
  for (const [key, label, fmt] of [
    ['train', `train on ${c.train} images`, secs],
    ['scan', `scan ${c.scan} images, ${c.train}-image model`, rate],
    ['train4', 'train on 4 images', secs],
    ['scan4', `scan ${c.fewScan} images, 4-image model`, rate],
  ] as const) {
    const [cpu, dev] = on(key);
    rows.push({ check: label, cpu: fmt(cpu), gpu: gpu ? fmt(dev) : 'no GPU', note: ratio(c.device ?? 'GPU', cpu, dev) });
  }
  rows.push({ check: `parity, same model (scoring graphs), tolerance ${PARITY_TOLERANCE}`, cpu: 'reference', gpu: parityScore ? parityCell(parityScore) : 'no GPU', note: '' });
  rows.push({ check: 'parity, each device trains its own model', cpu: 'reference', gpu: parityTrain ? parityCell(parityTrain) : 'no GPU', note: 'training on the GPU too' });
  rows.push({ check: 'parity, exported detector graph', cpu: 'reference', gpu: parityExported ? parityCell(parityExported) : 'no GPU', note: 'generated inputs at the model size' });
  for (const p of placements) rows.push({ check: `nodes of graph \`${p.graph}\``, cpu: g === 'cpu' ? describePlacement(p) : '', gpu: g === 'cpu' ? '' : describePlacement(p), note: 'from an onnxruntime profile' });

  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    `GPU check: \`scripts/gpu-check.sh ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPU cores, backbone ${c.backbone}, ${c.size}×${c.size} PNGs, ${((performance.now() - started) / 1000).toFixed(0)} s in all.`,
    '',
    `| check | CPU | ${esc(gpu ? (c.device ? `device ${gpu}` : auto.label) : 'GPU')} | note |`,
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${esc(r.check)} | ${esc(r.cpu)} | ${esc(r.gpu)} | ${esc(r.note)} |`),
    '',
  ];
  const ok = [parityScore, parityExported].every((p) => !p || p.pass) && (!parityTrain || parityTrain.sameRanking);
  return { markdown: lines.join('\n'), ok };
}

export async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf('--task');
  if (i >= 0) {
    const r = await runTask(JSON.parse(argv[i + 1]) as TaskSpec);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const c = config(argv);
  await fs.mkdir(c.work, { recursive: true });
  const { markdown, ok } = await gpuCheck(c, (l) => process.stderr.write(`gpu-check: ${l}\n`));
  await fs.mkdir(path.dirname(c.out), { recursive: true });
  await fs.writeFile(c.out, markdown);
  process.stdout.write(markdown);
  return ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`gpu-check: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
