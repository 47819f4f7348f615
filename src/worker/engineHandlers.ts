/**
 * The engine behind the worker protocol. Owns at most one loaded detector (keyed by model
 * folder and runtime), loads it lazily, reads image bytes through the host, and turns engine
 * results into protocol values (scan items with predicted regions, reduced heatmaps, pixels).
 */
import { createHash } from 'node:crypto';
import type { FittedDetector } from '../core/engine';
import type { ImageScore, ImageSource, RunContext } from '../core/api';
import { DEFAULT_MAX_PIXELS } from '../core/image/decodeOptions';
import { AnomalyLensError, toErrorInfo, isCancelled } from '../shared/errors';
import type { DecodedImage, SampleArray } from '../shared/image';
import type { ModelManifest } from '../shared/model';
import type { FramePixels, ImageInfo, ImageLoad, PixelDtype } from '../shared/protocol';
import { anomalyExtent, heatScale, normalizeScore, predictedRegions, reduceHeatmap, type AnomalyExtent, type Region } from '../shared/regions';
import type {
  ModelSummary,
  RuntimeOptions,
  ScanItem,
  ScannedImage,
  SourceRef,
  WorkerMethods,
} from '../shared/workerProtocol';
import { orderedMap } from '../core/parallel/orderedMap';
import { throwIfAborted, type HandlerMap, type RequestContext } from './rpcServer';

type Engine = typeof import('../core/engine');
type Decode = typeof import('../core/image/decode');

let engine: Engine | undefined;
let decoder: Decode | undefined;
// Loaded on first use so starting the worker stays cheap (onnxruntime loads with the engine).
const loadEngine = async (): Promise<Engine> => (engine ??= await import('../core/engine'));
const loadDecoder = async (): Promise<Decode> => (decoder ??= await import('../core/image/decode'));

interface Loaded {
  key: string;
  dir: string;
  detector: FittedDetector;
}
let current: Loaded | undefined;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const runKey = (dir: string, rt: RuntimeOptions): string => `${dir}\u0000${rt.device ?? 'auto'}\u0000${rt.threads ?? 0}`;

function summary(dir: string, m: ModelManifest): ModelSummary {
  return {
    id: m.id,
    dir,
    backbone: m.backbone.id,
    createdAt: m.createdAt,
    threshold: m.calibration.threshold,
    thresholdMode: m.calibration.mode,
    spread: m.calibration.spread,
    trainingImages: m.trainingImages,
  };
}

async function adopt(dir: string, rt: RuntimeOptions, detector: FittedDetector): Promise<void> {
  const old = current;
  current = { key: runKey(dir, rt), dir, detector };
  if (old && old.detector !== detector) await old.detector.release().catch(() => undefined);
}

async function detectorFor(dir: string, rt: RuntimeOptions, ctx: RequestContext): Promise<FittedDetector> {
  if (current?.key === runKey(dir, rt)) return current.detector;
  const e = await loadEngine();
  ctx.log(`loading model ${dir}`);
  const detector = await e.loadDetector(dir, { device: rt.device, threads: rt.threads, log: ctx.log });
  await adopt(dir, rt, detector);
  return detector;
}

/** The engine's lazy ImageSource over host reads, remembering what each image hashed to. */
function sourceOf(ref: SourceRef, ctx: RequestContext, hashes?: Map<string, string>): ImageSource {
  return {
    name: ref.name,
    frame: ref.frame,
    read: async () => {
      const bytes = await ctx.read(ref.uri);
      hashes?.set(ref.name, sha256(bytes));
      return bytes;
    },
  };
}

const runCtx = (ctx: RequestContext): RunContext => ({ onProgress: (p) => ctx.progress(p), signal: ctx.signal, log: ctx.log });

/** Threshold in effect: the user's manual one, or the model's. */
function applyThreshold(s: ImageScore, spread: number, threshold?: number): ImageScore {
  if (threshold === undefined || !Number.isFinite(threshold)) return s;
  // A model scored by its patch term alone compares pixels with the same kind of number: a lower
  // threshold the user chose lowers the pixel threshold too, so a flagged image keeps its region.
  const unfused = s.score === s.parts.patch && s.pixelThreshold !== undefined;
  const pixelThreshold = unfused ? Math.min(s.pixelThreshold as number, threshold) : s.pixelThreshold;
  return { ...s, threshold, pixelThreshold, normalized: normalizeScore(s.score, threshold, spread), anomalous: s.score > threshold };
}

/** Regions of a score and, for a flagged image, whether they mark it or it is a global finding. */
function findingOf(s: ImageScore): { regions: Region[]; extent?: AnomalyExtent } {
  const regions = predictedRegions(s);
  const extent = anomalyExtent(s.anomalous, regions.length);
  return extent ? { regions, extent } : { regions };
}


