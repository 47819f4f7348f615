/**
 * The threshold in effect, from the model's calibration and the user's settings. Pure.
 * Sensitivity 0.5 keeps the model's threshold; higher sensitivity lowers it (more flags) by up
 * to one spread, lower raises it. A manual threshold (raw units) replaces both.
 */
import type { ThresholdMode } from '../shared/model';
import { normalizeScore } from '../shared/regions';

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

/** Below this many normal images (and without labelled anomalies) the threshold is a rough guess. */
export const RELIABLE_THRESHOLD_IMAGES = 4;

/**
 * Below this many the held-out threshold still runs low: the augmented few-shot head has seen
 * every training image, so their leave-one-out scores sit under new normal images' scores.
 */
export const TIGHT_THRESHOLD_IMAGES = 16;

export interface ThresholdAdvice {
  /** warning: shown to the user; log: written to the output channel only. */
  level: 'warning' | 'log';
  text: string;
}

/**
 * What to tell the user after training without labelled anomalies, by the number of normal
 * images. Measured in the benchmark sets (docs/method.md): with one image 94–97 % of new normal
 * images scored above the threshold; with 2 to 8 images 29–60 %; from 16 images 4–12 %.
 */
export function fewShotThresholdWarning(normalImages: number, labelledAnomalies: number): ThresholdAdvice | undefined {
  if (labelledAnomalies > 0 || normalImages >= TIGHT_THRESHOLD_IMAGES) return undefined;
  const trained = `Trained on ${normalImages} normal image${normalImages === 1 ? '' : 's'}`;
  if (normalImages < RELIABLE_THRESHOLD_IMAGES) {
    return {
      level: 'warning',
      text:
        `${trained}: too few to set the threshold, so many normal images will be flagged. ` +
        'The ranking (most anomalous first) is still meaningful. Add more normal images, or accept and reject a few findings and retrain to get a threshold from your decisions.',
    };
  }
  return {
    level: 'log',
    text:
      `${trained}: with fewer than ${TIGHT_THRESHOLD_IMAGES} the threshold runs low and some normal images will be flagged; ` +
      'the ranking is unaffected. Accepting and rejecting a few findings and retraining sets the threshold from your decisions.',
  };
}
