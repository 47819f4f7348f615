/**
 * Generated benchmark sets that exercise image geometry: non-square images (landscape, strip),
 * plain and textured backgrounds, and defects placed at borders and corners as often as in the
 * interior. Written in the MVTec layout with pixel masks, so the benchmark reads them like any set.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gaussian, rngFor, type RandomSource } from '../core/rng';
import { encodeMaskPng, encodeSamplePng } from '../core/samples/write';

export type Background = 'plain' | 'textured';
/** Where a defect sits: anywhere inside, touching an edge, or in a corner. */
export type Placement = 'interior' | 'edge' | 'corner';

export interface GeometrySpec {
  id: string;
  width: number;
  height: number;
  background: Background;
  train: number;
  testGood: number;
  testDefect: number;
}

/** The sets the benchmark generates (small: extraction on two shared cores is the budget). */
export const GEOMETRY_SETS: readonly GeometrySpec[] = [
  { id: 'gen-plain-800x600', width: 800, height: 600, background: 'plain', train: 40, testGood: 20, testDefect: 24 },
  { id: 'gen-textured-1024x256', width: 1024, height: 256, background: 'textured', train: 40, testGood: 20, testDefect: 24 },
];

export interface GeneratedImage {
  width: number;
  height: number;
  /** Gray, 8-bit. */
  data: Uint8Array;
  /** 0/255 per pixel, only for defective images. */
  mask?: Uint8Array;
  placement?: Placement;
}

/** Background intensity at (x, y) for one image: the same statistics everywhere, so no position is special. */
function paintBackground(spec: Pick<GeometrySpec, 'width' | 'height' | 'background'>, rng: RandomSource): Float32Array {
  const { width: w, height: h } = spec;
  const px = new Float32Array(w * h);
  const phase = [rng() * 2 * Math.PI, rng() * 2 * Math.PI, rng() * 2 * Math.PI];
  // A faint global illumination tilt that varies between images (as lighting does).
  const tiltX = (rng() - 0.5) * 6;
  const tiltY = (rng() - 0.5) * 6;
  const base = 120 + (rng() - 0.5) * 6;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = base + tiltX * (x / w - 0.5) + tiltY * (y / h - 0.5);
      if (spec.background === 'textured') {
        v += 14 * Math.sin((x * 2 * Math.PI) / 16 + phase[0]) * Math.sin((y * 2 * Math.PI) / 16 + phase[1]);
        v += 6 * Math.sin((x + y) * 0.09 + phase[2]);
      }
      px[y * w + x] = v + 4 * gaussian(rng);
    }
  }
  return px;
}

/** Centre of a defect of radius r for a placement: edge and corner defects touch the image border. */
export function defectCentre(w: number, h: number, r: number, placement: Placement, rng: RandomSource): [number, number] {
  if (placement === 'interior') return [w * (0.2 + 0.6 * rng()), h * (0.2 + 0.6 * rng())];
  if (placement === 'corner') {
    const right = rng() < 0.5;
    const bottom = rng() < 0.5;
    const inset = r * (0.3 + 0.5 * rng());
    return [right ? w - 1 - inset : inset, bottom ? h - 1 - inset : inset];
  }
  const side = Math.floor(rng() * 4);
  const inset = r * (0.3 + 0.5 * rng());
  const along = 0.15 + 0.7 * rng();
  if (side === 0) return [w * along, inset];
  if (side === 1) return [w * along, h - 1 - inset];
  if (side === 2) return [inset, h * along];
  return [w - 1 - inset, h * along];
}

function paintDefect(px: Float32Array, mask: Uint8Array, w: number, h: number, placement: Placement, rng: RandomSource): void {
  const s = Math.min(w, h);
  const r = s * (0.05 + 0.04 * rng());
  const [cx, cy] = defectCentre(w, h, r, placement, rng);
  const dark = rng() < 0.5;
  const target = dark ? 45 : 215;
  // An elongated blob (a stain or dent) so shapes differ from the texture's period.
  const ang = rng() * Math.PI;
  const ax = r * (1 + rng());
  const ay = r * (0.5 + 0.5 * rng());
  const c = Math.cos(ang);
  const sn = Math.sin(ang);
  const reach = Math.ceil(Math.max(ax, ay)) + 2;
  for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(h - 1, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(w - 1, Math.ceil(cx + reach)); x++) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * c + dy * sn) / ax;
      const v = (-dx * sn + dy * c) / ay;
      const d = Math.sqrt(u * u + v * v);
      if (d > 1) continue;
      const a = Math.min(1, (1 - d) * 3) * 0.85;
      const i = y * w + x;
      px[i] = px[i] * (1 - a) + target * a;
      if (a > 0.25) mask[i] = 255;
    }
  }
}

/** One image of a set, deterministic for (spec, seed, placement). */
export function generateGeometryImage(spec: Pick<GeometrySpec, 'width' | 'height' | 'background'>, seed: number, placement?: Placement): GeneratedImage {
  const rng = rngFor(seed, `geometry:${spec.background}:${spec.width}x${spec.height}:${placement ?? 'good'}`);
  const px = paintBackground(spec, rng);
  let mask: Uint8Array | undefined;
  if (placement) {
    mask = new Uint8Array(spec.width * spec.height);
    paintDefect(px, mask, spec.width, spec.height, placement, rng);
  }
  const data = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(px[i])));
  return { width: spec.width, height: spec.height, data, mask, placement };
}

const PLACEMENTS: readonly Placement[] = ['interior', 'edge', 'corner'];
const pad = (i: number): string => String(i).padStart(3, '0');

async function writeOnce(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, file);
}

/**
 * Writes a set in the MVTec layout under root/<id> (test types: interior, edge, corner) unless a
 * complete copy is there already (marked by a stamp file naming the spec); returns its folder.
 */
export async function writeGeometrySet(root: string, spec: GeometrySpec): Promise<string> {
  const dir = path.join(root, spec.id);
  const stamp = path.join(dir, '.complete');
  const want = JSON.stringify(spec);
  if ((await fs.readFile(stamp, 'utf8').catch(() => '')) === want) return dir;
  await fs.rm(dir, { recursive: true, force: true });
  const png = (img: GeneratedImage) => encodeSamplePng({ width: img.width, height: img.height, channels: 1, data: img.data });
  for (let i = 0; i < spec.train; i++) await writeOnce(path.join(dir, 'train', 'good', `${pad(i)}.png`), png(generateGeometryImage(spec, i)));
  for (let i = 0; i < spec.testGood; i++) await writeOnce(path.join(dir, 'test', 'good', `${pad(i)}.png`), png(generateGeometryImage(spec, 1000 + i)));
  for (let i = 0; i < spec.testDefect; i++) {
    const placement = PLACEMENTS[i % PLACEMENTS.length];
    const img = generateGeometryImage(spec, 2000 + i, placement);
    await writeOnce(path.join(dir, 'test', placement, `${pad(i)}.png`), png(img));
    await writeOnce(path.join(dir, 'ground_truth', placement, `${pad(i)}_mask.png`), encodeMaskPng(img.mask as Uint8Array, img.width, img.height));
  }
  await writeOnce(stamp, new TextEncoder().encode(want));
  return dir;
}