function imageFacts(img: DecodedImage, bytesSha: string, frame: number): ScannedImage {
  return { sha256: bytesSha, width: img.width, height: img.height, frame, frameCount: img.frameCount, format: img.format };
}

async function decodeRef(ref: SourceRef, bytes: Uint8Array, maxPixels: number | undefined): Promise<DecodedImage> {
  const d = await loadDecoder();
  const img = d.decodeImage(bytes, { path: ref.name, maxPixels: maxPixels ?? DEFAULT_MAX_PIXELS });
  const frame = ref.frame ?? 0;
  if (frame >= img.frameCount) {
    throw new AnomalyLensError('BAD_ARGUMENT', `frame ${frame} requested, the image has ${img.frameCount}`, { file: ref.name });
  }
  return img;
}

function scoredItem(name: string, s: ImageScore, facts: ScannedImage): ScanItem {
  return {
    kind: 'scored', name, score: s.score, normalized: s.normalized, threshold: s.threshold, anomalous: s.anomalous,
    ...findingOf(s), ...facts,
  };
}

type Params<M extends keyof WorkerMethods> = WorkerMethods[M]['params'];
type Result<M extends keyof WorkerMethods> = Promise<WorkerMethods[M]['result']>;

async function ping(): Result<'ping'> {
  return { protocolVersion: 1, pid: process.pid };
}

async function loadModel(p: Params<'loadModel'>, ctx: RequestContext): Result<'loadModel'> {
  const d = await detectorFor(p.dir, p, ctx);
  return summary(p.dir, d.manifest);
}

async function exportOnnx(p: Params<'exportOnnx'>): Result<'exportOnnx'> {
  const { exportDetector, writeExport } = await import('../core/export/exportModel');
  return writeExport(await exportDetector({ modelDir: p.dir, threshold: p.labels }), p.out);
}

async function train(p: Params<'train'>, ctx: RequestContext): Result<'train'> {
  const e = await loadEngine();
  const detector = await e.trainDetector(
    p.normal.map((r) => sourceOf(r, ctx)),
    { ...p.options, anomalies: p.anomalies.length ? p.anomalies.map((r) => sourceOf(r, ctx)) : undefined },
    runCtx(ctx),
  );
  throwIfAborted(ctx.signal);
  await e.saveDetector(detector, p.saveDir);
  await adopt(p.saveDir, p.options, detector);
  return summary(p.saveDir, detector.manifest);
}

async function fitContaminated(p: Params<'fitContaminated'>, ctx: RequestContext): Result<'fitContaminated'> {
  const started = performance.now();
  const e = await loadEngine();
  const hashes = new Map<string, string>();
  const refs = new Map(p.sources.map((r) => [r.name, r]));
  const { detector, ranking } = await e.fitContaminated(
    p.sources.map((r) => sourceOf(r, ctx, hashes)),
    { ...p.options, contamination: p.contamination },
    runCtx(ctx),
  );
  throwIfAborted(ctx.signal);
  await e.saveDetector(detector, p.saveDir);
  await adopt(p.saveDir, p.options, detector);
  const d = await loadDecoder();
  let scored = 0;
  let failed = 0;
  for (const r of ranking) {
    if ('error' in r) {
      failed++;
      ctx.item({ kind: 'failed', name: r.name, error: r.error } satisfies ScanItem);
      continue;
    }
    // The ranking carries sizes but not format/frames; sniffing is cheap, DICOM frame counts need a re-read.
    const ref = refs.get(r.name);
    let facts: ScannedImage = { sha256: hashes.get(r.name) ?? '', width: r.width, height: r.height, frame: ref?.frame ?? 0, frameCount: 1, format: 'png' };
    if (ref) {
      const bytes = await ctx.read(ref.uri);
      const img = d.decodeImage(bytes, { path: ref.name, maxPixels: p.options.maxPixels ?? DEFAULT_MAX_PIXELS });
      facts = imageFacts(img, sha256(bytes), ref.frame ?? 0);
    }
    scored++;
    ctx.item(scoredItem(r.name, r, facts));
  }
  return { ...summary(p.saveDir, detector.manifest), scored, cached: 0, failed, seconds: (performance.now() - started) / 1000 };
}

