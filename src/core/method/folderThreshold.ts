/**
 * Thresholds from a scanned folder's own scores. Most images in a folder are normal, so the
 * folder's median and median absolute deviation describe its normal scores robustly, whatever a
 * minority of anomalies does. With few training images the training calibration alone is noise
 * (a quantile of four held-out scores), so it is pooled with the folder's estimate; the result
 * states the flag rate it expects among normal images and how it was reached.
 */
import { quantile } from './calibrate';

/** MAD → standard deviation for a normal distribution. */
const MAD_TO_SD = 1.4826;

export interface RobustStats {
  median: number;
  /** 1.4826 · median absolute deviation (the standard deviation if the scores were normal). */
  scale: number;
  n: number;
}

export function robustStats(scores: readonly number[]): RobustStats {
  const s = scores.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return { median: NaN, scale: NaN, n: 0 };
  const median = quantile(s, 0.5);
  const dev = s.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  return { median, scale: MAD_TO_SD * quantile(dev, 0.5), n: s.length };
}

/** Standard normal upper-tail probability P(Z > z) (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  const upper = 0.5 * (1 - erf);
  return z >= 0 ? upper : 1 - upper;
}

/** z with P(Z > z) = p, by bisection on normalTail (p in (0, 1)). */
export function normalQuantileUpper(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface FolderThreshold {
  threshold: number;
  /** Share of the folder's normal images expected above the threshold (from the folder's robust fit). */
  expectedNormalFlagRate: number;
  /** Weight the training calibration got (its held-out images against the folder's). */
  trainingWeight: number;
  basis: string;
}

/** Folders smaller than this say too little about their own normal scores; the training threshold stands. */
export const MIN_FOLDER_IMAGES = 20;

/**
 * Pools the training threshold (from `heldOut` held-out normal images) with the folder's robust
 * cut (median + z·scale at the same quantile `level`), each weighted by how many images stand
 * behind it; the folder counts at half its size, since some of it may be anomalous.
 */
export function folderThreshold(training: { threshold: number; heldOut: number }, folderScores: readonly number[], level: number): FolderThreshold {
  const st = robustStats(folderScores);
  const tail = (t: number) => (st.scale > 0 ? normalTail((t - st.median) / st.scale) : t > st.median ? 0 : 1);
  if (st.n < MIN_FOLDER_IMAGES || !(st.scale > 0)) {
    return {
      threshold: training.threshold,
      expectedNormalFlagRate: st.n ? tail(training.threshold) : 1 - level,
      trainingWeight: 1,
      basis: `training calibration only (${st.n} folder scores; at least ${MIN_FOLDER_IMAGES} with spread are needed)`,
    };
  }
  const folderCut = st.median + normalQuantileUpper(1 - level) * st.scale;
  const folderWeight = st.n / 2;
  const w = training.heldOut / (training.heldOut + folderWeight);
  const threshold = w * training.threshold + (1 - w) * folderCut;
  return {
    threshold,
    expectedNormalFlagRate: tail(threshold),
    trainingWeight: w,
    basis: `training threshold from ${training.heldOut} held-out image${training.heldOut === 1 ? '' : 's'} (weight ${w.toFixed(2)}) pooled with the folder's median + ${normalQuantileUpper(1 - level).toFixed(2)} robust deviations over ${st.n} images`,
  };
}

export interface ContaminationEstimate {
  share: number;
  /** Images above the cut. */
  count: number;
  basis: string;
}

/** Robust deviations above the folder's median beyond which an image counts as an outlier. */
export const OUTLIER_Z = 3;

/**
 * The folder's contamination estimated from robust scores: the share more than OUTLIER_Z robust
 * deviations above the median, bounded to [0, maxShare] (at most half the folder can be outliers
 * by this definition).
 */
export function estimateContamination(scores: readonly number[], maxShare = 0.4): ContaminationEstimate {
  const st = robustStats(scores);
  if (st.n === 0 || !(st.scale > 0)) return { share: 0, count: 0, basis: `no spread among ${st.n} robust scores: no outliers assumed` };
  const cut = st.median + OUTLIER_Z * st.scale;
  const count = scores.filter((v) => v > cut).length;
  const share = Math.min(maxShare, count / st.n);
  return { share, count, basis: `${count} of ${st.n} images score more than ${OUTLIER_Z} robust deviations above the folder's median` };
}
