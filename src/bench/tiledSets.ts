/**
 * Generated sets for large and elongated images: a woven line-scan texture (4096×256 by
 * default) with defects a few pixels wide (knots, broken yarns, neps), and a large square
 * texture with one small defect per anomalous image. Each image comes with its pixel mask;
 * everything is seeded, so a run regenerates the same pixels.
 */
import type { DecodedImage } from '../shared/image';
import { gaussian, rngFor, type RandomSource } from '../core/rng';

export type TiledDefect = 'knot' | 'broken-yarn' | 'nep';
export const TILED_DEFECTS: readonly TiledDefect[] = ['knot', 'broken-yarn', 'nep'];

export interface GeneratedImage {
  name: string;
  label: 0 | 1;
  type: 'good' | TiledDefect;
  image: DecodedImage;
  /** 1 = defect pixel (anomalous images only). */
  mask?: Uint8Array;
}

export interface GeneratedSet {
  id: string;
  width: number;
  height: number;
  train: GeneratedImage[];
  test: GeneratedImage[];
}

export interface TiledSetOptions {
  seed?: number;
  width: number;
  height: number;
  train: number;
  testGood: number;
  testBad: number;
  /** Defects per anomalous image. */
  defectsPerImage: number;
  /** Defect kinds, taken in turn (default: all). */
  defects?: readonly TiledDefect[];
}

export function grayImage(width: number, height: number, data: Uint8Array): DecodedImage {
  return {
    format: 'png',
    width,
    height,
    channels: 1,
    bitDepth: 8,
    frameCount: 1,
    frames: [{ data }],
    rescale: { slope: 1, intercept: 0 },
    windows: [{ center: 127.5, width: 255 }],
    invert: false,
    meta: {},
  } as DecodedImage;
}

/** Woven texture: a plain weave (warp and weft of slightly varying pitch), yarn noise and slow shading along the web. */
function weave(width: number, height: number, rng: RandomSource): Float32Array {
  const out = new Float32Array(width * height);
  const pitch = 7 + rng() * 0.4;
  const phaseX = rng() * pitch;
  const phaseY = rng() * pitch;
  const waves = Array.from({ length: 4 }, () => ({ f: (rng() * 3 + 0.5) / width, p: rng() * 6.28, a: 0.02 + rng() * 0.02 }));
  const shade = Float32Array.from({ length: width }, (_, x) => waves.reduce((s, h) => s + h.a * Math.sin(2 * Math.PI * h.f * x + h.p), 0));
  const warpAt = Float32Array.from({ length: width }, (_, x) => Math.abs(Math.sin((Math.PI * (x + phaseX)) / pitch)));
  const colAt = Int32Array.from({ length: width }, (_, x) => Math.floor((x + phaseX) / pitch));
  for (let y = 0; y < height; y++) {
    const weft = Math.abs(Math.sin((Math.PI * (y + phaseY)) / pitch));
    const row = Math.floor((y + phaseY) / pitch);
    for (let x = 0; x < width; x++) {
      const warpOnTop = (colAt[x] + row) % 2 === 0;
      const s = 0.3 + 0.4 * (warpOnTop ? warpAt[x] : weft) + 0.05 * (rng() + rng() - 1);
      out[y * width + x] = s + shade[x];
    }
  }
  return out;
}

/** Paints one defect (a few pixels wide) away from the border; marks it in the mask. */
function paintDefect(plane: Float32Array, mask: Uint8Array, width: number, height: number, kind: TiledDefect, rng: RandomSource): void {
  const margin = 16;
  const cx = margin + Math.floor(rng() * (width - 2 * margin));
  const cy = margin + Math.floor(rng() * (height - 2 * margin));
  const put = (x: number, y: number, v: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    plane[y * width + x] = v;
    mask[y * width + x] = 1;
  };
  if (kind === 'knot' || kind === 'nep') {
    const r = kind === 'knot' ? 4 + rng() * 3 : 2.5 + rng() * 1.5;
    const level = kind === 'knot' ? 0.12 : 0.92;
    for (let y = Math.floor(cy - r); y <= cy + r; y++) {
      for (let x = Math.floor(cx - r); x <= cx + r; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) put(x, y, level + 0.04 * gaussian(rng));
    }
    return;
  }
  // A broken yarn: a thin light streak along the weft, 2 px thick, 24–64 px long.
  const len = 24 + Math.floor(rng() * 40);
  for (let x = cx - (len >> 1); x < cx + (len >> 1); x++) for (let t = 0; t < 2; t++) put(x, cy + t, 0.85 + 0.04 * gaussian(rng));
}

