/**
 * The engine behind the worker protocol. Owns at most one loaded detector (keyed by model
 * folder and runtime), loads it lazily, reads image bytes through the host, and turns engine
 * results into protocol values (scan items with predicted regions, reduced heatmaps, pixels).
 */
import { createHash } from 'node:crypto';
import type { FittedDetector } from '../core/api';
import type { ImageScore, ImageSource, RunContext } from '../core/api';
import { DEFAULT_MAX_PIXELS } from '../core/image/decodeOptions';
import { sniffFormat, type SniffedFormat } from '../core/image/sniff';
import { AnomalyLensError, isCancelled, throwIfCancelled, toErrorInfo } from '../shared/errors';
import type { DecodedImage, SampleArray } from '../shared/image';
import { summarizeModel } from '../shared/modelSummary';
import type { FramePixels, ImageInfo, ImageLoad, PixelDtype } from '../shared/protocol';
import { anomalyExtent, heatScale, normalizeScore, predictedRegions, reduceHeatmap, type AnomalyExtent, type Region } from '../shared/regions';
import {
  WORKER_PROTOCOL_VERSION,
  type ScanItem,
  type ScannedImage,
  type SourceRef,
  type WorkerMethods,
  type WorkerRuntimeOptions,
} from '../shared/workerProtocol';
import { orderedMap } from '../core/parallel/orderedMap';
import { device } from './deviceHandler';
import type { HandlersFor, RequestContext } from './rpcServer';

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
const runKey = (dir: string, rt: WorkerRuntimeOptions): string => `${dir}\u0000${rt.device ?? 'auto'}\u0000${rt.threads ?? 0}`;


async function adopt(dir: string, rt: WorkerRuntimeOptions, detector: FittedDetector): Promise<void> {
  const old = current;
  current = { key: runKey(dir, rt), dir, detector };
  if (old && old.detector !== detector) await old.detector.release().catch(() => undefined);
}

async function detectorFor(dir: string, rt: WorkerRuntimeOptions, ctx: RequestContext): Promise<FittedDetector> {
  if (current?.key === runKey(dir, rt)) return current.detector;
  const e = await loadEngine();
  ctx.log(`loading model ${dir}`);
  const detector = await e.loadDetector(dir, { device: rt.device, threads: rt.threads, log: ctx.log });
  await adopt(dir, rt, detector);
  return detector;
}

/** The engine's lazy ImageSource over host reads. */
function sourceOf(ref: SourceRef, ctx: RequestContext): ImageSource {
  return { name: ref.name, frame: ref.frame, read: () => ctx.read(ref.uri) };
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
  return { protocolVersion: WORKER_PROTOCOL_VERSION, pid: process.pid };
}

async function loadModel(p: Params<'loadModel'>, ctx: RequestContext): Result<'loadModel'> {
  const d = await detectorFor(p.dir, p, ctx);
  return summarizeModel(p.dir, d.manifest);
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
  throwIfCancelled(ctx.signal);
  await e.saveDetector(detector, p.saveDir);
  await adopt(p.saveDir, p.options, detector);
  return summarizeModel(p.saveDir, detector.manifest);
}

/** What the fit learnt about an image when it read its bytes: no second read or decode needed for most formats. */
interface ReadFacts {
  sha256: string;
  format: SniffedFormat | undefined;
}

/** Facts for the annotation of a ranked image. Only TIFF and DICOM can hold several frames, so only they are decoded again. */
async function rankedFacts(ref: SourceRef, read: ReadFacts, size: { width: number; height: number }, ctx: RequestContext, maxPixels: number | undefined): Promise<ScannedImage> {
  const frame = ref.frame ?? 0;
  if (read.format === 'png' || read.format === 'jpeg' || read.format === 'bmp') {
    return { sha256: read.sha256, width: size.width, height: size.height, frame, frameCount: 1, format: read.format };
  }
  const bytes = await ctx.read(ref.uri);
  return imageFacts(await decodeRef(ref, bytes, maxPixels), read.sha256, frame);
}

async function fitContaminated(p: Params<'fitContaminated'>, ctx: RequestContext): Result<'fitContaminated'> {
  const started = performance.now();
  const e = await loadEngine();
  const reads = new Map<string, ReadFacts>();
  const refs = new Map(p.sources.map((r) => [r.name, r]));
  const sources = p.sources.map((ref): ImageSource => ({
    name: ref.name,
    frame: ref.frame,
    read: async () => {
      const bytes = await ctx.read(ref.uri);
      reads.set(ref.name, { sha256: sha256(bytes), format: sniffFormat(bytes) });
      return bytes;
    },
  }));
  const { detector, ranking } = await e.fitContaminated(sources, { ...p.options, contamination: p.contamination }, runCtx(ctx));
  throwIfCancelled(ctx.signal);
  await e.saveDetector(detector, p.saveDir);
  await adopt(p.saveDir, p.options, detector);
  let scored = 0;
  let failed = 0;
  for (const r of ranking) {
    const ref = refs.get(r.name);
    const read = reads.get(r.name);
    if ('error' in r || !ref || !read) {
      failed++;
      const error = 'error' in r ? r.error : { code: 'INTERNAL' as const, message: 'the fit ranked an image it was not given or did not read', file: r.name };
      ctx.item({ kind: 'failed', name: r.name, error } satisfies ScanItem);
      continue;
    }
    let facts: ScannedImage;
    try {
      facts = await rankedFacts(ref, read, r, ctx, p.options.maxPixels);
    } catch (err) {
      if (isCancelled(err)) throw err;
      failed++;
      ctx.item({ kind: 'failed', name: r.name, error: toErrorInfo(err, r.name) } satisfies ScanItem);
      continue;
    }
    scored++;
    ctx.item(scoredItem(r.name, r, facts));
  }
  return { ...summarizeModel(p.saveDir, detector.manifest), scored, cached: 0, failed, seconds: (performance.now() - started) / 1000 };
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
    throwIfCancelled(ctx.signal);
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
    model: summarizeModel(p.modelDir, detector.manifest),
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
      pixelSpacing: img.meta.pixelSpacing,
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

export const engineHandlers: HandlersFor<WorkerMethods> = {
  ping,
  loadModel,
  exportOnnx,
  train,
  fitContaminated,
  scan,
  score,
  decode,
  release,
  device,
};

/** Buffers to move (not copy) with results. */
export function transferOf(method: string, result: unknown): ArrayBuffer[] | undefined {
  if (method === 'score') return [(result as WorkerMethods['score']['result']).heatmap.data];
  if (method === 'decode') {
    const r = result as ImageLoad;
    return r.ok ? [r.frame.data] : undefined;
  }
  return undefined;
}
