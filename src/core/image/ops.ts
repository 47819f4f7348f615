// Plane operations on Float32 images: antialiased bilinear resampling, Gaussian blur, and
// mapping a patch-score grid back onto the original image.

/** Where the model's crop sits in original image pixels (fractional; used to map scores back). */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Precomputed 1-D resampling taps (triangle filter). When shrinking by a factor s > 1 the
 * filter is widened to s source pixels, which is an area-like prefilter (the same rule as
 * Pillow's and torchvision's antialiased bilinear); when enlarging it is plain bilinear with
 * edge clamping. Output pixel i (of a virtual output of size inSize / scale) is centred at
 * (i + 0.5) * scale in source pixels; only outputs first..first+count-1 are built.
 */
export interface Taps {
  start: Int32Array;
  length: Int32Array;
  weights: Float32Array;
  stride: number;
}

export function buildTaps(inSize: number, scale: number, first: number, count: number): Taps {
  const support = Math.max(scale, 1);
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(count);
  const length = new Int32Array(count);
  const weights = new Float32Array(count * stride);
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    let lo = Math.max(0, Math.floor(center - support + 0.5));
    let hi = Math.min(inSize, Math.floor(center + support + 0.5));
    if (hi <= lo) {
      // Output centre beyond the image: take the nearest edge pixel.
      lo = Math.min(Math.max(Math.floor(center), 0), inSize - 1);
      hi = lo + 1;
    }
    let sum = 0;
    const base = i * stride;
    const n = Math.min(hi - lo, stride);
    for (let k = 0; k < n; k++) {
      const w = Math.max(0, 1 - Math.abs((lo + k + 0.5 - center) / support));
      weights[base + k] = w;
      sum += w;
    }
    if (sum > 0) for (let k = 0; k < n; k++) weights[base + k] /= sum;
    else weights[base] = 1;
    start[i] = lo;
    length[i] = n;
  }
  return { start, length, weights, stride };
}

/** Samples the resampler can read directly (interleaved, optionally through a lookup table). */
export type ResampleSource = Float32Array | Uint8Array | Uint16Array | Int16Array;

/**
 * Separable resampling with precomputed taps. Reads channel `first` of a source with `step`
 * samples per pixel; when `lut` is given every sample goes through lut[value + lutOffset] first
 * (so intensity mapping and de-interleaving cost nothing extra). The horizontal pass only covers
 * the rows the vertical taps need.
 */
export function resampleStrided(
  src: ResampleSource,
  w: number,
  step: number,
  first: number,
  lut: Float32Array | null,
  lutOffset: number,
  tx: Taps,
  ty: Taps,
): Float32Array {
  const outW = tx.start.length;
  const outH = ty.start.length;
  let rowLo = Infinity;
  let rowHi = -Infinity;
  for (let j = 0; j < outH; j++) {
    rowLo = Math.min(rowLo, ty.start[j]);
    rowHi = Math.max(rowHi, ty.start[j] + ty.length[j]);
  }
  const rows = rowHi - rowLo;
  const tmp = new Float32Array(rows * outW);
  const { start: xs, length: xl, weights: xw, stride: xst } = tx;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowLo + r) * w;
    const dstRow = r * outW;
    for (let i = 0; i < outW; i++) {
      let s = (srcRow + xs[i]) * step + first;
      const wb = i * xst;
      const n = xl[i];
      let acc = 0;
      if (lut) for (let k = 0; k < n; k++, s += step) acc += lut[src[s] + lutOffset] * xw[wb + k];
      else for (let k = 0; k < n; k++, s += step) acc += src[s] * xw[wb + k];
      tmp[dstRow + i] = acc;
    }
  }
  const dst = new Float32Array(outW * outH);
  const { start: ys, length: yl, weights: yw, stride: yst } = ty;
  for (let j = 0; j < outH; j++) {
    const dstRow = j * outW;
    const wb = j * yst;
    const n = yl[j];
    const r0 = ys[j] - rowLo;
    // Accumulate whole rows: the inner loop runs contiguously over x.
    for (let k = 0; k < n; k++) {
      const wk = yw[wb + k];
      const t = (r0 + k) * outW;
      if (k === 0) for (let i = 0; i < outW; i++) dst[dstRow + i] = tmp[t + i] * wk;
      else for (let i = 0; i < outW; i++) dst[dstRow + i] += tmp[t + i] * wk;
    }
  }
  return dst;
}

/** Separable resampling of one row-major Float32 plane with precomputed taps. */
export function resamplePlane(src: Float32Array, w: number, tx: Taps, ty: Taps): Float32Array {
  return resampleStrided(src, w, 1, 0, null, 0, tx, ty);
}

/** Plain bilinear enlargement (half-pixel centres, clamped edges), the fast path of resizeBilinear. */
function enlargeBilinear(plane: Float32Array, w: number, h: number, outW: number, outH: number): Float32Array {
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  const fx = new Float32Array(outW);
  for (let i = 0; i < outW; i++) {
    const u = Math.min(Math.max((i + 0.5) * (w / outW) - 0.5, 0), w - 1);
    x0[i] = Math.floor(u);
    x1[i] = Math.min(x0[i] + 1, w - 1);
    fx[i] = u - x0[i];
  }
  const out = new Float32Array(outW * outH);
  const rowA = new Float32Array(outW);
  const rowB = new Float32Array(outW);
  let cachedA = -1;
  let cachedB = -1;
  const fill = (row: Float32Array, y: number) => {
    const o = y * w;
    for (let i = 0; i < outW; i++) {
      const a = plane[o + x0[i]];
      row[i] = a + (plane[o + x1[i]] - a) * fx[i];
    }
  };
  for (let j = 0; j < outH; j++) {
    const v = Math.min(Math.max((j + 0.5) * (h / outH) - 0.5, 0), h - 1);
    const y0 = Math.floor(v);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = v - y0;
    // Interpolated source rows are reused across the many output rows between them.
    if (cachedA !== y0) {
      if (cachedB === y0) rowA.set(rowB);
      else fill(rowA, y0);
      cachedA = y0;
    }
    if (cachedB !== y1) {
      fill(rowB, y1);
      cachedB = y1;
    }
    const o = j * outW;
    for (let i = 0; i < outW; i++) out[o + i] = rowA[i] + (rowB[i] - rowA[i]) * fy;
  }
  return out;
}

