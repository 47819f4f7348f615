/** Heatmap and overlay PNGs for scan outputs (rendering itself lives in src/core/image/heatmap.ts). */
import type { ImageScore } from '../core/api';
import { renderHeatmapPng, renderOverlayPng } from '../core/image/heatmap';
import type { DecodedImage } from '../shared/image';
import { heatScale, normalizeScore } from '../shared/regions';

/** The raw map in normalised units (threshold at 0.5), the colour scale's fixed input. */
export function normalizedMap(s: ImageScore, spread: number): Float32Array {
  const out = new Float32Array(s.map.length);
  const scale = heatScale(s, spread);
  for (let i = 0; i < out.length; i++) out[i] = normalizeScore(s.map[i], scale.threshold, scale.spread);
  return out;
}

export const renderHeatmap = (s: ImageScore, spread: number): Uint8Array => renderHeatmapPng(normalizedMap(s, spread), s.width, s.height);

export const renderOverlay = (img: DecodedImage, s: ImageScore, spread: number, frame = 0): Uint8Array =>
  renderOverlayPng(img, frame, normalizedMap(s, spread));
