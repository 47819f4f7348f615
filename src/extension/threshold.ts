/**
 * The threshold in effect, from the model's calibration and the user's settings. Pure.
 * Sensitivity 0.5 keeps the model's threshold; higher sensitivity lowers it (more flags) by up
 * to one spread, lower raises it. A manual threshold (raw units) replaces both.
 */
import type { ThresholdMode } from '../shared/model';
import { normalizeScore } from '../shared/regions';
import { isReviewed, type Finding } from './treeModel';

export interface ThresholdSettings {
  thresholdMode: ThresholdMode;
  manualThreshold: number | null;
  sensitivity: number;
}

export function effectiveThreshold(model: { threshold: number; spread: number }, s: ThresholdSettings): number {
  if (s.thresholdMode === 'manual' && s.manualThreshold !== null) return s.manualThreshold;
  return model.threshold + (0.5 - s.sensitivity) * 2 * model.spread;
}

/** undefined when the model's own threshold applies (so the worker keeps its calibration). */
export function thresholdOverride(model: { threshold: number; spread: number }, s: ThresholdSettings): number | undefined {
  const t = effectiveThreshold(model, s);
  return t === model.threshold ? undefined : t;
}

/** Re-normalise a raw score against the threshold in effect. */
export function renormalize(raw: number, threshold: number, spread: number): { normalized: number; anomalous: boolean } {
  return { normalized: normalizeScore(raw, threshold, spread), anomalous: raw > threshold };
}

/**
 * Whether an annotation written with threshold `stored` still matches the threshold in effect.
 * A file that does not is rescored by the next scan even when its image is unchanged.
 */
export function thresholdUpToDate(stored: number | undefined, inEffect: number): boolean {
  return stored !== undefined && Math.abs(stored - inEffect) <= 1e-9 * Math.max(1, Math.abs(inEffect));
}

/** Re-normalises an unreviewed finding of this model against the threshold in effect; others unchanged. */
export function rethreshold<T extends Finding>(f: T, model: { id: string; threshold: number; spread: number } | undefined, s: ThresholdSettings): T {
  if (!model || f.score === undefined || f.modelId !== model.id || isReviewed(f)) return f;
  const t = effectiveThreshold(model, s);
  const r = renormalize(f.score, t, model.spread);
  return { ...f, threshold: t, normalized: r.normalized, label: r.anomalous ? 'anomalous' : 'normal' };
}
