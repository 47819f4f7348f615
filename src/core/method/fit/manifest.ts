/** Stage 5, manifest: what model.json records about a fitted detector. */
import { createHash } from 'node:crypto';
import { MODEL_FORMAT_VERSION, type MethodOptions, type ModelManifest, type TileGeometry } from '../../../shared/model';
import { TOOL_VERSION } from '../../version';
import type { DetectorState } from '../detector';
import type { OnnxFeatureExtractor } from '../features';

export interface ManifestFacts {
  extractor: OnnxFeatureExtractor;
  options: MethodOptions;
  state: DetectorState;
  grid: ModelManifest['grid'];
  trainingImages: number;
  epochs: number;
  /** performance.now() when the fit started. */
  started: number;
  calibration: ModelManifest['calibration'];
}

export function makeManifest(f: ManifestFacts): ModelManifest {
  const bb = f.extractor.backbone;
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    id: contentId(f.state, f.options, bb.sha256, f.extractor.tiling),
    createdAt: new Date().toISOString(),
    toolVersion: TOOL_VERSION,
    backbone: {
      id: bb.manifest.id,
      ref: f.extractor.backboneRef,
      sha256: bb.sha256,
      scaling: bb.manifest.scaling,
      taps: bb.manifest.taps.map((t) => t.name),
      channels: bb.manifest.taps.map((t) => t.channels),
    },
    preprocess: f.extractor.preprocess,
    ...(f.extractor.tiling ? { tiling: f.extractor.tiling } : {}),
    options: f.options,
    grid: f.grid,
    repositorySize: f.state.bankRows,
    trainingImages: f.trainingImages,
    trainingSeconds: (performance.now() - f.started) / 1000,
    epochs: f.epochs,
    calibration: f.calibration,
    arrays: {},
  };
}

/** A content hash: the same inputs and seed give the same id. */
function contentId(state: DetectorState, options: MethodOptions, backboneSha: string, tiling?: TileGeometry): string {
  const h = createHash('sha256');
  h.update(backboneSha);
  h.update(JSON.stringify(options));
  if (tiling) h.update(JSON.stringify(tiling));
  const add = (a?: Float32Array) => a && h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  add(state.bank);
  add(state.center);
  add(state.globalBank);
  add(state.rawProjection);
  state.head?.weights.forEach(add);
  state.head?.biases.forEach(add);
  return `${options.method}-${h.digest('hex').slice(0, 12)}`;
}
