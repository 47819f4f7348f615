import type { MethodOptions, PreprocessOptions } from '../../shared/model';
import { AnomalyLensError } from '../../shared/errors';
import { AUGMENT_VIEW_COUNTS, DEFAULT_AUGMENT_VIEWS, TEST_VIEW_COUNTS, viewDefaults } from './views';

/** The bundled backbone new models use (chosen by the benchmark's backbone table, docs/backbones.md). */
export const DEFAULT_BACKBONE = 'inceptionv3-int8';

/** Defaults; each is justified by docs/benchmarks.md (see docs/method.md). */
export const DEFAULT_METHOD: MethodOptions = {
  method: 'gpmlp',
  selector: 'gradient',
  alpha: 0.5,
  rho: 0.1,
  maxRepository: 4096,
  minRepository: 0,
  selectorProjection: 32,
  channelPool: 2,
  featureDim: 0,
  hidden: [512],
  embedDim: 128,
  nu: 0,
  margin: 1,
  lambda: 1,
  noise: 0.5,
  learningRate: 1e-3,
  maxEpochs: 20,
  patience: 4,
  batchSize: 256,
  scoreMode: 'knn',
  rawWeight: 3,
  rawProjection: 128,
  k: 1,
  blurSigma: 4,
  // Mean of the hottest 2 % of the map (about a 32-px square at 224) rather than its max: one
  // noisy patch of a few-shot model then cannot decide the image score (docs/method.md).
  topFraction: 0.02,
  // Off: the whole-map term carries the image-level signal better (docs/method.md).
  globalWeight: 0,
  mapMeanWeight: 0,
  augment: false,
  augmentViews: DEFAULT_AUGMENT_VIEWS,
  testViews: 1,
  thresholdQuantile: 0.99,
  edgeCorrection: true,
  seed: 0,
};

/**
 * Weight the whole-map term is measured at when turned on (`mapMeanWeight`, CLI --map-mean-weight).
 * Off by default at every training-set size: on the development suite's mean it lost image AUROC
 * and heat hit rate (docs/benchmarks.md, "How the defaults were chosen").
 */
export const MAP_MEAN_WEIGHT = 5;

/**
 * Defaults that depend on the training set's size, filled only where the caller left them
 * unset (docs/method.md): few-shot views (see viewDefaults in views.ts). The image score is the
 * patch term alone unless the caller adds the whole-map term. The PatchCore baseline stays plain
 * PatchCore.
 */
export function forTrainingSet(partial: Partial<MethodOptions>, images: number): Partial<MethodOptions> {
  if (partial.method === 'patchcore') return partial;
  const { augment, augmentViews, testViews } = viewDefaults(partial, images);
  return {
    ...partial,
    augment,
    augmentViews,
    mapMeanWeight: partial.mapMeanWeight ?? 0,
    testViews,
  };
}

/** Whole image seen by default: a centre crop would hide defects at the border. */
export const DEFAULT_PREPROCESS: PreprocessOptions = { resize: 224, crop: 224, intensity: 'auto' };

/** The PatchCore baseline is plain PatchCore (image score = max of the map, no image-level term) unless asked otherwise. */
const PATCHCORE_DEFAULTS: Partial<MethodOptions> = { globalWeight: 0, mapMeanWeight: 0, rawWeight: 0, topFraction: 0 };

export function resolveMethod(partial: Partial<MethodOptions> = {}): MethodOptions {
  const base = partial.method === 'patchcore' ? { ...DEFAULT_METHOD, ...PATCHCORE_DEFAULTS } : DEFAULT_METHOD;
  const o: MethodOptions = { ...base, ...stripUndefined(partial) };
  const bad = (what: string) => {
    throw new AnomalyLensError('BAD_ARGUMENT', `invalid method option: ${what}`);
  };
  if (!(o.rho > 0 && o.rho <= 1)) bad(`rho must be in (0, 1], got ${o.rho}`);
  if (!(o.alpha >= 0)) bad(`alpha must be ≥ 0, got ${o.alpha}`);
  if (!(o.k >= 1 && Number.isInteger(o.k))) bad(`k must be a positive integer, got ${o.k}`);
  if (!(o.maxRepository >= 1)) bad(`maxRepository must be ≥ 1`);
  if (!(Number.isInteger(o.channelPool) && o.channelPool >= 1)) bad(`channelPool must be a positive integer, got ${o.channelPool}`);
  if (!(o.embedDim >= 1) || o.hidden.some((h) => !(h >= 1))) bad('layer sizes must be ≥ 1');
  if (!(o.thresholdQuantile > 0 && o.thresholdQuantile <= 1)) bad('thresholdQuantile must be in (0, 1]');
  if (!(o.mapMeanWeight >= 0)) bad(`mapMeanWeight must be ≥ 0, got ${o.mapMeanWeight}`);
  if (!(AUGMENT_VIEW_COUNTS as readonly number[]).includes(o.augmentViews)) bad(`augmentViews must be one of ${AUGMENT_VIEW_COUNTS.join(', ')}, got ${o.augmentViews}`);
  if (!(TEST_VIEW_COUNTS as readonly number[]).includes(o.testViews)) bad(`testViews must be one of ${TEST_VIEW_COUNTS.join(', ')}, got ${o.testViews}`);
  if (o.testViews > 1 && !(o.augment && o.augmentViews >= o.testViews)) {
    bad(
      `testViews ${o.testViews} needs a model trained on those views: augmentation on` +
        (o.testViews > 6 ? ' with augmentViews 24 (CLI --augment-views 24)' : '') +
        ` (got augment ${o.augment}, augmentViews ${o.augmentViews}); otherwise use testViews 1`,
    );
  }
  if (!(o.topFraction >= 0 && o.topFraction <= 1)) bad('topFraction must be in [0, 1] (0 = max of the map, 1 = its mean)');
  return o;
}

export function resolvePreprocess(partial: Partial<PreprocessOptions> = {}): PreprocessOptions {
  const p = { ...DEFAULT_PREPROCESS, ...stripUndefined(partial) };
  if (!(p.crop >= 32 && p.resize >= p.crop)) {
    throw new AnomalyLensError('BAD_ARGUMENT', `invalid preprocessing: resize ${p.resize}, crop ${p.crop} (need resize ≥ crop ≥ 32)`);
  }
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
