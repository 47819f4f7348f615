/**
 * Engine entry points.
 *
 * High level: trainDetector / loadDetector / saveDetector / scanSources / fitContaminated.
 * Low level, for the benchmark (extract features once, fit many methods): FeatureExtractor,
 * fitFromFeatures, Detector.scoreFeatures.
 */
import { throwIfCancelled } from './cancel';
import { estimateContamination } from './method/folderThreshold';
import type { DecodedImage } from '../shared/image';
import type { ModelManifest, MethodOptions, PreprocessOptions } from '../shared/model';
import type { Detector as DetectorApi, ImageScore, ImageSource, RunContext, ScanFailure, TrainOptions } from './api';
import { AnomalyLensError, describeError } from '../shared/errors';
import { DEFAULT_MAX_PIXELS } from './image/decodeOptions';
import { normalizeScore } from './method/calibrate';
import { Detector } from './method/detector';
import { OnnxFeatureExtractor } from './method/features';
import { fitDetector } from './method/fit';
import { robustFolderScores } from './method/robust';
import { DEFAULT_BACKBONE, forTrainingSet, resolveMethod, resolvePreprocess } from './method/options';
import { extractTraining } from './method/trainingFeatures';
import { loadModelDetector } from './model/loadDetector';
import { openScorer, scanStream } from './parallel/scorer';
import { readModelManifest, writeModel } from './model/modelFile';
import type { RuntimeOptions } from './onnx/runtime';
import { groupBy } from './collections';

/** Patch features of one image (row-major grid, `dim` floats per patch) plus a pooled global vector. */
export interface PatchFeatures {
  name: string;
  gridH: number;
  gridW: number;
  dim: number;
  patches: Float32Array;
  global: Float32Array;
  /** Original image size and where the crop sits, to map scores back. */
  imageW: number;
  imageH: number;
  crop: { x: number; y: number; width: number; height: number };
}

export interface FeatureExtractor {
  readonly backboneId: string;
  readonly preprocess: PreprocessOptions;
  /** `views` > 1: that many augmented views, the image itself first (see augmentedViews). */
  extract(img: DecodedImage, name: string, frame?: number, views?: number): Promise<PatchFeatures[]>;
  release(): Promise<void>;
}

export interface FittedDetector extends DetectorApi {
  /** Scores already-extracted features (the benchmark's fast path). */
  /** One view, or an image's views in training-augmentation order (a model with test views needs them). */
  scoreFeatures(views: PatchFeatures | readonly PatchFeatures[]): Promise<ImageScore>;
}

export interface EngineApi {
  createFeatureExtractor(opts: TrainOptions, ctx?: RunContext): Promise<FeatureExtractor>;
  /** Fits the method (or the PatchCore baseline, per options.method) on normal features. */
  fitFromFeatures(
    extractor: FeatureExtractor,
    normal: PatchFeatures[],
    opts: { method?: Partial<MethodOptions>; anomalies?: PatchFeatures[] },
    ctx?: RunContext,
  ): Promise<FittedDetector>;
  trainDetector(sources: ImageSource[], opts: TrainOptions, ctx?: RunContext): Promise<FittedDetector>;
  /** Trains on a folder that may hold anomalies; returns the detector and the folder's own ranking. */
  fitContaminated(
    sources: ImageSource[],
    opts: TrainOptions & { contamination?: number },
    ctx?: RunContext,
  ): Promise<{ detector: FittedDetector; ranking: (ImageScore | ScanFailure)[]; contamination: ContaminationUsed }>;
  scanSources(detector: DetectorApi, sources: ImageSource[], ctx?: RunContext): AsyncGenerator<ImageScore | ScanFailure>;
  saveDetector(detector: FittedDetector, dir: string): Promise<void>;
  loadDetector(dir: string, runtime?: { device?: TrainOptions['device']; threads?: number; log?: (l: string) => void }): Promise<FittedDetector>;
  readManifest(dir: string): Promise<ModelManifest>;
}


function runtimeOf(opts: { device?: TrainOptions['device']; threads?: number }, ctx?: RunContext): RuntimeOptions {
  return { device: opts.device ?? 'auto', threads: opts.threads ?? 0, log: ctx?.log };
}

// The extractor needs only the pooling options; the rest is checked once the training set's size is known.
const openExtractor = (opts: TrainOptions, ctx?: RunContext) =>
  OnnxFeatureExtractor.open(
    opts.backbone ?? DEFAULT_BACKBONE,
    resolvePreprocess(opts.preprocess),
    resolveMethod({ channelPool: opts.method?.channelPool, featureDim: opts.method?.featureDim }),
    runtimeOf(opts, ctx),
  );

export const createFeatureExtractor: EngineApi['createFeatureExtractor'] = (opts, ctx) => openExtractor(opts, ctx);

function asOnnxExtractor(e: FeatureExtractor): OnnxFeatureExtractor {
  if (!(e instanceof OnnxFeatureExtractor)) throw new AnomalyLensError('INTERNAL', 'feature extractor was not created by createFeatureExtractor');
  return e;
}

/** Views with the same name come from the same image (augmentations). */
function sourcesByName(views: PatchFeatures[]): number[] {
  const ids = new Map<string, number>();
  return views.map((v) => {
    if (!ids.has(v.name)) ids.set(v.name, ids.size);
    return ids.get(v.name)!;
  });
}

