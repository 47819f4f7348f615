/** Model manifest and method options: saved with every detector, shown by the UI. */

export const MODEL_FORMAT_VERSION = 1;

export type SelectorKind = 'gradient' | 'random';
export type ScoreMode = 'knn' | 'center';
export type ThresholdMode = 'normal-quantile' | 'f1' | 'manual';
export type IntensityMapping = 'auto' | 'window' | 'minmax' | 'bitdepth';

export interface PreprocessOptions {
  /** Shorter side resized to this before cropping (square resize when equal to crop). */
  resize: number;
  /** Centre crop size fed to the backbone. */
  crop: number;
  /** How stored values become [0, 1] intensities (DICOM windows, 16-bit ranges). */
  intensity: IntensityMapping;
}

/**
 * How a model cuts images into tiles: square tiles of `tile` source pixels, neighbours sharing
 * `overlap` pixels, each resampled to the backbone input (scale = tile / input side).
 */
export interface TileGeometry {
  tile: number;
  overlap: number;
  scale: number;
}

/** How a model sees an image: whole, resized to the `inputSide` square, or cut into tiles resampled to it. */
export interface ModelGeometry {
  inputSide: number;
  tiling?: TileGeometry;
}

/** Tiling requested for training: chosen from the images ('auto'), none ('off'), or a tile side in pixels. */
export type TileSetting = 'auto' | 'off' | number;

export interface MethodOptions {
  /** Method family: the gradient-preference MLP method, or the PatchCore baseline. */
  method: 'gpmlp' | 'patchcore';
  selector: SelectorKind;
  /** Gradient preference exponent; 0 = PatchCore's greedy k-center. */
  alpha: number;
  /** Repository budget as a fraction of all training patches. */
  rho: number;
  /** Upper bound on repository size (keeps scoring fast on large training sets). */
  maxRepository: number;
  /** Few-shot floor: small training sets keep at least this many points (or all of them). */
  minRepository: number;
  /** Dimension of the random projection used by the selector's distances. */
  selectorProjection: number;
  /** Average neighbouring channels of each tap in groups of this size (1 = keep all). */
  channelPool: number;
  /** Optional further adaptive pooling of the concatenated channels to this size (0 = off). */
  featureDim: number;
  hidden: number[];
  embedDim: number;
  /** Soft-boundary radius ν for the positive term. */
  nu: number;
  /** Margin m for the negative term. */
  margin: number;
  /** Weight λ of the negative term (0 disables it). */
  lambda: number;
  /** Noise σ relative to the per-dimension feature spread. */
  noise: number;
  learningRate: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  scoreMode: ScoreMode;
  /**
   * Weight of the raw patch features next to the learned embedding in the kNN space
   * (0 = learned space only, as METHOD §4; > 0 = joint space [φ(x)/s_φ, w·x/s_x]).
   */
  rawWeight: number;
  /** Random projection size of the raw part of the joint space (0 = full dimension). */
  rawProjection: number;
  /** Neighbours for kNN scoring (k > 1 uses a softmin-weighted mean). */
  k: number;
  /** Gaussian blur of the map in 224-pixel units. */
  blurSigma: number;
  /** Image score = mean of the top fraction of map values (0 = max). */
  topFraction: number;
  /** Weight of the image-level (global feature) term in the fused score; 0 disables it. */
  globalWeight: number;
  /**
   * Weight of the whole-map term: the mean of the whole anomaly map, as a z-score of held-out
   * normal images, added to the patch term's z-score; 0 disables it (models saved before it existed read as 0).
   */
  mapMeanWeight: number;
  /** Augment training images with flips and 90° rotations. */
  augment: boolean;
  /**
   * Views per training image when augmenting: 6 (the image, two flips, three rotations) or 24
   * (the 8 symmetries of the square, each also moved by half a coarse patch two ways). Models
   * saved before it existed read as 6.
   */
  augmentViews: number;
  /**
   * Views each image is scored in, their score grids turned back and averaged: 1 (the image
   * alone), 6 (the image, two flips, three rotations) or 8 (the 8 symmetries of the square).
   * More than 1 needs a model trained on those views (augment, augmentViews ≥ testViews).
   * Models saved before it existed read as 1.
   */
  testViews: number;
  /** Quantile of held-out normal scores used as the default threshold. */
  thresholdQuantile: number;
  /**
   * Divide score maps by the edge profile of held-out normal maps (the excess heat at borders and
   * corners every image has). Models saved without it have no profile and are not corrected.
   */
  edgeCorrection?: boolean;
  seed: number;
}

export interface CalibrationStats {
  mode: ThresholdMode;
  threshold: number;
  /** Scores of held-out normal images, sorted ascending. */
  normalScores: number[];
  /** Scale of the normalisation: normalized = 0.5 + (score - threshold) / (2 * spread), clipped. */
  spread: number;
  /** Image-term statistics for score fusion (mean and std of held-out normal scores). */
  patchStats: { mean: number; std: number };
  globalStats?: { mean: number; std: number };
  /** Whole-map term statistics (present when mapMeanWeight > 0). */
  mapMeanStats?: { mean: number; std: number };
  /** Labelled anomalies used for an F1 threshold, when any. */
  anomalyCount: number;
  /**
   * Localisation, in map units: the pixel threshold regions and heat are drawn from, calibrated on
   * held-out normal maps, and its colour-scale spread. Absent in models saved without it (regions
   * then use `threshold`).
   */
  pixel?: PixelCalibration;
}

export interface PixelCalibration {
  /** A map pixel at or above it belongs to a region. */
  threshold: number;
  /** Heat colour scale: 0.5 at the threshold, spread as in CalibrationStats. */
  spread: number;
  /** How it was set, for the record ("0.99 quantile of the maxima of 12 held-out normal maps"). */
  basis: string;
  /**
   * Score canvas edge profile: the held-out normal maps' mean at each distance (in canvas pixels)
   * from the nearest border, relative to the interior; the map is divided by it. Absent: no correction.
   */
  edgeProfile?: number[];
}

export interface BackboneRef {
  id: string;
  /** How to find it again: a bundled id or the path of a user manifest. */
  ref?: string;
  sha256: string;
  /** Input scaling the backbone expects, recorded so a model cannot silently change it. */
  scaling: string;
  taps: string[];
  channels: number[];
}

export interface ModelManifest {
  formatVersion: number;
  id: string;
  createdAt: string;
  toolVersion: string;
  backbone: BackboneRef;
  preprocess: PreprocessOptions;
  options: MethodOptions;
  /** Present when images are cut into tiles (absent: the whole image is resized to the input). */
  tiling?: TileGeometry;
  /** Patch grid of one image (one tile when tiled) and the patch feature dimension. */
  grid: { height: number; width: number; featureDim: number };
  repositorySize: number;
  trainingImages: number;
  trainingSeconds: number;
  epochs: number;
  calibration: CalibrationStats;
  /** Binary arrays stored beside the manifest: name → file, dtype, shape, sha256. */
  arrays: Record<string, { file: string; dtype: 'float32'; shape: number[]; sha256: string }>;
}
