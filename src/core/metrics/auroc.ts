// Image-level ROC metrics. Label 1 (or true) = anomalous = positive; higher score = more anomalous.

export type Label = 0 | 1 | boolean;

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Scores >= threshold are called anomalous at this point. */
  threshold: number;
}

export interface AurocResult {
  /** NaN when undefined (see `reason`). */
  value: number;
  positives: number;
  negatives: number;
  reason?: string;
}

function check(scores: ArrayLike<number>, labels: ArrayLike<Label>): void {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
}

/**
 * AUROC as the Mann–Whitney statistic: P(score of a random anomaly > score of a random normal),
 * ties counting one half (average ranks). Equals the trapezoidal area under rocCurve.
 */
export function aurocDetailed(scores: ArrayLike<number>, labels: ArrayLike<Label>): AurocResult {
  check(scores, labels);
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    const missing = positives === 0 ? 'anomalous' : 'normal';
    return { value: NaN, positives, negatives, reason: `AUROC is undefined: no ${missing} samples (${positives} anomalous, ${negatives} normal)` };
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) return { value: NaN, positives, negatives, reason: `AUROC is undefined: score ${i} is NaN` };
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (labels[order[k]]) rankSumPos += avgRank;
    i = j + 1;
  }
  const u = rankSumPos - (positives * (positives + 1)) / 2;
  return { value: u / (positives * negatives), positives, negatives };
}

export function auroc(scores: ArrayLike<number>, labels: ArrayLike<Label>): number {
  return aurocDetailed(scores, labels).value;
}

/**
 * ROC points from (0, 0) to (1, 1), one per distinct score (tied scores move together, so the
 * trapezoidal area of these points is exactly `auroc`). Empty when a class is absent.
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<Label>): RocPoint[] {
  check(scores, labels);
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    const s = scores[order[i]];
    while (i < n && scores[order[i]] === s) {
      if (labels[order[i]]) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: fp / negatives, tpr: tp / positives, threshold: s });
  }
  return points;
}

/** Trapezoidal area under a curve of points sorted by fpr. */
export function areaUnder(points: readonly { fpr: number; tpr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return area;
}
