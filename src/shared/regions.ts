/**
 * Region geometry in IMAGE pixel coordinates. Pure functions, shared by the webview (editing),
 * the host (annotation store, export) and the CLI.
 *
 * Conventions:
 * - Pixel (x, y) covers [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5).
 * - Polygons are flat [x0, y0, x1, y1, ...] in continuous image coordinates (COCO style).
 *   A pixel belongs to a polygon when its centre is inside (even-odd rule).
 * - Masks are Uint8Array(width * height), row-major, 0 = outside, non-zero = inside.
 * - RLE is COCO's uncompressed RLE: size [height, width], counts of alternating runs starting
 *   with a run of zeros (possibly 0), over the mask in COLUMN-major order. So it can be written
 *   into COCO JSON as is.
 */

export interface RleMask {
  size: [height: number, width: number];
  counts: number[];
}

export interface PolygonRegion {
  kind: 'polygon';
  id: string;
  defectClass: string;
  /** Flat [x0, y0, x1, y1, ...], at least 3 vertices, image pixel coordinates. */
  points: number[];
}

export interface MaskRegion {
  kind: 'mask';
  id: string;
  defectClass: string;
  rle: RleMask;
}

export type Region = PolygonRegion | MaskRegion;

/** Rasterise a polygon: pixels whose centre lies inside (even-odd). ORs 1 into `out` when given. */
export function rasterizePolygon(points: readonly number[], width: number, height: number, out?: Uint8Array): Uint8Array {
  const mask = out ?? new Uint8Array(width * height);
  const n = Math.floor(points.length / 2);
  if (n < 3) return mask;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = points[2 * i + 1];
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const y0 = Math.max(0, Math.floor(minY - 0.5));
  const y1 = Math.min(height - 1, Math.ceil(maxY - 0.5));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const ax = points[2 * j];
      const ay = points[2 * j + 1];
      const bx = points[2 * i];
      const by = points[2 * i + 1];
      // Half-open test so a vertex exactly on the scanline is counted once.
      if (ay <= yc !== by <= yc) xs.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Pixel centres x + 0.5 in [xa, xb).
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width, Math.ceil(xs[k + 1] - 0.5));
      if (to > from) mask.fill(1, y * width + from, y * width + to);
    }
  }
  return mask;
}

/** Shoelace area of a polygon (absolute value, in square pixels). */
export function polygonArea(points: readonly number[]): number {
  const n = Math.floor(points.length / 2);
  let s = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) s += points[2 * j] * points[2 * i + 1] - points[2 * i] * points[2 * j + 1];
  return Math.abs(s) / 2;
}

