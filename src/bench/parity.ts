/** CPU–GPU agreement of two score sets over the same images. */
export interface Parity {
  images: number;
  /** Largest |a − b| / max(|a|, |b|, tiny) over the images. */
  maxRelDiff: number;
  /** Whether sorting by score gives the same order of names. */
  sameRanking: boolean;
  pass: boolean;
}

export const PARITY_TOLERANCE = 1e-3;

export function compareScores(a: Record<string, number>, b: Record<string, number>): Parity {
  const names = Object.keys(a).filter((n) => n in b);
  let maxRelDiff = names.length === Object.keys(a).length && names.length === Object.keys(b).length ? 0 : Infinity;
  for (const n of names) {
    const d = Math.abs(a[n] - b[n]) / Math.max(Math.abs(a[n]), Math.abs(b[n]), 1e-12);
    maxRelDiff = Math.max(maxRelDiff, d);
  }
  const order = (s: Record<string, number>): string => names.slice().sort((x, y) => s[y] - s[x] || x.localeCompare(y)).join('\n');
  const sameRanking = order(a) === order(b);
  return { images: names.length, maxRelDiff, sameRanking, pass: sameRanking && maxRelDiff <= PARITY_TOLERANCE };
}
