/**
 * The one place a model manifest becomes the summary the UI shows: from a manifest object the
 * engine holds, or from the bytes of a `model.json` read on the host (validated field by field).
 */
import { AnomalyLensError } from './errors';
import type { ModelGeometry, ModelManifest, ThresholdMode } from './model';
import type { ModelInfo } from './protocol';
import type { ModelSummary } from './workerProtocol';

export const MODEL_MANIFEST_FILE = 'model.json';
const THRESHOLD_MODES: readonly ThresholdMode[] = ['normal-quantile', 'f1', 'manual'];

type ManifestFields = Pick<ModelManifest, 'id' | 'createdAt' | 'trainingImages' | 'tiling'> & {
  backbone: Pick<ModelManifest['backbone'], 'id'>;
  calibration: Pick<ModelManifest['calibration'], 'threshold' | 'mode' | 'spread'>;
  preprocess?: Pick<ModelManifest['preprocess'], 'crop'>;
};

/** One line for the side panel: how the model sees an image. */
export function describeModelGeometry(g: ModelGeometry): string {
  if (!g.tiling) return `Whole image, resized to ${g.inputSide}`;
  const { tile, overlap, scale } = g.tiling;
  return `Tiles ${tile} px, overlap ${overlap} px, scale ${Number(scale.toFixed(2))}`;
}

export function summarizeModel(dir: string, m: ManifestFields): ModelSummary {
  return {
    id: m.id,
    dir,
    backbone: m.backbone.id,
    createdAt: m.createdAt,
    threshold: m.calibration.threshold,
    thresholdMode: m.calibration.mode,
    spread: m.calibration.spread,
    trainingImages: m.trainingImages,
    ...(m.preprocess ? { geometry: { inputSide: m.preprocess.crop, ...(m.tiling ? { tiling: m.tiling } : {}) } } : {}),
  };
}

/** What the review panel shows of a model. */
export function modelInfo(m: ModelSummary): ModelInfo {
  return { id: m.id, backbone: m.backbone, createdAt: m.createdAt, ...(m.geometry ? { geometry: m.geometry } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `model.json` text into a summary; MODEL_INVALID names the file and the first bad field. */
export function parseModelSummary(dir: string, text: string, file: string): ModelSummary {
  const invalid = (what: string) =>
    new AnomalyLensError('MODEL_INVALID', `model.json ${what}`, { file, hint: 'Retrain the model, or delete its folder under .anomaly-lens/models.' });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(`is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(json)) throw invalid('is not an object');
  const str = (o: Record<string, unknown>, k: string, at: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || v === '') throw invalid(`has no ${at}${k} string`);
    return v;
  };
  const num = (o: Record<string, unknown>, k: string, at: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`has no finite ${at}${k}`);
    return v;
  };
  const backbone = json.backbone;
  const calibration = json.calibration;
  if (!isRecord(backbone)) throw invalid('has no backbone object');
  if (!isRecord(calibration)) throw invalid('has no calibration object');
  const thresholdMode = (v: string): ThresholdMode => {
    if (!THRESHOLD_MODES.includes(v as ThresholdMode)) throw invalid(`has an unknown calibration.mode "${v}"`);
    return v as ThresholdMode;
  };
  const spread = num(calibration, 'spread', 'calibration.');
  if (spread <= 0) throw invalid('has a calibration.spread that is not positive');
  const preprocess = isRecord(json.preprocess) ? { crop: num(json.preprocess, 'crop', 'preprocess.') } : undefined;
  const tiling = isRecord(json.tiling)
    ? { tile: num(json.tiling, 'tile', 'tiling.'), overlap: num(json.tiling, 'overlap', 'tiling.'), scale: num(json.tiling, 'scale', 'tiling.') }
    : undefined;
  return summarizeModel(dir, {
    id: str(json, 'id', ''),
    createdAt: str(json, 'createdAt', ''),
    trainingImages: num(json, 'trainingImages', ''),
    backbone: { id: str(backbone, 'id', 'backbone.') },
    preprocess,
    tiling,
    calibration: {
      threshold: num(calibration, 'threshold', 'calibration.'),
      mode: thresholdMode(str(calibration, 'mode', 'calibration.')),
      spread,
    },
  });
}
