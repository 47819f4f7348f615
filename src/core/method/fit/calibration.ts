/**
 * Stage 4, calibrate: every training image (up to MAX_CALIBRATION_IMAGES) is scored against the
 * repository without its own patches (leave one out), which gives held-out normal scores, the
 * statistics the fused terms are normalised by, and the threshold; labelled anomalies, when
 * given, move the threshold to the best F1 (METHOD §4). The held-out maps also set the pixel
 * threshold and the edge profile (localise.ts).
 */
import type { CalibrationStats, MethodOptions } from '../../../shared/model';
import type { PatchFeatures } from '../../api';
import { groupBy } from '../../collections';
import { createSession, type RuntimeOptions } from '../../onnx/runtime';
import { Rng } from '../../rng';
import { calibrate, meanStd } from '../calibrate';
import { buildDetectorScoreGraph, type Detector, type DetectorState, fuseScore, runScore } from '../detector';
import { calibrateLocalisation } from '../localise';
import type { SizedCanvas } from '../pixelCalibration';
import { testViewsOf, viewsByImage } from '../views';
import type { PatchMatrix } from './patchMatrix';

/** Leave-one-out calibration looks at this many training images at most. */
const MAX_CALIBRATION_IMAGES = 64;
/** Rows within this grid distance of a query patch are excluded when only one image exists. */
const SINGLE_IMAGE_EXCLUSION = 2;
/** A penalty that removes a repository row from the nearest-neighbour search. */
const EXCLUDED = 1e30;

export interface CalibrationInput {
  views: readonly PatchFeatures[];
  /** Per view: the index of its training image. */
  source: readonly number[];
}

export interface HeldOutScores {
  /** Training image index → its held-out fused score. */
  bySource: Map<number, number>;
  normalScores: number[];
  stats: Pick<CalibrationStats, 'patchStats' | 'globalStats' | 'mapMeanStats'>;
  pixel: CalibrationStats['pixel'];
}

/** Score canvases the edge profile is measured on (see edgeProfile.ts); undefined: the held-out maps themselves. */
export type ProfileCanvases = (held: readonly HeldOutView[]) => Promise<SizedCanvas[] | undefined>;

interface RawHeldOut {
  src: number;
  patch: number;
  mapMean: number;
  global?: number;
  /** The held-out score canvas (the pixel calibration reads it). */
  canvas: Float32Array;
  /** A tiled image's stitched canvas size. */
  stitched?: { width: number; height: number };
}

/** A held-out image as the edge profile needs it: its first view (of each tile, when tiled) and its training-image index. */
export interface HeldOutView {
  views: PatchFeatures[];
  src: number;
}

/** Held-out scores of the training images (all of them when `all`, else at most MAX_CALIBRATION_IMAGES). */
export async function heldOutScores(
  state: DetectorState,
  patches: PatchMatrix,
  selected: Uint32Array,
  input: CalibrationInput,
  options: MethodOptions,
  runtime: RuntimeOptions,
  all: boolean,
  profileCanvases: ProfileCanvases,
): Promise<HeldOutScores> {
  const bankSource = Uint32Array.from(selected, (r) => input.source[patches.view[r]]);
  const bankPos = Uint32Array.from(selected, (r) => patches.pos[r]);
  const sources = [...new Set(input.source)];
  const session = await createSession(buildDetectorScoreGraph(state, options, patches.D, true), runtime);
  const raws: RawHeldOut[] = [];
  const heldViews: HeldOutView[] = [];
  try {
    const rng = new Rng(options.seed + 9);
    const chosen = all || sources.length <= MAX_CALIBRATION_IMAGES ? sources : Array.from(rng.permutation(sources.length).subarray(0, MAX_CALIBRATION_IMAGES), (i) => sources[i]);
    const single = sources.length === 1;
    const viewsOf = groupBy(input.views, (_, i) => input.source[i]);
    for (const src of chosen) {
      const own = viewsOf.get(src)!;
      const penalty = single ? neighbourhoodPenalty(own[0], bankPos, state.bankRows) : imagePenalty(bankSource, src);
      const globalPenalty = state.globalRows > 0 ? Float32Array.from(input.source, (s) => (s === src && !single ? EXCLUDED : 0)) : undefined;
      const raw = await runScore(session, testViewsOf(own, options), options, { ...penalty, global: globalPenalty });
      const stitched = raw.stitched && { width: raw.stitched.width, height: raw.stitched.height };
      raws.push({ src, patch: raw.patch, mapMean: raw.mapMean, global: raw.global, canvas: raw.canvas, stitched });
      heldViews.push({ views: testViewsOf(own, { testViews: 1 }), src });
    }
  } finally {
    await session.release();
  }
  const pixel = calibrateLocalisation(raws, options, await profileCanvases(heldViews));
  const stats = termStats(raws, state, options);
  const normalScores = raws.map((r) => fuseScore(r, options, stats));
  const bySource = new Map<number, number>();
  raws.forEach((r, i) => bySource.set(r.src, normalScores[i]));
  return { bySource, normalScores, stats, pixel };
}

