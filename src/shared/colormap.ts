// The one colour scale for normalised anomaly scores (threshold at 0.5). Fixed, never rescaled
// per image: the same colour means the same score everywhere. No imports: the webview uses it too.

/** Control points: [position, r, g, b, alpha]. Transparent below 0.3, cool and faint up to the
 * threshold region, yellow at the threshold (0.5), orange to red above it. */
const STOPS: readonly (readonly [number, number, number, number, number])[] = [
  [0.0, 40, 80, 220, 0],
  [0.3, 40, 80, 220, 0],
  [0.35, 0, 170, 255, 45],
  [0.45, 110, 215, 120, 110],
  [0.5, 255, 230, 0, 150],
  [0.7, 255, 140, 0, 180],
  [1.0, 220, 0, 0, 210],
];

export type Rgba = [number, number, number, number];

/** Colour of a normalised score (clipped to [0, 1]; NaN is transparent). */
export function colorFor(normalized: number): Rgba {
  if (Number.isNaN(normalized)) return [0, 0, 0, 0];
  const v = normalized <= 0 ? 0 : normalized >= 1 ? 1 : normalized;
  for (let i = 1; i < STOPS.length; i++) {
    const b = STOPS[i];
    if (v <= b[0]) {
      const a = STOPS[i - 1];
      const t = b[0] > a[0] ? (v - a[0]) / (b[0] - a[0]) : 1;
      return [
        Math.round(a[1] + (b[1] - a[1]) * t),
        Math.round(a[2] + (b[2] - a[2]) * t),
        Math.round(a[3] + (b[3] - a[3]) * t),
        Math.round(a[4] + (b[4] - a[4]) * t),
      ];
    }
  }
  const last = STOPS[STOPS.length - 1];
  return [last[1], last[2], last[3], last[4]];
}

/** 256 entries × RGBA: entry i is colorFor(i / 255). */
export const COLORMAP_LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) lut.set(colorFor(i / 255), i * 4);
  return lut;
})();

/** LUT index of a normalised score. */
export function lutIndex(normalized: number): number {
  if (!(normalized > 0)) return 0;
  return normalized >= 1 ? 255 : Math.round(normalized * 255);
}

/** CSS gradient of the scale (for legends). */
export function colormapCss(direction = 'to right'): string {
  const stops = STOPS.map(([p, r, g, b, a]) => `rgba(${r},${g},${b},${(Math.max(a, 60) / 255).toFixed(2)}) ${(p * 100).toFixed(0)}%`);
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
