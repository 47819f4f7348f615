/** What a benchmark run measures: presets, method variants, ablations. */
import type { MethodOptions } from '../shared/model';
import { DEFAULT_BACKBONE, MAP_MEAN_WEIGHT } from '../core/method/options';

export type Shot = number | 'all';

export interface Variant {
  id: string;
  label: string;
  method: Partial<MethodOptions>;
}

/** The method (defaults) and the PatchCore baseline at ρ = 1 % and 10 %, on the same features. */
export const MAIN_VARIANTS: Variant[] = [
  { id: 'ours', label: 'GP-MLP (default)', method: { method: 'gpmlp' } },
  { id: 'pc1', label: 'PatchCore ρ=1%', method: { method: 'patchcore', rho: 0.01 } },
  { id: 'pc10', label: 'PatchCore ρ=10%', method: { method: 'patchcore', rho: 0.1 } },
];

/** Each ablation changes one thing relative to the default method. */
export const ABLATIONS: Variant[] = [
  { id: 'alpha0', label: 'α = 0 (k-center selector)', method: { method: 'gpmlp', selector: 'gradient', alpha: 0 } },
  { id: 'alpha0.5', label: 'α = 0.5', method: { method: 'gpmlp', selector: 'gradient', alpha: 0.5 } },
  { id: 'alpha1', label: 'α = 1', method: { method: 'gpmlp', selector: 'gradient', alpha: 1 } },
  { id: 'random', label: 'random selector', method: { method: 'gpmlp', selector: 'random' } },
  { id: 'noneg', label: 'no negative term (λ = 0)', method: { method: 'gpmlp', lambda: 0 } },
  { id: 'center', label: 'distance to center (not kNN)', method: { method: 'gpmlp', scoreMode: 'center' } },
  { id: 'nomapmean', label: 'whole-map term off (the default at every size)', method: { method: 'gpmlp', mapMeanWeight: 0 } },
  { id: 'mapmean-always', label: `whole-map term on at weight ${MAP_MEAN_WEIGHT} (default: off)`, method: { method: 'gpmlp', mapMeanWeight: MAP_MEAN_WEIGHT } },
  { id: 'mapmean2', label: 'whole-map term weight 2', method: { method: 'gpmlp', mapMeanWeight: 2 } },
  { id: 'noaug', label: 'no few-shot augmentation', method: { method: 'gpmlp', augment: false } },
  { id: 'onefview', label: 'test views off: the image alone (default: its 6 training views below 32 images)', method: { method: 'gpmlp', testViews: 1 } },
  { id: 'pc10-aug', label: 'PatchCore ρ=10% with flips and rotations (ours uses them below 32 images)', method: { method: 'patchcore', rho: 0.1, augment: true } },
  { id: 'pc10-aug-views', label: 'PatchCore ρ=10% with flips and rotations, scored in the same 6 views', method: { method: 'patchcore', rho: 0.1, augment: true, testViews: 6 } },
  { id: 'max', label: 'image score = max of the map (not the top-2 % mean)', method: { method: 'gpmlp', topFraction: 0 } },
  { id: 'mapmean', label: 'image score = mean of the whole map (whole-image setting)', method: { method: 'gpmlp', topFraction: 1 } },
  { id: 'global1', label: 'plus the image-level term (global feature) at weight 1', method: { method: 'gpmlp', globalWeight: 1 } },
  { id: 'learned', label: 'learned space only (rawWeight 0, METHOD §4 as written)', method: { method: 'gpmlp', rawWeight: 0 } },
  { id: 'noedge', label: 'edge correction off (default: score maps divided by the held-out edge profile)', method: { method: 'gpmlp', edgeCorrection: false } },
  { id: 'learned-floor', label: 'learned space only, repository ≥ 1024 points', method: { method: 'gpmlp', rawWeight: 0, minRepository: 1024 } },
];

export interface BenchPlan {
  preset: 'quick' | 'full' | 'dev' | 'tiny';
  seeds: number[];
  /**
   * Seeds for shots of at most FEW_SHOT_MAX images (default: `seeds`). Few-shot results move much
   * more between seeds than full-set ones, so comparing them needs more seeds than "all" does.
   */
  fewShotSeeds?: number[];
  shots: Shot[];
  /** Cap on "all" training images (memory: features of every training image are held while fitting). */
  maxTrain: number;
  /** Cap on test images per dataset (seeded, stratified), 0 = all. */
  maxTest: number;
  /** Backbone compared everywhere; others only at shot "all", first seed. */
  defaultBackbone: string;
  backbones: string[];
  ablations: Variant[];
  ablationShots: Shot[];
  ablationSeeds: number[];
  contaminated: boolean;
  /** Pixel metrics are computed on maps and masks shrunk to this longest side (0 = full size). */
  pixelSide: number;
  /** Keep extracted features on disk after the run, so the next run with the same work folder reuses them. */
  keepFeatures?: boolean;
  /** Add the generated geometry sets (src/bench/geometrySets.ts) to the data sets found. */
  generated?: boolean;
}

/** Shots up to this many images count as few-shot (their own seeds, the 2-point target). */
export const FEW_SHOT_MAX = 4;

/** The seeds a main-table shot runs with. */
export function seedsFor(plan: Pick<BenchPlan, 'seeds' | 'fewShotSeeds'>, shot: Shot): number[] {
  return shot !== 'all' && shot <= FEW_SHOT_MAX && plan.fewShotSeeds?.length ? plan.fewShotSeeds : plan.seeds;
}

const TEN_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Ablations the development preset runs: the terms and corrections its defaults were chosen between. */
export const DEV_ABLATIONS = ['mapmean-always', 'noedge'];

export const PRESETS: Record<'quick' | 'full' | 'dev', BenchPlan> = {
  /**
   * Every data set plus the generated geometry sets, sized for two shared cores: defaults are
   * chosen on its summary (the mean over sets), never on one set.
   */
  dev: {
    preset: 'dev',
    seeds: [0],
    fewShotSeeds: [0, 1],
    shots: [1, 4, 16, 'all'],
    maxTrain: 40,
    maxTest: 30,
    defaultBackbone: DEFAULT_BACKBONE,
    backbones: [DEFAULT_BACKBONE],
    ablations: ABLATIONS.filter((a) => DEV_ABLATIONS.includes(a.id)),
    ablationShots: [4, 'all'],
    ablationSeeds: [0],
    contaminated: false,
    pixelSide: 128,
    keepFeatures: true,
    generated: true,
  },
  quick: {
    preset: 'quick',
    seeds: [0, 1, 2],
    fewShotSeeds: TEN_SEEDS,
    shots: [1, 2, 4, 8, 16, 'all'],
    maxTrain: 50,
    maxTest: 80,
    defaultBackbone: DEFAULT_BACKBONE,
    backbones: [DEFAULT_BACKBONE, 'inceptionv3', 'mobilenetv2'],
    ablations: ABLATIONS,
    ablationShots: [4, 'all'],
    ablationSeeds: [0],
    contaminated: true,
    pixelSide: 128,
  },
  full: {
    preset: 'full',
    seeds: [0, 1, 2],
    fewShotSeeds: TEN_SEEDS,
    shots: [1, 2, 4, 8, 16, 'all'],
    maxTrain: 200,
    maxTest: 0,
    defaultBackbone: DEFAULT_BACKBONE,
    backbones: [DEFAULT_BACKBONE, 'inceptionv3', 'mobilenetv2'],
    ablations: ABLATIONS,
    ablationShots: [4, 'all'],
    ablationSeeds: [0, 1],
    contaminated: true,
    pixelSide: 256,
  },
};
