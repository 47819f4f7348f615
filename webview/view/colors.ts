/**
 * Colours: the heatmap LUT comes from the shared fixed colour scale (same colour = same
 * normalised score on every image; threshold at 0.5), and a small palette for defect classes.
 */
import { COLORMAP_LUT, colorFor, lutIndex as sharedLutIndex } from '../../src/shared/colormap';

export type Rgb = [number, number, number];

/** RGBA for normalised scores 0..1 in 256 steps (entry i = colorFor(i / 255)), alpha included. */
export function heatmapLut(): Uint8ClampedArray {
  return COLORMAP_LUT;
}

export const lutIndex = sharedLutIndex;

export function scoreColor(normalized: number): Rgb {
  const [r, g, b] = colorFor(normalized);
  return [r, g, b];
}

/** The scale's own alpha at a score (0..1): low scores are transparent by design. */
export function scoreAlpha(normalized: number): number {
  return colorFor(normalized)[3] / 255;
}

export const css = ([r, g, b]: Rgb, a = 1): string => `rgba(${r}, ${g}, ${b}, ${a})`;

/** Distinct, saturated colours for defect classes; they read on both light and dark images. */
const CLASS_PALETTE: Rgb[] = [
  [0, 229, 255], [255, 64, 200], [118, 255, 3], [255, 171, 0],
  [124, 77, 255], [255, 235, 59], [0, 200, 83], [255, 82, 82],
];

export function classColor(classes: readonly string[], cls: string): Rgb {
  let i = classes.indexOf(cls);
  if (i < 0) {
    // Classes not in the user's list (from an older annotation) still get a stable colour.
    i = 0;
    for (const ch of cls) i = (i * 31 + ch.charCodeAt(0)) >>> 0;
  }
  return CLASS_PALETTE[i % CLASS_PALETTE.length];
}
