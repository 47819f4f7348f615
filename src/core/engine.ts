/**
 * Engine entry points.
 *
 * High level: trainDetector / loadDetector / saveDetector / scanSources / fitContaminated.
 * Low level, for the benchmark (extract features once, fit many methods): FeatureExtractor,
 * fitFromFeatures, Detector.scoreFeatures.
 */
import type { ContaminationUsed, EngineApi, FeatureExtractor, ImageScore, ImageSource, RunContext, ScanFailure, TrainOptions } from './api';
import { AnomalyLensError, describeError, throwIfCancelled } from '../shared/errors';
import { estimateContamination } from './method/folderThreshold';
import { DEFAULT_MAX_PIXELS } from './image/decodeOptions';
import { normalizeScore } from './method/calibrate';
import { Detector } from './method/detector';
import { decodeSource } from './io/source';
import { OnnxFeatureExtractor } from './method/features';
import { fitDetector } from './method/fit/fitDetector';
import { robustFolderScores } from './method/robust';
import { DEFAULT_BACKBONE, forTrainingSet, resolveMethod, resolvePreprocess } from './method/options';
import { extractTraining } from './method/trainingFeatures';
import { imageIndexOfViews } from './method/views';
import { loadModelDetector } from './model/loadDetector';
import { openScorer, scanStream } from './parallel/scorer';
import { readModelManifest, writeModel } from './model/modelFile';
import type { RuntimeOptions } from './onnx/runtime';
import { groupBy } from './collections';
import { groupByTile } from './tiling/score';
import { chooseTrainingTiling, tiledMethodDefaults } from './tiling/training';

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

export const fitFromFeatures: EngineApi['fitFromFeatures'] = async (extractor, normal, opts, ctx) => {
  const images = new Set(normal.map((v) => v.name)).size;
  const tiles = normal[0]?.tile ? groupByTile(normal.filter((v) => v.name === normal[0].name)).length : 1;
  const options = resolveMethod(forTrainingSet(tiledMethodDefaults(opts.method ?? {}, images, tiles), images));
  const ex = asOnnxExtractor(extractor);
  const { detector } = await fitDetector(
    ex,
    { views: normal, source: imageIndexOfViews(normal), anomalies: opts.anomalies ?? [] },
    options,
    runtimeOf({}, ctx),
    DEFAULT_MAX_PIXELS,
    ctx,
  );
  detector.ownsExtractor = false;
  return detector;
};

/**
 * The sources with a memory of the bytes the tiling choice read: the extraction takes them
 * instead of reading those files a second time.
 */
function sharedFirstReads(sources: readonly ImageSource[]): { sources: ImageSource[]; probe: (src: ImageSource) => ImageSource } {
  const kept = new Map<string, Promise<Uint8Array>>();
  const key = (src: ImageSource) => `${src.name}\u0000${src.frame ?? 0}`;
  const probe = (src: ImageSource): ImageSource => ({
    ...src,
    read: () => {
      const bytes = src.read();
      kept.set(key(src), bytes);
      return bytes;
    },
  });
  const shared = sources.map((src): ImageSource => ({
    ...src,
    read: () => {
      const bytes = kept.get(key(src));
      kept.delete(key(src));
      return bytes ?? src.read();
    },
  }));
  return { sources: shared, probe };
}

async function trainInternal(given: ImageSource[], opts: TrainOptions, ctx: RunContext | undefined, looAll: boolean) {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { sources, probe } = sharedFirstReads(given);
  const tiling = await chooseTrainingTiling(opts.tile ?? 'auto', sources, resolvePreprocess(opts.preprocess).crop, (src) => decodeSource(probe(src), maxPixels), ctx);
  const options = resolveMethod(forTrainingSet(tiledMethodDefaults(opts.method ?? {}, sources.length, tiling.tilesPerImage), sources.length));
  const open = async () => Object.assign(await openExtractor(opts, ctx), { tiling: tiling.geometry });
  const { ex, normal, anomalies } = await extractTraining(opts, options, sources, maxPixels, ctx, open, tiling);
  try {
    if (normal.views.length === 0) {
      const why = normal.failures.length > 0 ? `; all ${normal.failures.length} failed, first: ${describeError(normal.failures[0].error)}` : '';
      throw new AnomalyLensError('TRAINING_SET_EMPTY', `no usable normal images${why}`, { hint: 'select readable PNG, JPEG, TIFF, BMP or DICOM images' });
    }
    throwIfCancelled(ctx?.signal);
    const fit = await fitDetector(ex, { views: normal.views, source: imageIndexOfViews(normal.views), anomalies }, options, runtimeOf(opts, ctx), maxPixels, ctx, looAll);
    return { ...fit, normal, extractor: ex, options };
  } catch (err) {
    await ex.release();
    throw err;
  }
}

export const trainDetector: EngineApi['trainDetector'] = async (sources, opts, ctx) => (await trainInternal(sources, opts, ctx, false)).detector;

/** The prior share of anomalies the robust scores assume before the folder's own estimate. */
const CONTAMINATION_PRIOR = 0.1;

export const fitContaminated: EngineApi['fitContaminated'] = async (sources, opts, ctx) => {
  const runtime = runtimeOf(opts, ctx);
  const first = await trainInternal(sources, opts, ctx, false);
  const options = first.options;
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
    { views: keptViews, source: imageIndexOfViews(keptViews), anomalies: [] },
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
