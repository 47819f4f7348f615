/**
 * Speed section: end-to-end scoring throughput on 512×512 PNGs, training time on 200 and 4
 * images, and peak RSS. Each task runs in its own process (peak RSS is per process), started by
 * the caller through `spawnTask`; `runSpeedTask` is what that child runs.
 */
import { peakRssMb } from './peakRss';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageSource } from '../core/api';
import type { EngineApi } from '../core/api';
import type { openScorer, scanStream } from '../core/parallel/scorer';
import { writeTextureSet } from '../core/samples/write';

export type SpeedTask = 'train200' | 'train4' | 'scan' | 'scan4';
export const SPEED_TASKS: readonly SpeedTask[] = ['train200', 'train4', 'scan', 'scan4'];
/** Images scanned with the 4-image model (it scores each image in several views: a few-shot model's scan speed). */
export const FEW_SHOT_SCAN_IMAGES = 200;

/** Methods timed side by side: ours and the PatchCore baseline (ρ = 10 %). */
export type SpeedMethod = 'gpmlp' | 'patchcore';
export const SPEED_METHODS: readonly SpeedMethod[] = ['gpmlp', 'patchcore'];

export interface SpeedTaskResult {
  task: SpeedTask;
  method?: SpeedMethod;
  images: number;
  seconds: number;
  peakRssMb: number;
  imagesPerSecond?: number;
  /** Scan only: opening the model (and its worker threads), not counted in `seconds`. */
  startSeconds?: number;
  workers?: number;
}

export interface SpeedResults {
  imageSize: number;
  backbone: string;
  tasks: SpeedTaskResult[];
}


async function sourcesIn(dir: string): Promise<ImageSource[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.png')).sort();
  return names.map((n) => ({ name: n, read: async () => new Uint8Array(await fs.readFile(path.join(dir, n))) }));
}

/** Generates the speed data once: 200 normal 512×512 textures and `scanCount` test images. */
export async function prepareSpeedData(dir: string, scanCount: number): Promise<void> {
  const marker = path.join(dir, `ready-${scanCount}`);
  if (await fs.stat(marker).then(() => true, () => false)) return;
  await fs.rm(dir, { recursive: true, force: true });
  const perDefect = Math.ceil(scanCount / 10);
  await writeTextureSet(dir, { kind: 'granite', seed: 11, size: 512, train: 200, testGood: scanCount - 3 * perDefect, testPerDefect: perDefect });
  await fs.writeFile(marker, '');
}

/** Runs one task in this process and reports it (the child side). */
export async function runSpeedTask(
  engine: Pick<EngineApi, 'trainDetector' | 'saveDetector'> & { openScorer: typeof openScorer; scanStream: typeof scanStream },
  task: SpeedTask,
  dir: string,
  o: { backbone: string; threads?: number; method?: SpeedMethod },
): Promise<SpeedTaskResult> {
  const method = o.method ?? 'gpmlp';
  const modelDir = path.join(dir, `model200-${method}`);
  const model4Dir = path.join(dir, `model4-${method}`);
  const train = await sourcesIn(path.join(dir, 'train', 'good'));
  if (task === 'train200' || task === 'train4') {
    const use = task === 'train4' ? train.slice(0, 4) : train.slice(0, 200);
    const t0 = performance.now();
    const det = await engine.trainDetector(use, { backbone: o.backbone, threads: o.threads, method: method === 'patchcore' ? { method, rho: 0.1 } : undefined });
    const seconds = (performance.now() - t0) / 1000;
    await engine.saveDetector(det, task === 'train200' ? modelDir : model4Dir);
    await det.release();
    return { task, method, images: use.length, seconds, peakRssMb: peakRssMb() };
  }
  const test: ImageSource[] = [];
  for (const sub of (await fs.readdir(path.join(dir, 'test'))).sort()) test.push(...(await sourcesIn(path.join(dir, 'test', sub))));
  if (task === 'scan4') test.splice(FEW_SHOT_SCAN_IMAGES);
  // As the CLI and the extension scan: a worker pool when the machine has the cores.
  const t00 = performance.now();
  const scorer = await engine.openScorer(task === 'scan4' ? model4Dir : modelDir, { threads: o.threads, images: test.length });
  const startSeconds = (performance.now() - t00) / 1000;
  const t0 = performance.now();
  let n = 0;
  for await (const r of engine.scanStream(scorer, test)) if ('score' in r) n++;
  const seconds = (performance.now() - t0) / 1000;
  await scorer.release();
  return { task, method, images: n, seconds, peakRssMb: peakRssMb(), imagesPerSecond: n / seconds, startSeconds, workers: scorer.workers };
}

/** Runs every task (each training task before the scan that uses its model) through `spawnTask`. */
export async function runSpeed(
  dir: string,
  scanCount: number,
  spawnTask: (task: SpeedTask, method: SpeedMethod) => Promise<SpeedTaskResult>,
  meta: { backbone: string; log?: (l: string) => void },
): Promise<SpeedResults> {
  meta.log?.(`speed: generating ${200 + scanCount} 512×512 PNGs in ${dir}`);
  await prepareSpeedData(dir, scanCount);
  const tasks: SpeedTaskResult[] = [];
  for (const method of SPEED_METHODS)
  for (const t of SPEED_TASKS) {
    const r = await spawnTask(t, method);
    meta.log?.(`speed ${method} ${t}: ${r.images} images, ${r.seconds.toFixed(2)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB${r.imagesPerSecond ? `, ${r.imagesPerSecond.toFixed(1)} images/s (${r.workers ?? 1} workers, start ${r.startSeconds?.toFixed(2)} s)` : ''}`);
    tasks.push(r);
  }
  return { imageSize: 512, backbone: meta.backbone, tasks };
}