function toBytes(plane: Float32Array): Uint8Array {
  const out = new Uint8Array(plane.length);
  for (let i = 0; i < plane.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(plane[i] * 255)));
  return out;
}

function generateOne(o: TiledSetOptions, name: string, type: GeneratedImage['type'], seed: number): GeneratedImage {
  const rng = rngFor(seed, name);
  const plane = weave(o.width, o.height, rng);
  if (type === 'good') return { name, label: 0, type, image: grayImage(o.width, o.height, toBytes(plane)) };
  const mask = new Uint8Array(o.width * o.height);
  for (let d = 0; d < o.defectsPerImage; d++) paintDefect(plane, mask, o.width, o.height, type, rng);
  return { name, label: 1, type, image: grayImage(o.width, o.height, toBytes(plane)), mask };
}

export function generateTiledSet(id: string, o: TiledSetOptions): GeneratedSet {
  const seed = o.seed ?? 0;
  const train = Array.from({ length: o.train }, (_, i) => generateOne(o, `train/good/${i}`, 'good', seed));
  const test: GeneratedImage[] = [];
  for (let i = 0; i < o.testGood; i++) test.push(generateOne(o, `test/good/${i}`, 'good', seed));
  for (let i = 0; i < o.testBad; i++) {
    const kinds = o.defects ?? TILED_DEFECTS;
    const type = kinds[i % kinds.length];
    test.push(generateOne(o, `test/${type}/${i}`, type, seed));
  }
  return { id, width: o.width, height: o.height, train, test };
}

/** A line-scan web: 4096×256, three defects a few pixels wide per anomalous image. */
export function elongatedSet(scale = 1): GeneratedSet {
  const width = Math.round(4096 * scale);
  return generateTiledSet(`elongated-${width}x256`, { width, height: 256, train: 4, testGood: 6, testBad: 9, defectsPerImage: 3 });
}

/** A large square texture with one small defect per anomalous image. */
export function largeSet(side = 2048): GeneratedSet {
  return generateTiledSet(`large-${side}`, { width: side, height: side, train: 3, testGood: 4, testBad: 6, defectsPerImage: 1 });
}

/** The set with only its first `perLabel` normal and first `perLabel` anomalous test images (defect kinds still in turn). */
export function withFewerTests(set: GeneratedSet, perLabel: number): GeneratedSet {
  const good = set.test.filter((t) => t.label === 0).slice(0, perLabel);
  const bad = set.test.filter((t) => t.label === 1).slice(0, perLabel);
  return { ...set, test: [...good, ...bad] };
}

/** The mask grown by `r` pixels (a square neighbourhood), by separable running maxima. */
export function dilateMask(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    // Distance to the nearest set pixel on the left, then on the right.
    let next = Infinity;
    const o = y * width;
    const left = new Float64Array(width);
    let last = -Infinity;
    for (let x = 0; x < width; x++) {
      if (mask[o + x]) last = x;
      left[x] = x - last;
    }
    for (let x = width - 1; x >= 0; x--) {
      if (mask[o + x]) next = x;
      if (Math.min(left[x], next - x) <= r) rows[o + x] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    const up = new Float64Array(height);
    for (let y = 0; y < height; y++) {
      if (rows[y * width + x]) last = y;
      up[y] = y - last;
    }
    let next = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (rows[y * width + x]) next = y;
      if (Math.min(up[y], next - y) <= r) out[y * width + x] = 1;
    }
  }
  return out;
}

/**
 * Heat hit: the hottest area of the map touches a defect. The hottest area is the connected
 * region around the map's maximum whose values lie within 10 % of (max − mean) of the maximum;
 * touching allows `tolerance` pixels, as the map is a blurred patch grid.
 */
export function heatHit(map: Float32Array, mask: Uint8Array, width: number, height: number, tolerance = 8): boolean {
  let best = 0;
  let sum = 0;
  for (let i = 0; i < map.length; i++) {
    sum += map[i];
    if (map[i] > map[best]) best = i;
  }
  const threshold = map[best] - 0.1 * (map[best] - sum / map.length);
  const near = dilateMask(mask, width, height, tolerance);
  const seen = new Uint8Array(map.length);
  const stack = [best];
  seen[best] = 1;
  while (stack.length) {
    const i = stack.pop()!;
    if (near[i]) return true;
    const x = i % width;
    for (const j of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width]) {
      if (j >= 0 && j < map.length && !seen[j] && map[j] >= threshold) {
        seen[j] = 1;
        stack.push(j);
      }
    }
  }
  return false;
}
