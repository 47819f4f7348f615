/** Generated woven textures and helpers shared by the engine's integration tests. */
import assert from 'node:assert/strict';
import { scanSources, type trainDetector } from '../../src/core/engine';
import type { ImageScore, ImageSource } from '../../src/core/api';
import { generateTexture } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';

export const SIZE = 160;
export const fast = { maxEpochs: 8, patience: 3, seed: 3 };
// The pipeline is under test, not the backbone: the fast bundled one keeps the suite short.
export const runtime = { device: 'cpu' as const, threads: 2, backbone: 'mobilenetv2' };

export interface Sample {
  src: ImageSource;
  mask?: Uint8Array;
}

export function sample(name: string, seed: number, defect?: 'scratch' | 'spot' | 'crack'): Sample {
  const img = generateTexture('woven', seed, SIZE, defect);
  const bytes = new Uint8Array(encodeSamplePng(img));
  return { src: { name, read: async () => bytes }, mask: img.mask };
}

export const train = Array.from({ length: 6 }, (_, i) => sample(`train/${i}.png`, 100 + i));
export const good = Array.from({ length: 4 }, (_, i) => sample(`test/good/${i}.png`, 500 + i));
export const bad = (['scratch', 'spot', 'crack'] as const).flatMap((d, j) => [0, 1].map((i) => sample(`test/${d}/${i}.png`, 700 + 10 * j + i, d)));

export async function scanAll(det: Awaited<ReturnType<typeof trainDetector>>, items: Sample[]): Promise<ImageScore[]> {
  const out: ImageScore[] = [];
  for await (const r of scanSources(det, items.map((s) => s.src))) {
    assert.ok(!('error' in r), `unexpected scan failure ${JSON.stringify(r)}`);
    out.push(r as ImageScore);
  }
  return out;
}

/** Probability that a random defect pixel scores above a random clean pixel. */
export function pixelAuroc(map: Float32Array, mask: Uint8Array): number {
  const order = Array.from(map.keys()).sort((a, b) => map[a] - map[b]);
  let pos = 0;
  let rankSum = 0;
  order.forEach((p, rank) => {
    if (mask[p]) {
      pos++;
      rankSum += rank + 1;
    }
  });
  const neg = map.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
