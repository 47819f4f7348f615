// Decoded image → backbone input tensor (NCHW float32). The same function serves training and
// scanning, so the intensity mapping documented in docs/preprocessing.md is the only one.
import { AnomalyLensError } from '../../shared/errors';
import type { DecodedImage, SampleArray } from '../../shared/image';
import type { IntensityMapping, PreprocessOptions } from '../../shared/model';
import { buildTaps, resamplePlane, resampleStrided, type CropBox, type ResampleSource, type Taps } from './ops';

export type Scaling = 'unit' | 'symmetric' | 'imagenet';

export interface ModelInput {
  /** NCHW [1, 3, size, size]. */
  data: Float32Array;
  crop: CropBox;
  size: number;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

const CT_MR = new Set(['CT', 'MR']);

/** v01 = clamp(stored · scale + offset, 0, 1), then 1 − v01 when `invert`. */
export interface IntensityTransform {
  scale: number;
  offset: number;
  invert: boolean;
  /** The mapping actually used ('auto' resolved). */
  method: Exclude<IntensityMapping, 'auto'>;
}

function isFloat(data: SampleArray): boolean {
  return data instanceof Float32Array;
}

/** Min and max over colour samples of one frame (alpha ignored). */
function frameRange(data: SampleArray, channels: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  if (channels === 4) {
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; c++) {
        const v = data[i + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

export function resolveIntensity(img: DecodedImage, mode: IntensityMapping): Exclude<IntensityMapping, 'auto'> {
  if (mode !== 'auto') return mode === 'window' && img.windows.length === 0 ? 'minmax' : mode;
  if (img.format === 'dicom') {
    return CT_MR.has((img.meta.modality ?? '').toUpperCase()) && img.windows.length > 0 ? 'window' : 'minmax';
  }
  if (img.bitDepth <= 8 && !isFloat(img.frames[0].data)) return 'bitdepth';
  return 'minmax';
}

/** The affine map from stored sample values to [0, 1] for one frame (see docs/preprocessing.md). */
export function intensityTransform(img: DecodedImage, frame: number, mode: IntensityMapping): IntensityTransform {
  const method = resolveIntensity(img, mode);
  const { slope, intercept } = img.rescale;
  const data = img.frames[frame].data;
  let scale: number;
  let offset: number;
  if (method === 'window') {
    // Modality value m = stored·slope + intercept; window [c − w/2, c + w/2] → [0, 1].
    const { center, width } = img.windows[0];
    const w = Math.max(width, 1e-6);
    scale = slope / w;
    offset = (intercept - (center - w / 2)) / w;
  } else if (method === 'bitdepth' && !isFloat(data)) {
    const signed = data instanceof Int16Array || data instanceof Int32Array || img.meta.signed === true;
    const max = 2 ** img.bitDepth - 1;
    scale = 1 / max;
    offset = signed ? 2 ** (img.bitDepth - 1) / max : 0;
  } else if (method === 'bitdepth') {
    scale = 1; // float data: taken as already in [0, 1]
    offset = 0;
  } else {
    const [lo, hi] = frameRange(data, img.channels);
    const m0 = lo * slope + intercept;
    const m1 = hi * slope + intercept;
    const mlo = Math.min(m0, m1);
    const span = Math.abs(m1 - m0);
    if (!(span > 0)) {
      scale = 0; // constant frame → black
      offset = 0;
    } else {
      scale = slope / span;
      offset = (intercept - mlo) / span;
    }
  }
  return { scale, offset, invert: img.invert, method };
}

/** The mapping as a function of one sample. */
function sampleFunction(t: IntensityTransform): (v: number) => number {
  const { scale, offset, invert } = t;
  return (v) => {
    const u = v * scale + offset;
    const c = u < 0 ? 0 : u > 1 ? 1 : u;
    return invert ? 1 - c : c;
  };
}

/**
 * Integer data up to 16 bits maps through a lookup table (clamp and invert folded in); the
 * resampler reads the interleaved samples through it, so no full-resolution float copy is made.
 */
function lookupTable(data: SampleArray, t: IntensityTransform): { lut: Float32Array; offset: number } | null {
  const base = data instanceof Uint8Array || data instanceof Uint16Array ? 0 : data instanceof Int16Array ? 32768 : -1;
  if (base < 0) return null;
  const size = data instanceof Uint8Array ? 256 : 65536;
  const f = sampleFunction(t);
  const lut = new Float32Array(size);
  for (let i = 0; i < size; i++) lut[i] = f(i - base);
  return { lut, offset: base };
}

/**
 * Maps one frame to [0, 1] float planes at the original resolution: 1 plane for gray, 3 for
 * colour (alpha dropped).
 */
export function toIntensityPlanes(img: DecodedImage, frame: number, mode: IntensityMapping): Float32Array[] {
  const { width, height, channels } = img;
  const data = img.frames[frame].data;
  const pixels = width * height;
  if (data.length < pixels * channels) {
    throw new AnomalyLensError('INTERNAL', `frame ${frame} has ${data.length} samples, ${pixels * channels} expected`);
  }
  const f = sampleFunction(intensityTransform(img, frame, mode));
  const colour = channels === 1 ? 1 : 3;
  const planes: Float32Array[] = [];
  for (let c = 0; c < colour; c++) {
    const plane = new Float32Array(pixels);
    for (let p = 0, s = c; p < pixels; p++, s += channels) plane[p] = f(data[s]);
    planes.push(plane);
  }
  return planes;
}

/** Geometry of resize-shorter-side-then-centre-crop (or a plain square resize when resize === crop). */
export function cropGeometry(width: number, height: number, pre: Pick<PreprocessOptions, 'resize' | 'crop'>) {
  const { resize, crop } = pre;
  if (!(crop > 0) || !(resize >= crop)) {
    throw new AnomalyLensError('BAD_ARGUMENT', `preprocess needs 0 < crop <= resize (got resize ${resize}, crop ${crop})`);
  }
  let newW: number;
  let newH: number;
  if (resize === crop) {
    newW = crop;
    newH = crop;
  } else if (width <= height) {
    newW = resize;
    newH = Math.max(resize, Math.floor((height * resize) / width));
  } else {
    newH = resize;
    newW = Math.max(resize, Math.floor((width * resize) / height));
  }
  const offX = Math.round((newW - crop) / 2);
  const offY = Math.round((newH - crop) / 2);
  const scaleX = width / newW;
  const scaleY = height / newH;
  const box: CropBox = { x: offX * scaleX, y: offY * scaleY, width: crop * scaleX, height: crop * scaleY };
  return { offX, offY, scaleX, scaleY, box };
}

/**
 * Decoded frame → backbone input: intensity mapping, gray replicated to RGB, antialiased
 * bilinear resize of the shorter side to `pre.resize`, centre crop `pre.crop`, then the
 * backbone's scaling. Only the cropped region is resampled.
 */
export function toModelInput(img: DecodedImage, frame: number, pre: PreprocessOptions, scaling: Scaling): ModelInput {
  if (frame < 0 || frame >= img.frames.length) {
    throw new AnomalyLensError('BAD_ARGUMENT', `frame ${frame} does not exist (the image has ${img.frames.length})`);
  }
  const size = pre.crop;
  const g = cropGeometry(img.width, img.height, pre);
  const tx = buildTaps(img.width, g.scaleX, g.offX, size);
  const ty = buildTaps(img.height, g.scaleY, g.offY, size);
  return { data: resampleInput(img, frame, pre, scaling, tx, ty, size), crop: g.box, size };
}

/** One region of the image (a tile, in original pixels) → backbone input of side `pre.crop`, mapped as toModelInput maps the whole image. */
export function toRegionInput(img: DecodedImage, frame: number, region: CropBox, pre: PreprocessOptions, scaling: Scaling): ModelInput {
  if (frame < 0 || frame >= img.frames.length) {
    throw new AnomalyLensError('BAD_ARGUMENT', `frame ${frame} does not exist (the image has ${img.frames.length})`);
  }
  const size = pre.crop;
  const sx = region.width / size;
  const sy = region.height / size;
  const tx = buildTaps(img.width, sx, region.x / sx, size);
  const ty = buildTaps(img.height, sy, region.y / sy, size);
  return { data: resampleInput(img, frame, pre, scaling, tx, ty, size), crop: { ...region }, size };
}

function resampleInput(img: DecodedImage, frame: number, pre: PreprocessOptions, scaling: Scaling, tx: Taps, ty: Taps, size: number): Float32Array {
  const data = img.frames[frame].data;
  if (data.length < img.width * img.height * img.channels) {
    throw new AnomalyLensError('INTERNAL', `frame ${frame} has ${data.length} samples, ${img.width * img.height * img.channels} expected`);
  }
  const table = lookupTable(data, intensityTransform(img, frame, pre.intensity));
  const colour = img.channels === 1 ? 1 : 3;
  const planes: Float32Array[] = [];
  if (table) {
    for (let c = 0; c < colour; c++) {
      planes.push(resampleStrided(data as ResampleSource, img.width, img.channels, c, table.lut, table.offset, tx, ty));
    }
  } else {
    for (const p of toIntensityPlanes(img, frame, pre.intensity)) planes.push(resamplePlane(p, img.width, tx, ty));
  }
  const area = size * size;
  const out = new Float32Array(3 * area);
  for (let c = 0; c < 3; c++) {
    const src = planes[planes.length === 1 ? 0 : c];
    let mul = 1;
    let add = 0;
    if (scaling === 'symmetric') {
      mul = 2;
      add = -1;
    } else if (scaling === 'imagenet') {
      mul = 1 / IMAGENET_STD[c];
      add = -IMAGENET_MEAN[c] / IMAGENET_STD[c];
    }
    const o = c * area;
    for (let i = 0; i < area; i++) out[o + i] = src[i] * mul + add;
  }
  return out;
}
