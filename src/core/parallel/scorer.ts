/**
 * What a scan scores with: a pool of worker threads when the job is big enough and the machine
 * has the cores, else the detector in this thread. Both give the same scores (same graphs,
 * same inputs); only throughput differs.
 */
import type { ModelManifest } from '../../shared/model';
import type { Detector as DetectorApi, ImageSource, RunContext, ScanFailure } from '../api';
import { AnomalyLensError, isCancelled, throwIfCancelled, toErrorInfo } from '../../shared/errors';
import { DEFAULT_MAX_PIXELS } from '../image/decodeOptions';
import { Detector } from '../method/detector';
import { decodeSource, readSourceBytes } from '../io/source';
import { loadModelDetector } from '../model/loadDetector';
import { readModelArrays, readModelManifest } from '../model/modelFile';
import type { RuntimeOptions } from '../onnx/runtime';
import { orderedMap } from './orderedMap';
import { EnginePool, planPool, poolWorkerScript } from './pool';
import type { PooledScore } from './protocol';

export interface ScorerOptions {
  device?: RuntimeOptions['device'];
  /** onnxruntime threads in all (0 = one per core), shared among workers. */
  threads?: number;
  /** Worker threads: 0/undefined = automatic, 1 = score in this thread. */
  workers?: number;
  /** How many images the job has (small jobs stay in this thread). */
  images: number;
  maxPixels?: number;
  /** Per-file time limit in the worker pool (a file over it fails as DECODE_TIMEOUT). */
  fileTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Scorer {
  readonly manifest: ModelManifest;
  /** Worker threads scoring (1 = this thread). */
  readonly workers: number;
  /** Images worth keeping in flight. */
  readonly concurrency: number;
  score(bytes: Uint8Array, name: string, frame?: number): Promise<PooledScore>;
  release(): Promise<void>;
}

function inThread(detector: DetectorApi, owned: boolean, maxPixels: number): Scorer {
  return {
    manifest: detector.manifest,
    workers: 1,
    concurrency: 1,
    async score(bytes, name, frame = 0) {
      const image = await decodeSource({ name, frame, read: async () => bytes }, maxPixels);
      return { score: await detector.scoreImage(image, name, frame), image };
    },
    release: async () => {
      if (owned) await detector.release();
    },
  };
}

function pooled(pool: EnginePool, manifest: ModelManifest): Scorer {
  return {
    manifest,
    workers: pool.size,
    // One queued image per worker keeps each busy while the caller handles a result.
    concurrency: pool.size * 2,
    score: (bytes, name, frame = 0) => pool.score(bytes, name, frame),
    release: () => pool.close(),
  };
}

/**
 * Opens a scorer for a model folder or an open detector (which stays the caller's to release).
 * A pool that cannot start (no worker script in this build) falls back to this thread, with a
 * log line; a model that does not load fails as it would in this thread.
 */
export async function openScorer(model: string | DetectorApi, o: ScorerOptions): Promise<Scorer> {
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  const rt: RuntimeOptions = { device: o.device ?? 'auto', threads: o.threads ?? 0, log: o.log };
  const plan = planPool(o.workers, o.images, rt.threads);
  const script = poolWorkerScript();
  if (plan.workers > 1 && !script) o.log?.('engine worker script not found; scoring in one thread');
  if (plan.workers > 1 && script && (typeof model === 'string' || model instanceof Detector)) {
    const manifest = typeof model === 'string' ? await readModelManifest(model) : model.manifest;
    const state = typeof model === 'string' ? await readModelArrays(model, manifest) : model.state;
    const pool = await EnginePool.open(
      {
        backboneRef: manifest.backbone.ref ?? manifest.backbone.id,
        preprocess: manifest.preprocess,
        pooling: manifest.options,
        runtime: { device: rt.device, threads: plan.threadsPerWorker },
        maxPixels,
        detector: { manifest, state },
      },
      plan.workers,
      script,
      { fileTimeoutMs: o.fileTimeoutMs },
    ).catch((err: unknown) => {
      if (err instanceof AnomalyLensError && typeof model === 'string' && !err.file) throw err.withFile(model);
      throw err;
    });
    o.log?.(`scoring with ${pool.size} worker threads × ${plan.threadsPerWorker} onnxruntime threads`);
    return pooled(pool, manifest);
  }
  if (typeof model === 'string') return inThread(await loadModelDetector(model, rt, maxPixels), true, maxPixels);
  return inThread(model, false, maxPixels);
}

/** A scored source, with its bytes (for hashing or annotation) and decoded image. */
export interface ScannedSource extends PooledScore {
  name: string;
  bytes: Uint8Array;
}

/**
 * Reads and scores sources with the scorer's concurrency, yielding in source order; a bad file
 * becomes a typed failure and the scan goes on. Cancelling stops new reads and throws CANCELLED
 * after the images in flight.
 */
export async function* scanStream(scorer: Scorer, sources: readonly ImageSource[], ctx?: RunContext): AsyncGenerator<ScannedSource | ScanFailure> {
  const started = performance.now();
  let done = 0;
  const work = async (src: ImageSource): Promise<ScannedSource> => {
    const bytes = await readSourceBytes(src);
    return { name: src.name, bytes, ...(await scorer.score(bytes, src.name, src.frame ?? 0)) };
  };
  for await (const r of orderedMap(sources, scorer.concurrency, work, ctx?.signal)) {
    if (r.ok) yield r.value;
    else if (isCancelled(r.error)) throw r.error;
    else yield { name: r.item.name, error: toErrorInfo(r.error, r.item.name) };
    done++;
    const elapsed = (performance.now() - started) / 1000;
    ctx?.onProgress?.({ stage: 'scan', done, total: sources.length, message: `${r.item.name} (${(done / elapsed).toFixed(1)} img/s)` });
  }
  throwIfCancelled(ctx?.signal);
}
