/**
 * The Findings model, free of VS Code: which group each image belongs to, how groups are
 * ranked, and which image Review Next opens.
 *
 * Groups, in this order: Flagged — clearly above the threshold; Needs review — unreviewed
 * images the model is unsure about (normalised score within `uncertainBand` of the threshold at
 * 0.5) and reviewed images whose file changed since; Normal — clearly below; Reviewed — a human
 * decided; Errors — the image could not be read or scored.
 */
import type { ErrorInfo } from '../shared/errors';
import type { AnnotationLabel, AnnotationStatus } from '../shared/annotation';
import { formatMargin, scoreMargin } from '../shared/scoreMargin';

export type GroupId = 'needsReview' | 'flagged' | 'normal' | 'reviewed' | 'errors';
export const GROUP_ORDER: readonly GroupId[] = ['flagged', 'needsReview', 'normal', 'reviewed', 'errors'];
export const GROUP_LABELS: Record<GroupId, string> = {
  needsReview: 'Needs review',
  flagged: 'Flagged',
  normal: 'Normal',
  reviewed: 'Reviewed',
  errors: 'Errors',
};

export interface Finding {
  /** The image's URI as a string (`uri.toString()`): the unique key and the sort tie-breaker. */
  path: string;
  status: AnnotationStatus | 'error';
  label?: AnnotationLabel;
  score?: number;
  normalized?: number;
  threshold?: number;
  modelId?: string;
  error?: ErrorInfo;
  /** A human decision exists but the image changed since it was made. */
  stale?: boolean;
}

export const isReviewed = (f: Finding): boolean => f.status === 'accepted' || f.status === 'rejected' || f.status === 'corrected';

export function groupOf(f: Finding, uncertainBand: number): GroupId {
  if (f.status === 'error') return 'errors';
  if (isReviewed(f)) return f.stale ? 'needsReview' : 'reviewed';
  const n = f.normalized ?? 0;
  if (Math.abs(n - 0.5) < uncertainBand) return 'needsReview';
  return n >= 0.5 ? 'flagged' : 'normal';
}

/** Most anomalous first; ties by raw score, then path (stable across refreshes). */
export function compareFindings(a: Finding, b: Finding): number {
  const byNorm = (b.normalized ?? -1) - (a.normalized ?? -1);
  if (byNorm) return byNorm;
  const byRaw = (b.score ?? -Infinity) - (a.score ?? -Infinity);
  if (byRaw && Number.isFinite(byRaw)) return byRaw;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export type Grouped = Record<GroupId, Finding[]>;

export function groupFindings(findings: Iterable<Finding>, uncertainBand = 0.1): Grouped {
  const out: Grouped = { needsReview: [], flagged: [], normal: [], reviewed: [], errors: [] };
  for (const f of findings) out[groupOf(f, uncertainBand)].push(f);
  for (const g of GROUP_ORDER) {
    if (g === 'errors') out[g].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    else out[g].sort(compareFindings);
  }
  return out;
}

/** Unreviewed (or stale) scored images, most anomalous first: the Review Next order. */
export function reviewQueue(findings: Iterable<Finding>): Finding[] {
  return [...findings].filter((f) => f.status !== 'error' && (!isReviewed(f) || f.stale)).sort(compareFindings);
}

/**
 * The image to open next. Without a current image: the most anomalous unreviewed one. With one:
 * its neighbour in the queue; if the current image just left the queue (it was reviewed), the
 * image that now sits where it was, so reviewing walks down the ranking.
 */
export function nextToReview(
  findings: Iterable<Finding>,
  current?: string,
  direction: 'next' | 'previous' = 'next',
): Finding | undefined {
  const all = [...findings];
  const queue = reviewQueue(all);
  if (!queue.length) return undefined;
  if (current === undefined) return direction === 'next' ? queue[0] : undefined;
  const i = queue.findIndex((f) => f.path === current);
  if (i >= 0) return direction === 'next' ? queue[i + 1] : queue[i - 1];
  const cur = all.find((f) => f.path === current);
  if (!cur) return direction === 'next' ? queue[0] : undefined;
  // Insert position of the (now reviewed) current image in the ranking.
  const pos = queue.findIndex((f) => compareFindings(cur, f) < 0);
  const at = pos < 0 ? queue.length : pos;
  return direction === 'next' ? queue[at] : queue[at - 1];
}

/**
 * "+3.40 (raw 2.41)": the margin over the threshold (needs the model's spread; it does not
 * saturate), else the normalised score; then the raw score.
 */
export function describeScore(f: Finding, spread?: number): string {
  if (f.status === 'error') return f.error ? `${f.error.code}: ${f.error.message}` : 'error';
  if (f.normalized === undefined) return '';
  const raw = f.score === undefined ? '' : ` (raw ${formatNumber(f.score)})`;
  const m = marginOf(f, spread);
  return `${m === undefined ? f.normalized.toFixed(2) : formatMargin(m)}${raw}`;
}

export function marginOf(f: Finding, spread: number | undefined): number | undefined {
  return spread !== undefined && f.score !== undefined && f.threshold !== undefined ? scoreMargin(f.score, f.threshold, spread) : undefined;
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(2) : v.toPrecision(3);
}

export function groupCounts(g: Grouped): Record<GroupId, number> {
  return Object.fromEntries(GROUP_ORDER.map((k) => [k, g[k].length])) as Record<GroupId, number>;
}
