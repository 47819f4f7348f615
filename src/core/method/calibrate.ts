import type { CalibrationStats, ThresholdMode } from '../../shared/model';

/** Linear-interpolated quantile of an ascending array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 1 };
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - mean) ** 2;
  const std = Math.sqrt(v / n);
  return { mean, std: std > 1e-12 ? std : Math.max(Math.abs(mean) * 0.1, 1e-6) };
}

/** The threshold maximising F1 over labelled scores (anomalous = positive); ties → the lowest. */
export function f1Threshold(normal: number[], anomalous: number[]): { threshold: number; f1: number } {
  const all = [...normal.map((s) => ({ s, y: 0 })), ...anomalous.map((s) => ({ s, y: 1 }))].sort((a, b) => b.s - a.s);
  let tp = 0;
  let fp = 0;
  let best = { threshold: Infinity, f1: 0 };
  for (let i = 0; i < all.length; i++) {
    if (all[i].y === 1) tp++;
    else fp++;
    // Only cut between distinct scores.
    if (i + 1 < all.length && all[i + 1].s === all[i].s) continue;
    const f1 = (2 * tp) / (2 * tp + fp + (anomalous.length - tp));
    if (f1 > best.f1) {
      const next = i + 1 < all.length ? all[i + 1].s : all[i].s - 1;
      best = { threshold: (all[i].s + next) / 2, f1 };
    }
  }
  return best;
}

/**
 * Threshold and normalisation from held-out normal scores (and labelled anomalies when given).
 * normalised = 0.5 + (score − threshold) / (2·spread), clipped to [0, 1]; spread = twice the gap
 * between the threshold and the median normal score, so a typical normal image sits near 0.25.
 */
export function calibrate(
  normalScores: number[],
  anomalyScores: number[],
  quantileLevel: number,
  terms: Pick<CalibrationStats, 'patchStats' | 'globalStats' | 'mapMeanStats'>,
): CalibrationStats {
  const sorted = [...normalScores].sort((a, b) => a - b);
  let mode: ThresholdMode = 'normal-quantile';
  let threshold = quantile(sorted, quantileLevel);
  if (anomalyScores.length > 0 && sorted.length > 0) {
    const f1 = f1Threshold(sorted, anomalyScores);
    if (Number.isFinite(f1.threshold)) {
      threshold = f1.threshold;
      mode = 'f1';
    }
  }
  const median = quantile(sorted, 0.5);
  let spread = 2 * (threshold - median);
  if (!(spread > 1e-9)) spread = Math.max(Math.abs(threshold) * 0.1, 1e-6);
  const { patchStats, globalStats, mapMeanStats } = terms;
  return { mode, threshold, normalScores: sorted, spread, patchStats, globalStats, mapMeanStats, anomalyCount: anomalyScores.length };
}

/** The normalisation shared with the UI (threshold at 0.5), so both always agree. */
export { normalizeScore } from '../../shared/regions';