/** Held-out normal statistics of each term the image score fuses. */
function termStats(raws: readonly RawHeldOut[], state: DetectorState, options: MethodOptions): HeldOutScores['stats'] {
  const patchStats = meanStd(raws.map((r) => r.patch));
  const globals = raws.filter((r) => r.global !== undefined && Number.isFinite(r.global) && r.global < 1e14).map((r) => r.global as number);
  const globalStats = state.globalRows > 0 && globals.length > 0 ? meanStd(globals) : undefined;
  const mapMeanStats = options.mapMeanWeight > 0 ? meanStd(raws.map((r) => r.mapMean)) : undefined;
  return { patchStats, globalStats, mapMeanStats };
}

/** The threshold from held-out normal scores alone (a quantile). */
export function normalCalibration(held: HeldOutScores, options: MethodOptions): CalibrationStats {
  return { ...calibrate(held.normalScores, [], options.thresholdQuantile, held.stats), pixel: held.pixel };
}

/** With labelled anomalies: the detector recalibrated to the F1-best threshold; without: unchanged. */
export async function withAnomalyThreshold(detector: Detector, held: HeldOutScores, anomalies: readonly PatchFeatures[], options: MethodOptions): Promise<Detector> {
  if (anomalies.length === 0) return detector;
  const anomalyScores: number[] = [];
  for (const views of viewsByImage(anomalies, options.testViews)) anomalyScores.push((await detector.scoreFeatures(views)).score);
  return detector.withCalibration({ ...calibrate(held.normalScores, anomalyScores, options.thresholdQuantile, held.stats), pixel: held.pixel });
}

export function imagePenalty(bankSource: Uint32Array, src: number): { rows: Float32Array; dims: number[] } {
  return { rows: Float32Array.from(bankSource, (s) => (s === src ? EXCLUDED : 0)), dims: [1, bankSource.length] };
}

/** One training image: exclude, for each query patch, repository rows from its own neighbourhood. */
export function neighbourhoodPenalty(f: PatchFeatures, bankPos: Uint32Array, M: number): { rows: Float32Array; dims: number[] } {
  const P = f.gridH * f.gridW;
  const rows = new Float32Array(P * M);
  for (let q = 0; q < P; q++) {
    const qy = Math.floor(q / f.gridW);
    const qx = q % f.gridW;
    for (let m = 0; m < M; m++) {
      const by = Math.floor(bankPos[m] / f.gridW);
      const bx = bankPos[m] % f.gridW;
      if (Math.abs(by - qy) <= SINGLE_IMAGE_EXCLUSION && Math.abs(bx - qx) <= SINGLE_IMAGE_EXCLUSION) rows[q * M + m] = EXCLUDED;
    }
  }
  return { rows, dims: [P, M] };
}
