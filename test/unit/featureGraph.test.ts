import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { adaptivePoolMatrix, buildFeatureGraph } from '../../src/core/method/featureGraph';
import { createSession } from '../../src/core/onnx/runtime';
import { Rng } from '../../src/core/rng';

type Map3 = number[][][]; // [C][H][W]

function fromNchw(data: Float32Array, C: number, H: number, W: number): Map3 {
  return Array.from({ length: C }, (_, c) => Array.from({ length: H }, (_, y) => Array.from({ length: W }, (_, x) => data[(c * H + y) * W + x])));
}

const poolChannels = (m: Map3, f: number): Map3 =>
  Array.from({ length: m.length / f }, (_, c) => m[0].map((row, y) => row.map((_, x) => m.slice(c * f, c * f + f).reduce((s, ch) => s + ch[y][x], 0) / f)));

const avg3x3 = (m: Map3): Map3 =>
  m.map((ch) =>
    ch.map((row, y) =>
      row.map((_, x) => {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < ch.length && xx >= 0 && xx < row.length) {
              s += ch[yy][xx];
              n++;
            }
          }
        return s / n;
      }),
    ),
  );

/** Bilinear resize with half-pixel centres and clamped edges (ONNX Resize linear/half_pixel). */
const upsample = (m: Map3, H: number, W: number): Map3 =>
  m.map((ch) => {
    const h = ch.length;
    const w = ch[0].length;
    return Array.from({ length: H }, (_, y) =>
      Array.from({ length: W }, (_, x) => {
        const sy = Math.min(Math.max((y + 0.5) * (h / H) - 0.5, 0), h - 1);
        const sx = Math.min(Math.max((x + 0.5) * (w / W) - 0.5, 0), w - 1);
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const y1 = Math.min(y0 + 1, h - 1);
        const x1 = Math.min(x0 + 1, w - 1);
        const fy = sy - y0;
        const fx = sx - x0;
        const top = ch[y0][x0] * (1 - fx) + ch[y0][x1] * fx;
        const bottom = ch[y1][x0] * (1 - fx) + ch[y1][x1] * fx;
        return top * (1 - fy) + bottom * fy;
      }),
    );
  });

test('patch features = channel pooling, 3x3 average, upsampling and concat, patch-major (METHOD §1)', async () => {
  const rng = new Rng(11);
  const t0 = rng.fillNormal(new Float32Array(4 * 4 * 4));
  const t1 = rng.fillNormal(new Float32Array(6 * 2 * 2));
  const s = await createSession(buildFeatureGraph({ tapNames: ['a', 'b'], channels: [4, 6], channelPool: 2, featureDim: 0 }), { device: 'cpu', threads: 1 });
  const out = await s.run({ a: new ort.Tensor('float32', t0, [1, 4, 4, 4]), b: new ort.Tensor('float32', t1, [1, 6, 2, 2]) });
  assert.deepEqual(out.patches.dims, [1, 16, 5]);
  const ref = [...avg3x3(poolChannels(fromNchw(t0, 4, 4, 4), 2)), ...upsample(avg3x3(poolChannels(fromNchw(t1, 6, 2, 2), 2)), 4, 4)];
  const got = out.patches.data as Float32Array;
  for (let y = 0; y < 4; y++)
    for (let x = 0; x < 4; x++)
      for (let c = 0; c < 5; c++) {
        const v = got[(y * 4 + x) * 5 + c];
        assert.ok(Math.abs(v - ref[c][y][x]) < 1e-5, `patch (${y},${x}) channel ${c}: ${v} vs ${ref[c][y][x]}`);
      }
  const glob = out.global.data as Float32Array;
  for (let c = 0; c < 5; c++) {
    const mean = ref[c].flat().reduce((a, b) => a + b, 0) / 16;
    assert.ok(Math.abs(glob[c] - mean) < 1e-5);
  }
  assert.deepEqual(Array.from(out.grid.data as Float32Array), [4, 4]);
});

test('adaptive channel pooling averages contiguous bins', () => {
  const m = adaptivePoolMatrix(5, 2); // bins [0,3) and [2,5)
  assert.deepEqual(Array.from(m).map((v) => Math.round(v * 1000) / 1000), [0.333, 0, 0.333, 0, 0.333, 0.333, 0, 0.333, 0, 0.333]);
});
