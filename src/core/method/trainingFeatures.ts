/**
 * Training features: decoded and extracted in this thread or in a worker pool, stored once in a
 * preallocated buffer the fit reads without copying. Failures are collected, not thrown.
 */
import type { MethodOptions } from '../../shared/model';
import { describeError, isCancelled, throwIfCancelled, toErrorInfo } from '../../shared/errors';
import type { ImageSource, RunContext, ScanFailure, TrainOptions } from '../api';
import type { PatchFeatures } from '../api';
import { orderedMap } from '../parallel/orderedMap';
import { EnginePool, planPool, poolWorkerScript } from '../parallel/pool';
import { decodeSource, readSourceBytes } from '../io/source';
import type { OnnxFeatureExtractor } from './features';
import { DEFAULT_BACKBONE, resolvePreprocess } from './options';
import { trainingViewsPerImage } from './views';
import type { TrainingTiling } from '../tiling/training';

export interface Extracted {
  views: PatchFeatures[];
  failures: ScanFailure[];
}

/**
 * Training features land in one preallocated buffer as they arrive, so the fit can use them as
 * its patch matrix without a second copy (on large training sets a copy would be a large share of peak memory).
 */
class FeatureStore {
  private buf?: Float32Array;
  private used = 0;
  constructor(private readonly capacityViews: number) {}

  adopt(v: PatchFeatures): PatchFeatures {
    const len = v.gridH * v.gridW * v.dim;
    this.buf ??= new Float32Array(len * this.capacityViews);
    if (this.used + len > this.buf.length) return v; // another grid size: keeps its own array
    this.buf.set(v.patches.subarray(0, len), this.used);
    const patches = this.buf.subarray(this.used, this.used + len);
    this.used += len;
    return { ...v, patches };
  }
}

type ExtractOne = (src: ImageSource) => Promise<PatchFeatures[]>;

async function extractAll(extract: ExtractOne, concurrency: number, sources: ImageSource[], viewsPerImage: number, ctx?: RunContext): Promise<Extracted> {
  const store = new FeatureStore(sources.length * viewsPerImage);
  const views: PatchFeatures[] = [];
  const failures: ScanFailure[] = [];
  let done = 0;
  for await (const r of orderedMap(sources, concurrency, extract, ctx?.signal)) {
    if (r.ok) views.push(...r.value.map((v) => store.adopt(v)));
    else if (isCancelled(r.error)) throw r.error;
    else {
      const error = toErrorInfo(r.error, r.item.name);
      failures.push({ name: r.item.name, error });
      ctx?.log?.(`skipped ${describeError(error)}`);
    }
    ctx?.onProgress?.({ stage: 'features', done: ++done, total: sources.length, message: r.item.name });
  }
  throwIfCancelled(ctx?.signal);
  return { views, failures };
}

/**
 * Extracts training features, in a pool of worker threads when the set is big enough (the pool
 * closes before fitting, so its sessions and the fit never hold memory at the same time).
 */
export async function extractTraining(
  opts: TrainOptions,
  options: MethodOptions,
  sources: ImageSource[],
  maxPixels: number,
  ctx: RunContext | undefined,
  openExtractor: () => Promise<OnnxFeatureExtractor>,
  tiling: TrainingTiling = { tilesPerImage: 1 },
): Promise<{ ex: OnnxFeatureExtractor; normal: Extracted; anomalies: PatchFeatures[] }> {
  const perImage = trainingViewsPerImage(options);
  const stored = perImage * tiling.tilesPerImage;
  const anomalySources = opts.anomalies ?? [];
  const plan = planPool(opts.workers, sources.length + anomalySources.length, opts.threads ?? 0);
  const script = poolWorkerScript();
  if (plan.workers > 1 && script) {
    const pool = await EnginePool.open(
      {
        backboneRef: opts.backbone ?? DEFAULT_BACKBONE,
        preprocess: resolvePreprocess(opts.preprocess),
        pooling: options,
        runtime: { device: opts.device ?? 'auto', threads: plan.threadsPerWorker },
        maxPixels,
        tiling: tiling.geometry,
      },
      plan.workers,
      script,
    );
    ctx?.log?.(`extracting features with ${pool.size} worker threads × ${plan.threadsPerWorker} onnxruntime threads`);
    let normal: Extracted;
    let anomalies: PatchFeatures[];
    try {
      const via = (views: number): ExtractOne => async (src) => pool.extract(await readSourceBytes(src), src.name, src.frame ?? 0, views);
      normal = await extractAll(via(perImage), pool.size * 2, sources, stored, ctx);
      anomalies = anomalySources.length ? (await extractAll(via(options.testViews), pool.size * 2, anomalySources, options.testViews, ctx)).views : [];
    } finally {
      await pool.close();
    }
    return { ex: await openExtractor(), normal, anomalies };
  }
  const ex = await openExtractor();
  try {
    const via = (views: number): ExtractOne => async (src) => ex.extract(await decodeSource(src, maxPixels), src.name, src.frame ?? 0, views);
    const normal = await extractAll(via(perImage), 1, sources, stored, ctx);
    const anomalies = anomalySources.length ? (await extractAll(via(options.testViews), 1, anomalySources, options.testViews, ctx)).views : [];
    return { ex, normal, anomalies };
  } catch (err) {
    await ex.release();
    throw err;
  }
}

