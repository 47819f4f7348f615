/**
 * Localisation as its own decision, calibrated on held-out normal score canvases: the edge
 * profile that removes the excess heat every normal map carries along its borders and corners
 * (border patches pool fewer neighbours and see padding, so their scores run high on any image),
 * and the pixel threshold regions and heat colours are drawn from.
 */
import type { PixelCalibration } from '../../shared/model';
import { quantile } from './calibrate';

/** Canvas pixels from the border the edge profile covers (about three stride-8 cells at 112 px). */
export const EDGE_PROFILE_DEPTH = 14;

const borderDistance = (i: number, side: number): number => Math.min(i, side - 1 - i);

/** A score canvas with its size: a whole image's is SCORE_CANVAS square, a tiled image's stitched one is as long as the image. */
export interface SizedCanvas {
  canvas: Float32Array;
  width: number;
  height: number;
}

/** The profile of square side×side canvases (see edgeProfileOf). */
export function edgeProfile(canvases: readonly Float32Array[], side: number, depth = EDGE_PROFILE_DEPTH): number[] | undefined {
  return edgeProfileOf(canvases.map((canvas) => ({ canvas, width: side, height: side })), depth);
}

/**
 * Mean normal canvas value at each distance d < depth from the nearest border, relative to the
 * interior mean; the model is E(x, y) = e[dx]·e[dy]. Values below 1 are kept at 1: the correction
 * only removes excess heat, it never heats a border. Canvases too small to have an interior are
 * left out; undefined when none is left.
 */
export function edgeProfileOf(canvases: readonly SizedCanvas[], depth = EDGE_PROFILE_DEPTH): number[] | undefined {
  const usable = canvases.filter((c) => Math.min(c.width, c.height) > 2 * depth);
  if (!usable.length) return undefined;
  const sum = new Float64Array(depth);
  const count = new Float64Array(depth);
  let inner = 0;
  let innerN = 0;
  for (const { canvas: c, width, height } of usable) {
    for (let y = 0; y < height; y++) {
      const dy = borderDistance(y, height);
      for (let x = 0; x < width; x++) {
        const dx = borderDistance(x, width);
        const v = c[y * width + x];
        if (dx >= depth && dy >= depth) {
          inner += v;
          innerN++;
        } else if (dx >= depth) {
          sum[dy] += v;
          count[dy]++;
        } else if (dy >= depth) {
          sum[dx] += v;
          count[dx]++;
        }
      }
    }
  }
  const mid = inner / Math.max(1, innerN);
  if (!(mid > 0)) return undefined;
  return Array.from(sum, (s, d) => Math.max(1, s / Math.max(1, count[d]) / mid));
}

/** The per-pixel divisor of a side×side canvas for a profile (1 in the interior). */
export function edgeDivisor(profile: readonly number[], side: number): Float32Array {
  return edgeDivisorOf(profile, side, side);
}

/** The per-pixel divisor of a width×height canvas: the profile along each axis from that axis's nearest border. */
export function edgeDivisorOf(profile: readonly number[], width: number, height: number): Float32Array {
  const e = (i: number, side: number): number => {
    const d = borderDistance(i, side);
    return d < profile.length ? profile[d] : 1;
  };
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = e(x, width) * e(y, height);
  return out;
}

/** Divides a side×side canvas by the profile in place (no-op without one); returns the canvas. */
export function correctEdges(canvas: Float32Array, side: number, profile: readonly number[] | undefined): Float32Array {
  return correctEdgesOf(canvas, side, side, profile);
}

/** Divides a width×height canvas by the profile in place at its own borders (no-op without one); returns the canvas. */
export function correctEdgesOf(canvas: Float32Array, width: number, height: number, profile: readonly number[] | undefined): Float32Array {
  if (!profile) return canvas;
  const div = edgeDivisorOf(profile, width, height);
  for (let i = 0; i < canvas.length; i++) canvas[i] /= div[i];
  return canvas;
}

/**
 * The pixel threshold: the `level` quantile of the held-out normal maps' patch terms (the mean of
 * each map's hottest pixels, in map units). An image the patch term flags therefore always has
 * pixels at or above it, so its region is never empty; a new normal image reaches it about as
 * rarely as its patch term crosses the image threshold. Spread: twice the gap to the median normal
 * pixel, as the image normalisation does, so a typical normal pixel shows at about 0.25 and the
 * threshold at 0.5.
 */
export function pixelCalibration(canvases: readonly Float32Array[], patchTerms: readonly number[], level: number, profile?: number[]): PixelCalibration | undefined {
  if (!canvases.length || canvases.length !== patchTerms.length) return undefined;
  const threshold = quantile([...patchTerms].sort((a, b) => a - b), level);
  const medians = canvases.map((c) => quantile(Float32Array.from(c).sort(), 0.5)).sort((a, b) => a - b);
  const typical = quantile(medians, 0.5);
  let spread = 2 * (threshold - typical);
  if (!(spread > 1e-9)) spread = Math.max(Math.abs(threshold) * 0.1, 1e-6);
  const n = canvases.length;
  return { threshold, spread, basis: `${level} quantile of the patch terms of ${n} held-out normal map${n === 1 ? '' : 's'}`, edgeProfile: profile };
}

/**
 * The pixel threshold a score is drawn with. A model whose image score is the patch term alone
 * uses its image threshold too when that is lower (an F1 threshold from labels), so every flagged
 * image has a region; a fused model keeps the pixel threshold, and an image its other terms flag
 * without any pixel reaching it is a global finding.
 */
export function effectivePixelThreshold(pixel: PixelCalibration | undefined, imageThreshold: number, fused: boolean): number | undefined {
  if (!pixel) return undefined;
  return fused ? pixel.threshold : Math.min(pixel.threshold, imageThreshold);
}
