/**
 * Seeded texture images with synthetic defects (scratches, spots, cracks) and their pixel masks.
 * Used by the demo, the speed benchmark and tests; never meant to look like a real product,
 * only to be statistically stable between normal images and locally broken in defective ones.
 */
import { gaussian, rngFor, type RandomSource as Rng } from '../rng';

export type TextureKind = 'woven' | 'brushed' | 'granite';
export type DefectKind = 'scratch' | 'spot' | 'crack';
export const TEXTURE_KINDS: readonly TextureKind[] = ['woven', 'brushed', 'granite'];
export const DEFECT_KINDS: readonly DefectKind[] = ['scratch', 'spot', 'crack'];

/** An 8-bit generated image; `mask` (0/255, one byte per pixel) marks defect pixels. */
export interface SampleImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
  mask?: Uint8Array;
  defect?: DefectKind;
}

const BASE: Record<TextureKind, [number, number, number]> = {
  woven: [150, 140, 120],
  brushed: [160, 165, 170],
  granite: [120, 110, 105],
};

/** Float RGB canvas in 0..255 the generators draw into before quantising. */
class Canvas {
  readonly px: Float32Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.px = new Float32Array(w * h * 3);
  }
  blend(x: number, y: number, rgb: readonly number[], a: number): void {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h || a <= 0) return;
    const i = (y * this.w + x) * 3;
    for (let c = 0; c < 3; c++) this.px[i + c] = this.px[i + c] * (1 - a) + rgb[c] * a;
  }
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.px.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(this.px[i])));
    return out;
  }
}

function paintTexture(cv: Canvas, kind: TextureKind, rng: Rng): void {
  const { w, h } = cv;
  const base = BASE[kind];
  // Random phases only: every image of a kind shares frequencies, so normals look alike.
  const ph = Array.from({ length: 6 }, () => rng() * Math.PI * 2);
  const rowNoise = Float32Array.from({ length: h }, () => gaussian(rng));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      if (kind === 'woven') {
        const a = Math.sin((x * 2 * Math.PI) / 12 + ph[0]);
        const b = Math.sin((y * 2 * Math.PI) / 12 + ph[1]);
        v = 18 * (((Math.floor(x / 12) + Math.floor(y / 12)) & 1) ? a : b);
      } else if (kind === 'brushed') {
        const r0 = rowNoise[y];
        const r1 = rowNoise[Math.min(h - 1, y + 1)];
        v = 10 * (r0 + r1) + 6 * Math.sin((y * 2 * Math.PI) / 37 + ph[2]);
      } else {
        v =
          12 * Math.sin(x * 0.11 + y * 0.07 + ph[3]) +
          10 * Math.sin(x * -0.05 + y * 0.13 + ph[4]) +
          8 * Math.sin(x * 0.19 - y * 0.17 + ph[5]);
      }
      const n = 7 * gaussian(rng);
      const i = (y * w + x) * 3;
      cv.px[i] = base[0] + v + n;
      cv.px[i + 1] = base[1] + v + n;
      cv.px[i + 2] = base[2] + v + n;
    }
  }
}

/** Stamps a soft disc onto the canvas and the mask. */
function stamp(cv: Canvas, mask: Uint8Array, cx: number, cy: number, r: number, rgb: readonly number[], alpha: number): void {
  const x0 = Math.floor(cx - r - 1);
  const y0 = Math.floor(cy - r - 1);
  for (let y = y0; y <= cy + r + 1; y++) {
    for (let x = x0; x <= cx + r + 1; x++) {
      const d = Math.hypot(x - cx, y - cy);
      if (d > r || x < 0 || y < 0 || x >= cv.w || y >= cv.h) continue;
      const a = alpha * Math.min(1, (r - d) / Math.max(0.75, r * 0.3) + 0.3);
      cv.blend(x, y, rgb, a);
      if (a > 0.25) mask[y * cv.w + x] = 255;
    }
  }
}

function paintDefect(cv: Canvas, mask: Uint8Array, kind: DefectKind, rng: Rng): void {
  const { w, h } = cv;
  const s = Math.min(w, h);
  const cx = w * (0.25 + 0.5 * rng());
  const cy = h * (0.25 + 0.5 * rng());
  if (kind === 'spot') {
    const r = s * (0.04 + 0.04 * rng());
    const dark = rng() < 0.5;
    stamp(cv, mask, cx, cy, r, dark ? [40, 30, 25] : [235, 225, 200], 0.85);
  } else if (kind === 'scratch') {
    // A long, thin, slightly curved bright line.
    const len = s * (0.3 + 0.25 * rng());
    let ang = rng() * Math.PI;
    const bend = (rng() - 0.5) * 0.01;
    let x = cx - (Math.cos(ang) * len) / 2;
    let y = cy - (Math.sin(ang) * len) / 2;
    for (let t = 0; t < len; t += 0.5) {
      stamp(cv, mask, x, y, Math.max(1.2, s * 0.006), [245, 245, 240], 0.9);
      x += Math.cos(ang) * 0.5;
      y += Math.sin(ang) * 0.5;
      ang += bend;
    }
  } else {
    // A dark random-walk crack with one branch.
    const walk = (x: number, y: number, ang: number, len: number, width: number): void => {
      for (let t = 0; t < len; t += 0.75) {
        stamp(cv, mask, x, y, width, [25, 20, 20], 0.9);
        ang += (rng() - 0.5) * 0.35;
        x += Math.cos(ang) * 0.75;
        y += Math.sin(ang) * 0.75;
      }
    };
    const ang = rng() * Math.PI * 2;
    const len = s * (0.2 + 0.15 * rng());
    walk(cx, cy, ang, len, Math.max(1, s * 0.005));
    walk(cx, cy, ang + Math.PI * (0.6 + 0.3 * rng()), len * 0.6, Math.max(0.8, s * 0.004));
  }
}

/** One texture image, deterministic for (kind, seed, size, defect). */
export function generateTexture(kind: TextureKind, seed: number, size = 256, defect?: DefectKind): SampleImage {
  const rng = rngFor(seed, `texture:${kind}:${defect ?? 'good'}:${size}`);
  const cv = new Canvas(size, size);
  paintTexture(cv, kind, rng);
  const mask = new Uint8Array(size * size);
  if (defect) paintDefect(cv, mask, defect, rng);
  return { width: size, height: size, channels: 3, data: cv.toBytes(), mask: defect ? mask : undefined, defect };
}
