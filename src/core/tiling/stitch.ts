/**
 * Stitches per-tile score grids into one score canvas over the whole image. Each tile's grid is
 * upsampled to its footprint and added with a weight that ramps down across the overlap towards
 * tile edges inside the image, so neighbouring tiles hand over smoothly (no seams) and the
 * zero-padded borders of the backbone's receptive field count least where another tile sees better.
 */
import type { TileGeometry } from '../../shared/model';
import { gaussianBlur, mapToImage, resizeBilinear } from '../image/ops';
import type { TileRegion } from './plan';

/** Weight at a tile's inner edge: small but non-zero, so a pixel any tile covers always has a value. */
export const EDGE_WEIGHT = 0.02;

export interface StitchedCanvas {
  canvas: Float32Array;
  width: number;
  height: number;
  /** Original image pixels per canvas pixel. */
  cell: number;
}

/** Weights along one axis of a footprint of n canvas pixels; `rampLo`/`rampHi` false where the tile edge is the image border. */
export function rampWeights(n: number, ramp: number, rampLo: boolean, rampHi: boolean): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 1;
    if (ramp > 0 && rampLo) v = Math.min(v, (i + 0.5) / ramp);
    if (ramp > 0 && rampHi) v = Math.min(v, (n - i - 0.5) / ramp);
    w[i] = Math.max(EDGE_WEIGHT, Math.min(1, v));
  }
  return w;
}

export class MapStitcher {
  /** Original image pixels per canvas pixel. */
  readonly cell: number;
  readonly width: number;
  readonly height: number;
  private readonly sum: Float32Array;
  private readonly weight: Float32Array;

  /** `canvasPerTile`: canvas pixels across one full tile (the detector's score canvas side). */
  constructor(
    readonly imageW: number,
    readonly imageH: number,
    private readonly geometry: TileGeometry,
    canvasPerTile: number,
  ) {
    this.cell = geometry.tile / canvasPerTile;
    this.width = Math.max(1, Math.ceil(imageW / this.cell));
    this.height = Math.max(1, Math.ceil(imageH / this.cell));
    this.sum = new Float32Array(this.width * this.height);
    this.weight = new Float32Array(this.width * this.height);
  }

  /**
   * Adds one tile's patch-score grid (row-major gridW×gridH). `span` is the fraction of the tile
   * the grid's cells cover, centred: a backbone without padding (Inception) puts its 25 cells of
   * stride 8 over the middle 200 px of a 224-px input, and stretching them over the whole tile
   * would push heat outwards by up to a dozen pixels; the band outside repeats the edge cells.
   */
  add(grid: Float32Array, gridW: number, gridH: number, region: TileRegion, span = 1): void {
    const x0 = Math.min(this.width - 1, Math.round(region.x / this.cell));
    const y0 = Math.min(this.height - 1, Math.round(region.y / this.cell));
    const fw = Math.max(1, Math.min(this.width - x0, Math.round(region.width / this.cell)));
    const fh = Math.max(1, Math.min(this.height - y0, Math.round(region.height / this.cell)));
    const up = span === 1 ? resizeBilinear(grid, gridW, gridH, fw, fh) : sampleSpan(grid, gridW, gridH, fw, fh, span);
    const ramp = this.geometry.overlap / this.cell;
    const wx = rampWeights(fw, ramp, region.x > 0, region.x + region.width < this.imageW);
    const wy = rampWeights(fh, ramp, region.y > 0, region.y + region.height < this.imageH);
    for (let y = 0; y < fh; y++) {
      const o = (y0 + y) * this.width + x0;
      for (let x = 0; x < fw; x++) {
        const w = wx[x] * wy[y];
        this.sum[o + x] += w * up[y * fw + x];
        this.weight[o + x] += w;
      }
    }
  }

  /** The weighted mean of the tiles, blurred by `sigma` canvas pixels; a pixel no footprint reached (rounding at the far edge) takes its neighbour's value. */
  finish(sigma: number): StitchedCanvas {
    const { width: w, height: h } = this;
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (this.weight[i] > 0) out[i] = this.sum[i] / this.weight[i];
        else if (x > 0) out[i] = out[i - 1];
        else if (y > 0) out[i] = out[i - w];
      }
    }
    const canvas = sigma > 0 ? gaussianBlur(out, w, h, sigma) : out;
    return { canvas, width: w, height: h, cell: this.cell };
  }
}

/** Bilinear samples of a grid whose cell centres cover the middle `span` of an outW×outH footprint (edges clamped). */
export function sampleSpan(grid: Float32Array, gridW: number, gridH: number, outW: number, outH: number, span: number): Float32Array {
  const axis = (out: number, n: number) => {
    const i0 = new Int32Array(out);
    const i1 = new Int32Array(out);
    const f = new Float32Array(out);
    const pitch = (out * span) / n;
    const inset = (out * (1 - span)) / 2;
    for (let k = 0; k < out; k++) {
      const g = Math.min(n - 1, Math.max(0, (k + 0.5 - inset) / pitch - 0.5));
      i0[k] = Math.floor(g);
      i1[k] = Math.min(n - 1, i0[k] + 1);
      f[k] = g - i0[k];
    }
    return { i0, i1, f };
  };
  const ax = axis(outW, gridW);
  const ay = axis(outH, gridH);
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const r0 = ay.i0[y] * gridW;
    const r1 = ay.i1[y] * gridW;
    for (let x = 0; x < outW; x++) {
      const top = grid[r0 + ax.i0[x]] + (grid[r0 + ax.i1[x]] - grid[r0 + ax.i0[x]]) * ax.f[x];
      const bottom = grid[r1 + ax.i0[x]] + (grid[r1 + ax.i1[x]] - grid[r1 + ax.i0[x]]) * ax.f[x];
      out[y * outW + x] = top + (bottom - top) * ay.f[y];
    }
  }
  return out;
}

/** The stitched canvas as a map at the original image size. */
export function stitchedToImage(s: StitchedCanvas, imageW: number, imageH: number): Float32Array {
  return mapToImage(s.canvas, s.width, s.height, { x: 0, y: 0, width: s.width * s.cell, height: s.height * s.cell }, imageW, imageH, 0);
}

/**
 * Image score of a stitched canvas: max (topFraction 0), mean (1), or the mean of the hottest
 * pixels covering `topFraction` of ONE tile's canvas, so a small defect weighs the same in a
 * long image as in a single tile (a fraction of the whole canvas would dilute it with length).
 */
export function stitchedImageScore(canvas: Float32Array, topFraction: number, canvasPerTile: number): number {
  if (topFraction <= 0) {
    let m = -Infinity;
    for (const v of canvas) if (v > m) m = v;
    return m;
  }
  if (topFraction >= 1) return canvasMean(canvas);
  const n = Math.min(canvas.length, Math.max(1, Math.round(canvasPerTile * canvasPerTile * topFraction)));
  const sorted = Float32Array.from(canvas).sort();
  let s = 0;
  for (let i = sorted.length - n; i < sorted.length; i++) s += sorted[i];
  return s / n;
}

export function canvasMean(canvas: Float32Array): number {
  let s = 0;
  for (const v of canvas) s += v;
  return s / canvas.length;
}
