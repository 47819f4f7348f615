/**
 * What to tell a user about the threshold after training without labelled anomalies. Shared by
 * the extension (a warning or an Output channel line) and the CLI (a note on stderr).
 */

/** Below this many normal images (and without labelled anomalies) the threshold is a rough guess. */
export const RELIABLE_THRESHOLD_IMAGES = 4;

/**
 * Below this many the held-out threshold still runs low: the augmented few-shot head has seen
 * every training image, so their leave-one-out scores sit under new normal images' scores.
 * Equal to the engine's AUGMENT_IMAGES, where augmentation stops (a test keeps them together).
 */
export const TIGHT_THRESHOLD_IMAGES = 32;

/** The extension's way to a threshold from labels: the review decisions. */
export const REVIEW_REMEDY = 'accept and reject a few findings and retrain to get a threshold from your decisions';
/** The CLI's way: labelled anomalous images. */
export const CLI_REMEDY = 'pass a few known anomalous images with --anomalies to get an F1 threshold';

export interface ThresholdAdvice {
  /** warning: shown to the user; log: written to the output channel only. */
  level: 'warning' | 'log';
  text: string;
}

/**
 * What to tell the user after training without labelled anomalies, by the number of normal
 * images. A threshold from a few held-out training scores sits too low: with a single image most
 * new normal images land above it, with a handful many do, and only from dozens of images does the
 * quantile settle (false-positive rates per size: docs/benchmarks.md).
 */
export function thresholdAdvice(normalImages: number, labelledAnomalies: number, remedy: string): ThresholdAdvice | undefined {
  if (labelledAnomalies > 0 || normalImages >= TIGHT_THRESHOLD_IMAGES) return undefined;
  const trained = `Trained on ${normalImages} normal image${normalImages === 1 ? '' : 's'}`;
  if (normalImages < RELIABLE_THRESHOLD_IMAGES) {
    return {
      level: 'warning',
      text:
        `${trained}: too few to set the threshold, so many normal images will be flagged. ` +
        `The ranking (most anomalous first) is still meaningful. Add more normal images, or ${remedy}.`,
    };
  }
  return {
    level: 'log',
    text:
      `${trained}: with fewer than ${TIGHT_THRESHOLD_IMAGES} the threshold runs low and some normal images will be flagged; ` +
      `the ranking is unaffected. Add more normal images, or ${remedy}.`,
  };
}
