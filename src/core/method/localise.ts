/** Calibration of the localisation decision from a fit's held-out normal score canvases. */
import type { MethodOptions, PixelCalibration } from '../../shared/model';
import type { PatchFeatures } from '../api';
import { createSession, type RuntimeOptions } from '../onnx/runtime';
import { buildDetectorScoreGraph, imageScoreFromCanvas, runScore, SCORE_CANVAS } from './detector';
import { stitchedImageScore } from '../tiling/stitch';
import { correctEdgesOf, edgeProfileOf, pixelCalibration, type SizedCanvas } from './pixelCalibration';

/** Held-out images the edge profile is measured on (the profile pools every border pixel, so a few suffice). */
const PROFILE_IMAGES = 3;

export interface HeldOutMap {
  canvas: Float32Array;
  /** A tiled image's stitched canvas size (absent: SCORE_CANVAS square). */
  stitched?: { width: number; height: number };
  patch: number;
  mapMean: number;
}

/** A held-out map's canvas with its size. */
export function sizedCanvas(h: Pick<HeldOutMap, 'canvas' | 'stitched'>): SizedCanvas {
  return { canvas: h.canvas, width: h.stitched?.width ?? SCORE_CANVAS, height: h.stitched?.height ?? SCORE_CANVAS };
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
  held: { views: PatchFeatures[]; penalty: { rows: Float32Array; dims: number[] } }[],
  options: MethodOptions,
  runtime: RuntimeOptions,
): Promise<SizedCanvas[]> {
  const plain: MethodOptions = { ...options, method: 'patchcore', globalWeight: 0, testViews: 1 };
  const session = await createSession(buildDetectorScoreGraph({ bank: repository, bankRows: rows, globalRows: 0 }, plain, dim, true), runtime);
  try {
    const out: SizedCanvas[] = [];
    for (const h of held.slice(0, PROFILE_IMAGES)) out.push(sizedCanvas(await runScore(session, h.views, plain, h.penalty)));
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
  profileCanvases?: readonly SizedCanvas[],
): PixelCalibration | undefined {
  const canvases = held.map((h) => h.canvas);
  const profile = options.edgeCorrection === false ? undefined : edgeProfileOf(profileCanvases ?? held.map(sizedCanvas));
  if (profile) {
    for (const h of held) {
      const { width, height } = sizedCanvas(h);
      correctEdgesOf(h.canvas, width, height, profile);
      h.patch = h.stitched ? stitchedImageScore(h.canvas, options.topFraction, SCORE_CANVAS) : imageScoreFromCanvas(h.canvas, options.topFraction);
      h.mapMean = imageScoreFromCanvas(h.canvas, 1);
    }
  }
  return pixelCalibration(canvases, held.map((h) => h.patch), options.thresholdQuantile, profile);
}
