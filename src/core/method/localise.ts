/** Calibration of the localisation decision from a fit's held-out normal score canvases. */
import type { MethodOptions, PixelCalibration } from '../../shared/model';
import type { PatchFeatures } from '../api';
import { createSession, type RuntimeOptions } from '../onnx/runtime';
import { buildDetectorScoreGraph, imageScoreFromCanvas, runScore, SCORE_CANVAS } from './detector';
import { correctEdges, edgeProfile, pixelCalibration } from './pixelCalibration';

/** Held-out images the edge profile is measured on (the profile pools every border pixel, so a few suffice). */
const PROFILE_IMAGES = 3;

export interface HeldOutMap {
  canvas: Float32Array;
  patch: number;
  mapMean: number;
}

/**
 * Held-out normal canvases in the raw feature space (nearest repository row, own image left out).
 * The learned head has seen every training patch, so its own held-out maps do not show the border
 * excess a new image's map has; the raw space does, with the same features and repository.
 */
export async function rawSpaceCanvases(
  repository: Float32Array,
  rows: number,
  dim: number,
  held: { view: PatchFeatures; penalty: { rows: Float32Array; dims: number[] } }[],
  options: MethodOptions,
  runtime: RuntimeOptions,
): Promise<Float32Array[]> {
  const plain: MethodOptions = { ...options, method: 'patchcore', globalWeight: 0, testViews: 1 };
  const session = await createSession(buildDetectorScoreGraph({ bank: repository, bankRows: rows, globalRows: 0 }, plain, dim, true), runtime);
  try {
    const out: Float32Array[] = [];
    for (const h of held.slice(0, PROFILE_IMAGES)) out.push((await runScore(session, [h.view], plain, h.penalty)).canvas);
    return out;
  } finally {
    await session.release();
  }
}

/**
 * Fits the edge profile (on `profileCanvases` when given, else on the held-out maps themselves,
 * and only when the options ask for it), corrects the held-out maps and their patch and whole-map
 * terms in place so the image statistics describe the maps the model will score, and returns the
 * pixel calibration.
 */
export function calibrateLocalisation(
  held: HeldOutMap[],
  options: Pick<MethodOptions, 'edgeCorrection' | 'topFraction' | 'thresholdQuantile'>,
  profileCanvases?: readonly Float32Array[],
): PixelCalibration | undefined {
  const canvases = held.map((h) => h.canvas);
  const profile = options.edgeCorrection === false ? undefined : edgeProfile(profileCanvases ?? canvases, SCORE_CANVAS);
  if (profile) {
    for (const h of held) {
      correctEdges(h.canvas, SCORE_CANVAS, profile);
      h.patch = imageScoreFromCanvas(h.canvas, options.topFraction);
      h.mapMean = imageScoreFromCanvas(h.canvas, 1);
    }
  }
  return pixelCalibration(canvases, held.map((h) => h.patch), options.thresholdQuantile, profile);
}
