import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainDetector } from '../../src/core/engine';
import type { ImageScore, ImageSource } from '../../src/core/api';
import { generateGeometryImage, type GeometrySpec } from '../../src/bench/geometrySets';
import { encodeSamplePng } from '../../src/core/samples/write';
import { argmax } from '../../src/bench/localisation';

// Plain-background normals of non-square shapes: any heat that gathers at the borders or corners of
// their maps comes from the pipeline, not from the images.
const runtime = { device: 'cpu' as const, threads: 2, backbone: 'inceptionv3-int8' };

function source(spec: Pick<GeometrySpec, 'width' | 'height' | 'background'>, seed: number): ImageSource {
  const g = generateGeometryImage(spec, seed);
  const bytes = new Uint8Array(encodeSamplePng({ width: g.width, height: g.height, channels: 1, data: g.data }));
  return { name: `${spec.width}x${spec.height}/${seed}.png`, read: async () => bytes };
}

/** Mean of the map over the four corner squares (`frac` of each side) relative to the mean of the whole map. */
function cornerExcess(s: ImageScore, frac = 0.02): number {
  const { map, width: w, height: h } = s;
  const cw = Math.max(1, Math.round(w * frac));
  const ch = Math.max(1, Math.round(h * frac));
  let corner = 0;
  let n = 0;
  let all = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = map[y * w + x];
      all += v;
      if ((x < cw || x >= w - cw) && (y < ch || y >= h - ch)) {
        corner += v;
        n++;
      }
    }
  }
  return corner / n / (all / map.length);
}

function inCorner(s: ImageScore, frac = 0.1): boolean {
  const p = argmax(s.map);
  const x = p % s.width;
  const y = Math.floor(p / s.width);
  const nearX = x < s.width * frac || x >= s.width * (1 - frac);
  const nearY = y < s.height * frac || y >= s.height * (1 - frac);
  return nearX && nearY;
}

async function scoreNormals(spec: Pick<GeometrySpec, 'width' | 'height' | 'background'>, edgeCorrection: boolean): Promise<ImageScore[]> {
  const train = Array.from({ length: 24 }, (_, i) => source(spec, i));
  const det = await trainDetector(train, { ...runtime, method: { augment: false, edgeCorrection, seed: 1 } });
  try {
    const out: ImageScore[] = [];
    for (let i = 0; i < 6; i++) out.push(await det.scoreSource(source(spec, 1000 + i)));
    return out;
  } finally {
    await det.release();
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

for (const spec of [
  { width: 400, height: 300, background: 'plain' as const },
  { width: 512, height: 128, background: 'plain' as const },
]) {
  test(`normal ${spec.width}×${spec.height} plain images have no hot spot at their corners`, { timeout: 300_000 }, async () => {
    const corrected = await scoreNormals(spec, true);
    const raw = await scoreNormals(spec, false);
    const excess = mean(corrected.map((s) => cornerExcess(s)));
    const before = mean(raw.map((s) => cornerExcess(s)));
    // Uncorrected, the corners of these maps run 3–6 % above the map's mean.
    assert.ok(excess < 1, `corner heat ${excess.toFixed(3)}× the map mean (uncorrected ${before.toFixed(3)}×)`);
    assert.ok(excess < before, `the correction lowers corner heat (${excess.toFixed(3)} vs ${before.toFixed(3)})`);
    assert.equal(corrected.filter((s) => inCorner(s)).length, 0, 'no normal map is hottest in a corner');
  });
}
