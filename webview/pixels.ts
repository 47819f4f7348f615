/**
 * Raw frame samples → display RGBA, with window/level applied here from the stored values
 * (modality = stored * slope + intercept), so 16-bit and DICOM data keep their full range.
 */
import type { FramePixels, ImageInfo } from '../src/shared/protocol';

export interface Window {
  center: number;
  width: number;
}

export type Samples = Uint8Array | Uint16Array | Int16Array | Int32Array | Float32Array;

export function samplesOf(f: FramePixels): Samples {
  switch (f.dtype) {
    case 'uint8': return new Uint8Array(f.data);
    case 'uint16': return new Uint16Array(f.data);
    case 'int16': return new Int16Array(f.data);
    case 'int32': return new Int32Array(f.data);
    case 'float32': return new Float32Array(f.data);
  }
}

/** Modality-value range of a frame (for W/L drag sensitivity and a fallback window). */
export function modalityRange(samples: Samples, info: ImageInfo): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  const a = min * info.rescale.slope + info.rescale.intercept;
  const b = max * info.rescale.slope + info.rescale.intercept;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

/** The file's first window, else the full range an 8-bit image uses, else the data range. */
export function defaultWindow(info: ImageInfo, range: { min: number; max: number }): Window {
  const w = info.windows[0];
  if (w && w.width > 0) return { center: w.center, width: w.width };
  if (info.bitDepth <= 8) return { center: 127.5, width: 255 };
  return { center: (range.min + range.max) / 2, width: Math.max(1, range.max - range.min) };
}

/** Linear window: modality value → display byte (0..255), inverted for MONOCHROME1. */
function displayByte(m: number, lower: number, width: number, invert: boolean): number {
  let d = ((m - lower) / width) * 255;
  d = d < 0 ? 0 : d > 255 ? 255 : d;
  return invert ? 255 - d : d;
}

/** Render one frame into RGBA `out` (width * height * 4). */
export function renderFrame(f: FramePixels, samples: Samples, info: ImageInfo, win: Window, out: Uint8ClampedArray): void {
  const { slope, intercept } = info.rescale;
  const width = Math.max(1e-6, win.width);
  const lower = win.center - width / 2;
  const invert = info.invert && f.channels === 1;
  const n = f.width * f.height;
  const ch = f.channels;
  // A LUT over every possible stored value makes W/L drags cheap on 8- and 16-bit data.
  let lut: Uint8ClampedArray | undefined;
  let offset = 0;
  if (f.dtype === 'uint8' || f.dtype === 'uint16' || f.dtype === 'int16') {
    const size = f.dtype === 'uint8' ? 256 : 65536;
    offset = f.dtype === 'int16' ? 32768 : 0;
    lut = new Uint8ClampedArray(size);
    for (let v = 0; v < size; v++) lut[v] = displayByte((v - offset) * slope + intercept, lower, width, invert);
  }
  const map = (v: number): number => (lut ? lut[v + offset] : displayByte(v * slope + intercept, lower, width, invert));
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (ch === 1) {
      const g = map(samples[i]);
      out[o] = g;
      out[o + 1] = g;
      out[o + 2] = g;
    } else {
      const s = i * ch;
      out[o] = map(samples[s]);
      out[o + 1] = map(samples[s + 1]);
      out[o + 2] = map(samples[s + 2]);
    }
    out[o + 3] = 255;
  }
}

/** The value under a pixel, for the status bar ("123" or "12, 34, 56"). */
export function describePixel(samples: Samples, f: FramePixels, info: ImageInfo, x: number, y: number): string {
  if (x < 0 || y < 0 || x >= f.width || y >= f.height) return '';
  const i = (y * f.width + x) * f.channels;
  const fmt = (v: number): string => {
    const m = v * info.rescale.slope + info.rescale.intercept;
    return Number.isInteger(m) ? String(m) : m.toFixed(2);
  };
  if (f.channels === 1) return fmt(samples[i]);
  return [samples[i], samples[i + 1], samples[i + 2]].map(fmt).join(', ');
}