/** Encode a row-major mask as COCO uncompressed RLE (column-major runs, starting with zeros). */
export function encodeRle(mask: Uint8Array, width: number, height: number): RleMask {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} pixels, expected ${width}x${height}`);
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/** Decode COCO uncompressed RLE into a row-major mask; ORs `value` into `out` when given. */
export function decodeRle(rle: RleMask, out?: Uint8Array, value = 1): Uint8Array {
  const [height, width] = rle.size;
  const total = width * height;
  const mask = out ?? new Uint8Array(total);
  if (mask.length !== total) throw new RangeError(`mask has ${mask.length} pixels, RLE is ${width}x${height}`);
  let pos = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    const run = rle.counts[i];
    if (i % 2 === 1) {
      for (let p = pos; p < pos + run && p < total; p++) {
        const x = Math.floor(p / height);
        const y = p - x * height;
        mask[y * width + x] = value;
      }
    }
    pos += run;
  }
  return mask;
}

/** Foreground pixel count of an RLE mask. */
export function rleArea(rle: RleMask): number {
  let a = 0;
  for (let i = 1; i < rle.counts.length; i += 2) a += rle.counts[i];
  return a;
}

/** Why an RLE mask is not a valid mask of width x height, or undefined when it is. */
export function checkRle(rle: RleMask, width: number, height: number): string | undefined {
  if (rle.size[0] !== height || rle.size[1] !== width) {
    return `RLE size ${rle.size[1]}x${rle.size[0]} does not match the image ${width}x${height}`;
  }
  let sum = 0;
  for (const c of rle.counts) {
    if (!Number.isInteger(c) || c < 0) return `RLE count ${c} is not a non-negative integer`;
    sum += c;
  }
  if (sum !== width * height) return `RLE counts sum to ${sum}, expected ${width * height}`;
  return undefined;
}

/** Why a region does not fit an image of width x height, or undefined when it does. */
export function checkRegionFits(region: Region, width: number, height: number): string | undefined {
  if (region.kind === 'mask') return checkRle(region.rle, width, height);
  const pts = region.points;
  for (let i = 0; i < pts.length; i += 2) {
    const x = pts[i];
    const y = pts[i + 1];
    if (x < 0 || y < 0 || x > width || y > height) return `polygon vertex (${x}, ${y}) lies outside the image ${width}x${height}`;
  }
  return undefined;
}

/** Number of mask pixels set. */
export function maskArea(mask: Uint8Array): number {
  let a = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) a++;
  return a;
}

/** Union of all regions (optionally of one class) as a row-major mask. */
export function regionsToMask(regions: readonly Region[], width: number, height: number, defectClass?: string): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const r of regions) {
    if (defectClass !== undefined && r.defectClass !== defectClass) continue;
    if (r.kind === 'polygon') rasterizePolygon(r.points, width, height, mask);
    else decodeRle(r.rle, mask);
  }
  return mask;
}

/**
 * Paint a brush stroke segment: every pixel whose centre is within `diameter / 2` of the segment
 * (x0, y0)–(x1, y1) gets `value`. Returns the number of pixels whose value changed.
 */
export function paintSegment(
  mask: Uint8Array, width: number, height: number,
  x0: number, y0: number, x1: number, y1: number, diameter: number, value: number,
): number {
  const r = Math.max(0.5, diameter / 2);
  const r2 = r * r;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(x0, x1) + r));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(y0, y1) + r));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  let changed = 0;
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5;
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5;
      let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (x0 + t * dx);
      const ey = py - (y0 + t * dy);
      if (ex * ex + ey * ey <= r2) {
        const i = y * width + x;
        if (mask[i] !== value) {
          mask[i] = value;
          changed++;
        }
      }
    }
  }
  return changed;
}

/** Normalised score: 0.5 at the threshold, clipped to [0, 1] (CalibrationStats.spread). */
export function normalizeScore(raw: number, threshold: number, spread: number): number {
  const s = spread > 0 ? spread : 1;
  const v = 0.5 + (raw - threshold) / (2 * s);
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * Reduce a raw full-resolution score map to normalised scores with the long side ≤ maxSide
 * (box average), for sending to the webview.
 */
export function reduceHeatmap(
  map: Float32Array, width: number, height: number,
  opts: { threshold: number; spread: number; maxSide: number },
): { width: number; height: number; data: Float32Array } {
  const scale = Math.min(1, opts.maxSide / Math.max(width, height));
  const ow = Math.max(1, Math.round(width * scale));
  const oh = Math.max(1, Math.round(height * scale));
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const sy0 = Math.floor((oy * height) / oh);
    const sy1 = Math.max(sy0 + 1, Math.floor(((oy + 1) * height) / oh));
    for (let ox = 0; ox < ow; ox++) {
      const sx0 = Math.floor((ox * width) / ow);
      const sx1 = Math.max(sx0 + 1, Math.floor(((ox + 1) * width) / ow));
      let sum = 0;
      for (let y = sy0; y < sy1; y++) for (let x = sx0; x < sx1; x++) sum += map[y * width + x];
      out[oy * ow + ox] = normalizeScore(sum / ((sy1 - sy0) * (sx1 - sx0)), opts.threshold, opts.spread);
    }
  }
  return { width: ow, height: oh, data: out };
}

/** What the finding of a flagged image says when no pixel reaches the pixel threshold. */
export const GLOBAL_ANOMALY_NOTE = 'global anomaly, no local region';

/** Where a flagged image's anomaly lies: 'local' (regions mark it) or 'global' (an image-level term alone). */
export type AnomalyExtent = 'local' | 'global';

/** The scored facts regions are derived from; the map and pixelThreshold are in map units. */
export interface MapDecision {
  map: ArrayLike<number>;
  width: number;
  height: number;
  /** Image-level threshold (score units). */
  threshold: number;
  /** Pixel threshold calibrated on held-out normal maps (map units); models without one use `threshold`. */
  pixelThreshold?: number;
  anomalous: boolean;
}

/** The colour scale of a heatmap: anchored at the pixel threshold (0.5) when the model has one. */
export function heatScale(s: Pick<MapDecision, 'threshold' | 'pixelThreshold'> & { pixelSpread?: number }, imageSpread: number): { threshold: number; spread: number } {
  return s.pixelThreshold !== undefined ? { threshold: s.pixelThreshold, spread: s.pixelSpread ?? imageSpread } : { threshold: s.threshold, spread: imageSpread };
}

/** The threshold a map pixel is compared with (the pixel threshold when the model has one). */
export const mapThreshold = (s: Pick<MapDecision, 'threshold' | 'pixelThreshold'>): number => s.pixelThreshold ?? s.threshold;

/** Pixels whose map value reaches the pixel threshold, as one mask region (none for a normal image). */
export function predictedRegions(s: MapDecision): Region[] {
  if (!s.anomalous || s.map.length !== s.width * s.height) return [];
  const t = mapThreshold(s);
  const mask = new Uint8Array(s.width * s.height);
  let any = false;
  for (let i = 0; i < mask.length; i++) {
    if (s.map[i] >= t) {
      mask[i] = 1;
      any = true;
    }
  }
  return any ? [{ kind: 'mask', id: 'model-1', defectClass: 'anomaly', rle: encodeRle(mask, s.width, s.height) }] : [];
}

/** The extent of a flagged image's anomaly from how many regions it has; undefined for an image not flagged. */
export function anomalyExtent(anomalous: boolean, regionCount: number): AnomalyExtent | undefined {
  if (!anomalous) return undefined;
  return regionCount > 0 ? 'local' : 'global';
}