async function scan(p: Params<'scan'>, ctx: RequestContext): Result<'scan'> {
  const started = performance.now();
  const detector = await detectorFor(p.modelDir, p, ctx);
  const e = await loadEngine();
  const spread = detector.manifest.calibration.spread;
  let scored = 0;
  let cached = 0;
  let failed = 0;
  const total = p.sources.length;
  // Big folders score in a pool of worker threads (one per core); the loaded detector is the model.
  const scorer = await e.openScorer(detector, { device: p.device, threads: p.threads, workers: p.workers, images: total, maxPixels: p.maxPixels, log: ctx.log });
  type Outcome = { kind: 'cached'; hash: string } | { kind: 'scored'; hash: string; score: ImageScore; image: DecodedImage };
  const work = async (ref: SourceRef): Promise<Outcome> => {
    const bytes = await ctx.read(ref.uri);
    const hash = sha256(bytes);
    if (ref.knownSha256 && ref.knownSha256 === hash) return { kind: 'cached', hash };
    const { score: s, image } = await scorer.score(bytes, ref.name, ref.frame ?? 0);
    return { kind: 'scored', hash, score: s, image };
  };
  let done = 0;
  try {
    for await (const r of orderedMap(p.sources, scorer.concurrency + 1, work, ctx.signal)) {
      const ref = r.item;
      if (r.ok && r.value.kind === 'cached') {
        cached++;
        ctx.item({ kind: 'cached', name: ref.name, sha256: r.value.hash } satisfies ScanItem);
      } else if (r.ok && r.value.kind === 'scored') {
        scored++;
        const s = applyThreshold(r.value.score, spread, p.threshold);
        ctx.item(scoredItem(ref.name, s, imageFacts(r.value.image, r.value.hash, ref.frame ?? 0)));
      } else if (!r.ok) {
        if (isCancelled(r.error) || ctx.signal.aborted) throw r.error;
        failed++;
        ctx.item({ kind: 'failed', name: ref.name, error: toErrorInfo(r.error, ref.name) } satisfies ScanItem);
      }
      ctx.progress({ stage: 'scan', done: ++done, total, message: ref.name });
    }
    throwIfAborted(ctx.signal);
  } finally {
    await scorer.release();
  }
  return { scored, cached, failed, seconds: (performance.now() - started) / 1000 };
}

async function score(p: Params<'score'>, ctx: RequestContext): Result<'score'> {
  const detector = await detectorFor(p.modelDir, p, ctx);
  const bytes = await ctx.read(p.source.uri);
  const img = await decodeRef(p.source, bytes, p.maxPixels);
  const frame = p.source.frame ?? 0;
  const cal = detector.manifest.calibration;
  const s = applyThreshold(await detector.scoreImage(img, p.source.name, frame), cal.spread, p.threshold);
  const reduced = reduceHeatmap(s.map, s.width, s.height, { ...heatScale(s, cal.spread), maxSide: p.heatmapMaxSide });
  return {
    name: p.source.name,
    image: imageFacts(img, sha256(bytes), frame),
    score: s.score,
    normalized: s.normalized,
    threshold: s.threshold,
    anomalous: s.anomalous,
    ...findingOf(s),
    heatmap: { frame, width: reduced.width, height: reduced.height, data: reduced.data.buffer as ArrayBuffer },
    model: summary(p.modelDir, detector.manifest),
  };
}

function dtypeOf(a: SampleArray): PixelDtype {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  return 'float32';
}

/** One frame's samples in a buffer of its own (transferable). */
export function framePixels(img: DecodedImage, frame: number): FramePixels {
  const data = img.frames[frame].data;
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer
    ? data.buffer
    : (data.slice().buffer as ArrayBuffer);
  return { frame, width: img.width, height: img.height, channels: img.channels, dtype: dtypeOf(data), data: own };
}

async function decode(p: Params<'decode'>, ctx: RequestContext): Result<'decode'> {
  try {
    const bytes = await ctx.read(p.source.uri);
    const img = await decodeRef(p.source, bytes, p.maxPixels);
    const info: ImageInfo = {
      path: p.source.name,
      format: img.format,
      width: img.width,
      height: img.height,
      channels: img.channels,
      bitDepth: img.bitDepth,
      frameCount: img.frameCount,
      rescale: img.rescale,
      windows: img.windows,
      invert: img.invert,
      modality: img.meta.modality,
    };
    return { ok: true, info, frame: framePixels(img, p.source.frame ?? 0) } satisfies ImageLoad;
  } catch (err) {
    if (isCancelled(err)) throw err;
    return { ok: false, error: toErrorInfo(err, p.source.name) } satisfies ImageLoad;
  }
}

async function release(): Result<'release'> {
  const had = current !== undefined;
  await current?.detector.release();
  current = undefined;
  return { released: had };
}

export const engineHandlers: HandlerMap = {
  ping,
  loadModel,
  exportOnnx,
  train,
  fitContaminated,
  scan,
  score,
  decode,
  release,
} as unknown as HandlerMap;

/** Buffers to move (not copy) with results. */
export function transferOf(method: string, result: unknown): ArrayBuffer[] | undefined {
  if (method === 'score') return [(result as WorkerMethods['score']['result']).heatmap.data];
  if (method === 'decode') {
    const r = result as ImageLoad;
    return r.ok ? [r.frame.data] : undefined;
  }
  return undefined;
}
