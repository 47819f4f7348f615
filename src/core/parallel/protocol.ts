/** Messages between an EnginePool and its worker threads (structured-cloned, no functions). */
import type { ErrorInfo } from '../../shared/errors';
import type { DecodedImage } from '../../shared/image';
import type { ModelManifest, PreprocessOptions, TileGeometry } from '../../shared/model';
import type { ImageScore } from '../api';
import type { PatchFeatures } from '../api';
import type { DetectorState } from '../method/detector';
import type { RuntimeOptions } from '../onnx/runtime';

export interface PoolInit {
  backboneRef: string;
  preprocess: PreprocessOptions;
  pooling: { channelPool: number; featureDim: number };
  runtime: Pick<RuntimeOptions, 'device' | 'threads'>;
  maxPixels: number;
  /** Tiles to cut images into when extracting (a scoring pool takes the detector's own). */
  tiling?: TileGeometry;
  /** Present when the workers score; absent when they only extract features (training). */
  detector?: { manifest: ModelManifest; state: DetectorState };
}

export type PoolRequest =
  | { id: number; op: 'extract'; bytes: Uint8Array; name: string; frame: number; views: number }
  | { id: number; op: 'score'; bytes: Uint8Array; name: string; frame: number };

/** A scored image and the image it came from (frames other than the scored one are emptied). */
export interface PooledScore {
  score: ImageScore;
  image: DecodedImage;
}

export type PoolReply =
  | { kind: 'ready' }
  | { kind: 'init-failed'; error: ErrorInfo }
  | { kind: 'result'; id: number; ok: true; value: PatchFeatures[] | PooledScore }
  | { kind: 'result'; id: number; ok: false; error: ErrorInfo };