export const fitFromFeatures: EngineApi['fitFromFeatures'] = async (extractor, normal, opts, ctx) => {
  const options = resolveMethod(forTrainingSet(opts.method ?? {}, new Set(normal.map((v) => v.name)).size));
  const ex = asOnnxExtractor(extractor);
  const { detector } = await fitDetector(
    ex,
    { views: normal, source: sourcesByName(normal), anomalies: opts.anomalies ?? [] },
    options,
    runtimeOf({}, ctx),
    DEFAULT_MAX_PIXELS,
    ctx,
  );
  detector.ownsExtractor = false;
  return detector;
};

async function trainInternal(sources: ImageSource[], opts: TrainOptions, ctx: RunContext | undefined, looAll: boolean) {
  const options = resolveMethod(forTrainingSet(opts.method ?? {}, sources.length));
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { ex, normal, anomalies } = await extractTraining(opts, options, sources, maxPixels, ctx, () => openExtractor(opts, ctx));
  try {
    if (normal.views.length === 0) {
      const why = normal.failures.length > 0 ? `; all ${normal.failures.length} failed, first: ${describeError(normal.failures[0].error)}` : '';
      throw new AnomalyLensError('TRAINING_SET_EMPTY', `no usable normal images${why}`, { hint: 'select readable PNG, JPEG, TIFF, BMP or DICOM images' });
    }
    throwIfCancelled(ctx);
    const fit = await fitDetector(ex, { views: normal.views, source: sourcesByName(normal.views), anomalies }, options, runtimeOf(opts, ctx), maxPixels, ctx, looAll);
    return { ...fit, normal, extractor: ex };
  } catch (err) {
    await ex.release();
    throw err;
  }
}

export const trainDetector: EngineApi['trainDetector'] = async (sources, opts, ctx) => (await trainInternal(sources, opts, ctx, false)).detector;

/** The prior share of anomalies the robust scores assume before the folder's own estimate. */
const CONTAMINATION_PRIOR = 0.1;

/** The contamination a contaminated fit used: stated by the caller, or estimated from the folder. */
export interface ContaminationUsed {
  share: number;
  estimated: boolean;
  basis: string;
}

export const fitContaminated: EngineApi['fitContaminated'] = async (sources, opts, ctx) => {
  const options = resolveMethod(forTrainingSet(opts.method ?? {}, sources.length));
  const runtime = runtimeOf(opts, ctx);
  const first = await trainInternal(sources, opts, ctx, false);
  const viewsByName = groupBy(first.normal.views, (v) => v.name);
  const names = [...viewsByName.keys()];
  const primary = names.map((n) => viewsByName.get(n)![0]);
  // Robust scores compare each image with its q-th closest other image; without a stated
  // contamination, q follows a 10 % prior and the share dropped is estimated from those scores.
  const q = Math.floor((opts.contamination ?? CONTAMINATION_PRIOR) * names.length) + 1;
  const robust = await robustFolderScores(primary, first.detector.state.head, options, q, runtime);
  const contamination: ContaminationUsed =
    opts.contamination !== undefined
      ? { share: opts.contamination, estimated: false, basis: 'stated by the caller' }
      : { ...estimateContamination(Array.from(robust)), estimated: true };
  const order = names.map((_, i) => i).sort((a, b) => robust[b] - robust[a]);
  const drop = new Set(order.slice(0, Math.floor(names.length * contamination.share)).map((i) => names[i]));
  ctx?.log?.(
    `contaminated fit: ${contamination.estimated ? 'estimated' : 'stated'} contamination ${(contamination.share * 100).toFixed(1)} % (${contamination.basis}); refitting without the ${drop.size} most anomalous of ${names.length} images`,
  );
  await first.detector.releaseScoring();
  const keptViews = first.normal.views.filter((v) => !drop.has(v.name));
  const refit = await fitDetector(
    first.extractor,
    { views: keptViews, source: sourcesByName(keptViews), anomalies: [] },
    options,
    runtime,
    opts.maxPixels ?? DEFAULT_MAX_PIXELS,
    ctx,
    true,
  );
  const keptNames = [...new Set(keptViews.map((v) => v.name))];
  const loo = new Map([...refit.looScores.entries()].map(([src, s]) => [keptNames[src], s]));
  const cal = refit.detector.manifest.calibration;
  const ranking: (ImageScore | ScanFailure)[] = [];
  for (const view of primary) {
    const scored = await refit.detector.scoreFeatures(viewsByName.get(view.name)!);
    const score = loo.get(view.name) ?? scored.score;
    ranking.push({ ...scored, score, normalized: normalizeScore(score, cal.threshold, cal.spread), anomalous: score > cal.threshold });
  }
  ranking.sort((a, b) => ('score' in b ? b.score : -Infinity) - ('score' in a ? a.score : -Infinity));
  ranking.push(...first.normal.failures);
  return { detector: refit.detector, ranking, contamination };
};

/** Scores sources in order in this thread; a bad file becomes a typed failure and the scan goes on. */
export const scanSources: EngineApi['scanSources'] = async function* (detector, sources, ctx) {
  const scorer = await openScorer(detector, { workers: 1, images: sources.length });
  for await (const r of scanStream(scorer, sources, ctx)) yield 'error' in r ? r : r.score;
};

export { openScorer, scanStream };
export type { Scorer, ScannedSource, ScorerOptions } from './parallel/scorer';

export const saveDetector: EngineApi['saveDetector'] = async (detector, dir) => {
  if (!(detector instanceof Detector)) throw new AnomalyLensError('INTERNAL', 'not an engine detector');
  await writeModel(dir, detector.manifest, detector.state);
};

export const readManifest: EngineApi['readManifest'] = (dir) => readModelManifest(dir);

export const loadDetector: EngineApi['loadDetector'] = (dir, runtime = {}) => loadModelDetector(dir, runtimeOf(runtime, { log: runtime.log }));
