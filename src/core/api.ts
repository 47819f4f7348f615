/**
 * The engine's types: what the CLI, the worker and the benchmark call, and what the engine's
 * own modules (method/, model/, parallel/) share. This module imports only src/shared, so every
 * engine module can depend on it without a cycle; src/core/engine.ts implements EngineApi.
 * Byte-based on purpose: the extension host reads files through vscode.workspace.fs and
 * hands bytes to the worker; the CLI reads them with node:fs.
 */
import type { DecodedImage } from '../shared/image';
import type { ErrorInfo } from '../shared/errors';
import type { MethodOptions, ModelManifest, PreprocessOptions, TileGeometry, TileSetting } from '../shared/model';
import type { Device, ProgressEvent, Stage } from '../shared/run';
import type { TilePlacement } from './tiling/plan';

/** An image the engine can read lazily, so large folders stream instead of sitting in memory. */
export interface ImageSource {
  /** A stable name for messages and results (a relative path, usually). */
  name: string;
  read(): Promise<Uint8Array>;
  /** Which frame of a multi-frame image (default 0). */
  frame?: number;
}

export type { Device, ProgressEvent, Stage };

export interface RunContext {
  onProgress?: (p: ProgressEvent) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The per-image result of scoring. Maps are at the original image size. */
export interface ImageScore {
  name: string;
  width: number;
  height: number;
  /** Raw image score (model units). */
  score: number;
  /** Monotone map with the threshold at 0.5, clipped to [0, 1]. */
  normalized: number;
  threshold: number;
  anomalous: boolean;
  /** Raw patch-score map, row-major width*height (map units: the patch term's, not the fused score's). */
  map: Float32Array;
  /** Pixel threshold and heat spread in map units, when the model calibrated them (regions and heat follow them). */
  pixelThreshold?: number;
  pixelSpread?: number;
  /** Scores of the fused terms, for display and ablation. */
  parts: { patch: number; mapMean?: number; global?: number };
}

export interface ScanFailure {
  name: string;
  error: ErrorInfo;
}

export type { DecodedImage };

export interface TrainOptions {
  method?: Partial<MethodOptions>;
  preprocess?: Partial<PreprocessOptions>;
  /** Backbone id of a bundled backbone ('inceptionv3-int8', 'inceptionv3', 'mobilenetv2') or a manifest path. */
  backbone?: string;
  device?: Device;
  threads?: number;
  /** Worker threads extracting features (0/undefined = automatic: one per core up to 2 for 16+ images; 1 = none). */
  workers?: number;
  /** Labelled anomalous images: enable an F1 threshold (METHOD §4). */
  anomalies?: ImageSource[];
  /** Largest image accepted, in pixels. */
  maxPixels?: number;
  /** Cut images into tiles: chosen from the first image ('auto', the default), 'off', or a tile side in pixels. */
  tile?: TileSetting;
}

/** A trained detector, ready to score. Implemented by `Detector` in src/core/method/detector.ts. */
export interface Detector {
  readonly manifest: ModelManifest;
  /** Scores a decoded image (frame 0 unless given). */
  scoreImage(img: DecodedImage, name: string, frame?: number): Promise<ImageScore>;
  /** Decodes and scores; decoding errors come back as typed AnomalyLensError. */
  scoreSource(src: ImageSource): Promise<ImageScore>;
  release(): Promise<void>;
}

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
  /** The tile these features come from (original pixels) and the model's tiling (tiled models only). */
  tile?: TilePlacement;
}

export interface FeatureExtractor {
  readonly backboneId: string;
  readonly preprocess: PreprocessOptions;
  /** Set: every image is cut into these tiles (see src/core/tiling). */
  tiling?: TileGeometry;
  /** `views` > 1: that many augmented views, the image itself first (see views.ts). */
  extract(img: DecodedImage, name: string, frame?: number, views?: number): Promise<PatchFeatures[]>;
  release(): Promise<void>;
}

export interface FittedDetector extends Detector {
  /**
   * Scores already-extracted features (the benchmark's fast path): one view, or an image's
   * views in training-augmentation order (a model with test views needs them).
   */
  scoreFeatures(views: PatchFeatures | readonly PatchFeatures[]): Promise<ImageScore>;
}

/** What src/core/engine.ts exports. */
/** The contamination a contaminated fit used: stated by the caller, or estimated from the folder. */
export interface ContaminationUsed {
  share: number;
  estimated: boolean;
  basis: string;
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
  scanSources(detector: Detector, sources: ImageSource[], ctx?: RunContext): AsyncGenerator<ImageScore | ScanFailure>;
  saveDetector(detector: FittedDetector, dir: string): Promise<void>;
  loadDetector(dir: string, runtime?: { device?: TrainOptions['device']; threads?: number; log?: (l: string) => void }): Promise<FittedDetector>;
  readManifest(dir: string): Promise<ModelManifest>;
}