/** Bilinear resize of a row-major plane; antialiased (area-like prefilter) when shrinking. */
export function resizeBilinear(plane: Float32Array, w: number, h: number, outW: number, outH: number): Float32Array {
  if (outW === w && outH === h) return plane.slice();
  if (outW >= w && outH >= h) return enlargeBilinear(plane, w, h, outW, outH);
  return resamplePlane(plane, w, buildTaps(w, w / outW, 0, outW), buildTaps(h, h / outH, 0, outH));
}

/** Normalised Gaussian taps, radius ⌈3σ⌉ (shared with the ONNX export so both blur alike). */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable Gaussian blur with clamped borders; sigma in pixels (sigma <= 0 returns a copy). */
export function gaussianBlur(plane: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return plane.slice();
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const taps = k.length;
  const tmp = new Float32Array(w * h);
  // Horizontal: each row is copied with r clamped samples per side, so the inner loop has no branches.
  const line = new Float32Array(w + 2 * r);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let i = 0; i < w + 2 * r; i++) line[i] = plane[o + Math.min(Math.max(i - r, 0), w - 1)];
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let t = 0; t < taps; t++) acc += line[x + t] * k[t];
      tmp[o + x] = acc;
    }
  }
  // Vertical: accumulate whole (clamped) rows, contiguous in memory.
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let t = 0; t < taps; t++) {
      const src = Math.min(Math.max(y + t - r, 0), h - 1) * w;
      const kt = k[t];
      for (let x = 0; x < w; x++) out[o + x] += tmp[src + x] * kt;
    }
  }
  return out;
}

/** Long side of the working resolution used by mapToImage before the final upsample. */
export const MAP_WORK_SIDE = 512;

/** Grid coordinate (in cell units, clamped) and interpolation weights for each output pixel. */
function gridAxis(n: number, scale: number, cropStart: number, cropSize: number, grid: number) {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const imageCoord = (i + 0.5) * scale;
    let u = ((imageCoord - cropStart) / cropSize) * grid - 0.5;
    u = Math.min(Math.max(u, 0), grid - 1);
    const a = Math.floor(u);
    i0[i] = a;
    i1[i] = Math.min(a + 1, grid - 1);
    f[i] = u - a;
  }
  return { i0, i1, f };
}

/**
 * Puts a gridW×gridH patch-score map back into original image coordinates: the grid covers the
 * crop box (cell centres at crop.x + (i + 0.5) · crop.width / gridW), is bilinearly interpolated,
 * pixels outside the crop take the nearest edge value, and the result is Gaussian-blurred with
 * `blurSigmaPx` (in original image pixels).
 *
 * Speed: for images larger than MAP_WORK_SIDE the interpolation and blur run at a reduced
 * resolution (long side MAP_WORK_SIDE, sigma scaled to match) and the result is bilinearly
 * upsampled. The map is a smooth function of a ~28×28 grid, so this loses nothing visible, and a
 * large map costs mostly the writing of its full-size output rather than a full-resolution blur
 * with a sigma of tens of pixels.
 */
export function mapToImage(
  patchMap: Float32Array,
  gridW: number,
  gridH: number,
  crop: CropBox,
  imageW: number,
  imageH: number,
  blurSigmaPx: number,
): Float32Array {
  if (patchMap.length < gridW * gridH) throw new RangeError(`patch map has ${patchMap.length} values, grid needs ${gridW * gridH}`);
  const s = Math.min(1, MAP_WORK_SIDE / Math.max(imageW, imageH));
  const workW = Math.max(1, Math.round(imageW * s));
  const workH = Math.max(1, Math.round(imageH * s));
  const ax = gridAxis(workW, imageW / workW, crop.x, crop.width, gridW);
  const ay = gridAxis(workH, imageH / workH, crop.y, crop.height, gridH);
  const work = new Float32Array(workW * workH);
  for (let y = 0; y < workH; y++) {
    const r0 = ay.i0[y] * gridW;
    const r1 = ay.i1[y] * gridW;
    const fy = ay.f[y];
    const o = y * workW;
    for (let x = 0; x < workW; x++) {
      const a = ax.i0[x];
      const b = ax.i1[x];
      const fx = ax.f[x];
      const top = patchMap[r0 + a] + (patchMap[r0 + b] - patchMap[r0 + a]) * fx;
      const bottom = patchMap[r1 + a] + (patchMap[r1 + b] - patchMap[r1 + a]) * fx;
      work[o + x] = top + (bottom - top) * fy;
    }
  }
  const blurred = gaussianBlur(work, workW, workH, blurSigmaPx * (workW / imageW));
  if (workW === imageW && workH === imageH) return blurred;
  return resizeBilinear(blurred, workW, workH, imageW, imageH);
}
