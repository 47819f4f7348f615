// PNG renderings of anomaly maps: the image (display-windowed to 8 bits) with the fixed colour
// scale blended on top, or the colour layer alone (RGBA) for overlays in the webview.
import { PNG } from 'pngjs';
import { COLORMAP_LUT, lutIndex } from '../../shared/colormap';
import type { DecodedImage } from '../../shared/image';
import { resizeBilinear } from './ops';
import { toIntensityPlanes } from './preprocess';

export interface HeatmapRenderOptions {
  /** Downscale so the longer side is at most this (thumbnails); no upscaling. */
  maxSide?: number;
  /** Multiplies the colour scale's own alpha (default 1). */
  opacity?: number;
}

function outputSize(width: number, height: number, maxSide?: number): [number, number] {
  if (!maxSide || Math.max(width, height) <= maxSide) return [width, height];
  const s = maxSide / Math.max(width, height);
  return [Math.max(1, Math.round(width * s)), Math.max(1, Math.round(height * s))];
}

function checkMap(map: Float32Array, width: number, height: number): void {
  if (map.length !== width * height) throw new RangeError(`map has ${map.length} values, the image has ${width * height} pixels`);
}

function encodeRgba(rgba: Uint8Array, width: number, height: number, withAlpha: boolean): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: withAlpha ? 6 : 2 }));
}

/** The frame as 8-bit display planes (first display window, MONOCHROME1/WhiteIsZero inverted). */
export function displayPlanes(img: DecodedImage, frame: number, maxSide?: number): { planes: Float32Array[]; width: number; height: number } {
  const [w, h] = outputSize(img.width, img.height, maxSide);
  let planes = toIntensityPlanes(img, frame, 'window');
  if (w !== img.width || h !== img.height) planes = planes.map((p) => resizeBilinear(p, img.width, img.height, w, h));
  return { planes, width: w, height: h };
}

/** The image with the normalised map (same size as the image, values in [0, 1]) blended on top. */
export function renderOverlayPng(img: DecodedImage, frame: number, normalizedMap: Float32Array, opts: HeatmapRenderOptions = {}): Uint8Array {
  checkMap(normalizedMap, img.width, img.height);
  const { planes, width, height } = displayPlanes(img, frame, opts.maxSide);
  const map = width === img.width && height === img.height ? normalizedMap : resizeBilinear(normalizedMap, img.width, img.height, width, height);
  const opacity = Math.min(Math.max(opts.opacity ?? 1, 0), 1) / 255;
  const r = planes[0];
  const g = planes[planes.length === 1 ? 0 : 1];
  const b = planes[planes.length === 1 ? 0 : 2];
  const out = new Uint8Array(width * height * 4);
  for (let p = 0, o = 0; p < width * height; p++, o += 4) {
    const li = lutIndex(map[p]) * 4;
    const a = COLORMAP_LUT[li + 3] * opacity;
    out[o] = Math.round((r[p] * 255) * (1 - a) + COLORMAP_LUT[li] * a);
    out[o + 1] = Math.round((g[p] * 255) * (1 - a) + COLORMAP_LUT[li + 1] * a);
    out[o + 2] = Math.round((b[p] * 255) * (1 - a) + COLORMAP_LUT[li + 2] * a);
    out[o + 3] = 255;
  }
  return encodeRgba(out, width, height, false);
}

/** The colour layer alone as an RGBA PNG (transparent where the score is low). */
export function renderHeatmapPng(normalizedMap: Float32Array, width: number, height: number, opts: HeatmapRenderOptions = {}): Uint8Array {
  checkMap(normalizedMap, width, height);
  const [w, h] = outputSize(width, height, opts.maxSide);
  const map = w === width && h === height ? normalizedMap : resizeBilinear(normalizedMap, width, height, w, h);
  const opacity = Math.min(Math.max(opts.opacity ?? 1, 0), 1);
  const out = new Uint8Array(w * h * 4);
  for (let p = 0, o = 0; p < w * h; p++, o += 4) {
    const li = lutIndex(map[p]) * 4;
    out[o] = COLORMAP_LUT[li];
    out[o + 1] = COLORMAP_LUT[li + 1];
    out[o + 2] = COLORMAP_LUT[li + 2];
    out[o + 3] = Math.round(COLORMAP_LUT[li + 3] * opacity);
  }
  return encodeRgba(out, w, h, true);
}
