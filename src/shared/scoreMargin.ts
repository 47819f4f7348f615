/**
 * A score a person can read: the raw score's distance above the threshold, in units of the gap
 * between a typical normal image and the threshold (half the calibration spread). 0 is the
 * threshold, −1 a typical normal image, +3 three such gaps above. Unlike the normalised score it
 * does not clip, so images far above the threshold stay apart and ordered.
 */
export function scoreMargin(score: number, threshold: number, spread: number): number {
  const unit = spread > 0 ? spread / 2 : 1;
  return (score - threshold) / unit;
}

/** "+3.40", "-0.75", "0.00": signed, two decimals, ASCII so that it parses back. */
export function formatMargin(m: number): string {
  const v = Math.abs(m) < 0.005 ? 0 : m;
  return `${v > 0 ? '+' : ''}${v.toFixed(2)}`;
}

export const MARGIN_EXPLAINED = 'margin over the threshold: 0 = at the threshold, -1 = a typical normal image, above 0 = flagged';
