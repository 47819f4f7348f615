/**
 * The engine's public surface: what the CLI, the worker and the benchmark call.
 * Byte-based on purpose: the extension host reads files through vscode.workspace.fs and
 * hands bytes to the worker; the CLI reads them with node:fs.
 */
import type { DecodedImage } from '../shared/image';
import type { ErrorInfo } from '../shared/errors';
import type { MethodOptions, ModelManifest, PreprocessOptions } from '../shared/model';

/** An image the engine can read lazily, so large folders stream instead of sitting in memory. */
export interface ImageSource {
  /** A stable name for messages and results (a relative path, usually). */
  name: string;
  read(): Promise<Uint8Array>;
  /** Which frame of a multi-frame image (default 0). */
  frame?: number;
}

export type Stage = 'decode' | 'features' | 'selection' | 'training' | 'calibration' | 'scan';

export interface ProgressEvent {
  stage: Stage;
  done: number;
  total: number;
  message?: string;
  /** Training loss of the last epoch (training stage only). */
  loss?: number;
}

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
  device?: 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml';
  threads?: number;
  /** Worker threads extracting features (0/undefined = automatic: one per core up to 2 for 16+ images; 1 = none). */
  workers?: number;
  /** Labelled anomalous images: enable an F1 threshold (METHOD §4). */
  anomalies?: ImageSource[];
  /** Largest image accepted, in pixels. */
  maxPixels?: number;
}

/** A trained detector, ready to score. Implemented in src/core/detector.ts. */
export interface Detector {
  readonly manifest: ModelManifest;
  /** Scores a decoded image (frame 0 unless given). */
  scoreImage(img: DecodedImage, name: string, frame?: number): Promise<ImageScore>;
  /** Decodes and scores; decoding errors come back as typed AnomalyLensError. */
  scoreSource(src: ImageSource): Promise<ImageScore>;
  release(): Promise<void>;
}
