/** Flags shared by commands that run the engine, and their translation to TrainOptions. */
import type { TrainOptions } from '../../core/api';
import type { MethodOptions } from '../../shared/model';
import { DEFAULT_MAX_PIXELS } from '../../core/image/decodeOptions';
import { AUGMENT_VIEW_COUNTS, TEST_VIEW_COUNTS } from '../../core/method/views';
import { deviceLine } from '../../core/onnx/device';
import { deps } from '../deps';
import type { Progress } from '../progress';
import { parseTileSetting } from '../../core/tiling/plan';
import { flag, fraction, nonNegative, num, oneOf, positiveInt, str, type Options, type Values } from '../args';

export const DEVICES = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const;

export const RUNTIME_OPTIONS: Options = {
  device: { type: 'string' },
  threads: { type: 'string' },
  workers: { type: 'string' },
  'max-pixels': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

export const METHOD_OPTIONS: Options = {
  backbone: { type: 'string' },
  method: { type: 'string' },
  alpha: { type: 'string' },
  rho: { type: 'string' },
  seed: { type: 'string' },
  lambda: { type: 'string' },
  selector: { type: 'string' },
  'score-mode': { type: 'string' },
  'global-weight': { type: 'string' },
  'top-fraction': { type: 'string' },
  'map-mean-weight': { type: 'string' },
  k: { type: 'string' },
  epochs: { type: 'string' },
  augment: { type: 'boolean' },
  'no-augment': { type: 'boolean' },
  'augment-views': { type: 'string' },
  'test-views': { type: 'string' },
  'threshold-quantile': { type: 'string' },
  resize: { type: 'string' },
  crop: { type: 'string' },
  tile: { type: 'string' },
};

export function runtimeOf(v: Values): { device?: TrainOptions['device']; threads?: number; workers?: number; maxPixels: number } {
  return {
    device: oneOf(v, 'device', DEVICES),
    threads: num(v, 'threads', positiveInt, 'a positive integer'),
    workers: workersOf(v),
    maxPixels: num(v, 'max-pixels', positiveInt, 'a positive integer') ?? DEFAULT_MAX_PIXELS,
  };
}

/** `--workers <n>`: worker threads for folder-sized jobs (undefined = automatic). */
export function workersOf(v: Values): number | undefined {
  return num(v, 'workers', positiveInt, 'a positive integer');
}

export function methodOf(v: Values): Partial<MethodOptions> {
  const m: Partial<MethodOptions> = {
    method: oneOf(v, 'method', ['gpmlp', 'patchcore'] as const),
    alpha: num(v, 'alpha', nonNegative, 'a number ≥ 0'),
    rho: num(v, 'rho', fraction, 'a fraction in (0, 1]'),
    seed: num(v, 'seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    lambda: num(v, 'lambda', nonNegative, 'a number ≥ 0'),
    selector: oneOf(v, 'selector', ['gradient', 'random'] as const),
    scoreMode: oneOf(v, 'score-mode', ['knn', 'center'] as const),
    globalWeight: num(v, 'global-weight', nonNegative, 'a number ≥ 0'),
    mapMeanWeight: num(v, 'map-mean-weight', nonNegative, 'a number ≥ 0'),
    topFraction: num(v, 'top-fraction', (n) => n >= 0 && n <= 1, 'a fraction in [0, 1] (0 = max of the map, 1 = its mean)'),
    k: num(v, 'k', positiveInt, 'a positive integer'),
    maxEpochs: num(v, 'epochs', positiveInt, 'a positive integer'),
    thresholdQuantile: num(v, 'threshold-quantile', fraction, 'a fraction in (0, 1]'),
    // Unset = by training-set size (on below 32 images); either flag overrides it.
    augment: flag(v, 'augment') ? true : flag(v, 'no-augment') ? false : undefined,
    augmentViews: num(v, 'augment-views', (n) => (AUGMENT_VIEW_COUNTS as readonly number[]).includes(n), `one of ${AUGMENT_VIEW_COUNTS.join(', ')}`),
    testViews: num(v, 'test-views', (n) => (TEST_VIEW_COUNTS as readonly number[]).includes(n), `one of ${TEST_VIEW_COUNTS.join(', ')}`),
  };
  return Object.fromEntries(Object.entries(m).filter(([, x]) => x !== undefined)) as Partial<MethodOptions>;
}

export function trainOptionsOf(v: Values): TrainOptions {
  const rt = runtimeOf(v);
  const resize = num(v, 'resize', positiveInt, 'a positive integer');
  const crop = num(v, 'crop', positiveInt, 'a positive integer');
  return {
    method: methodOf(v),
    preprocess: resize || crop ? { resize, crop } : undefined,
    backbone: str(v, 'backbone'),
    device: rt.device,
    threads: rt.threads,
    workers: rt.workers,
    maxPixels: rt.maxPixels,
    tile: str(v, 'tile') !== undefined ? parseTileSetting(str(v, 'tile') as string) : undefined,
  };
}

/** The first line of a command that runs the engine: which device runs it ("CPU: no GPU adapter found (…)"). */
export async function announceDevice(device: TrainOptions['device'], progress: Progress): Promise<void> {
  progress.log(deviceLine(await deps.resolveDevice(device ?? 'auto'), process.platform));
}
