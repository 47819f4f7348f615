import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/builder';
import { createSession, RuntimeOptions } from '../onnx/runtime';
import type { PatchFeatures } from '../api';
import type { MethodOptions } from '../../shared/model';
import type { MlpParams } from './head';
import { imageScoreFromGrid } from './detector';
import { Probe } from './train';

/**
 * Contamination-robust image scores for a folder that may hold anomalies. Leave-one-out is not
 * enough when a defect type repeats (two scratched parts vouch for each other), so each patch is
 * scored by its distance to the q-th closest OTHER image (the nearest patch within that image):
 * a defect shared by fewer than q images stays far.
 */
function buildPerImageMinGraph(): Uint8Array {
  const g = new GraphBuilder('per_image_min');
  const q = g.input('q', ['P', 'd']);
  const bankT = g.input('bankT', ['d', 'M']);
  const bankSq = g.input('bankSq', ['M']);
  const shape = g.input('shape3', [3], 7);
  const qSq = g.reduceSum(g.mul(q, q), [1], true);
  const sq = g.add(g.sub(qSq, g.mul(g.constFloat([2], [1]), g.matmul(q, bankT))), bankSq);
  const perImage = g.op('ReduceMin', [g.op('Reshape', [sq, shape])], {
    axes: { kind: 'ints', value: [2] },
    keepdims: { kind: 'int', value: 0 },
  });
  g.output(g.op('Sqrt', [g.relu(perImage)]), 'per_image', ['P', 'I']);
  return g.toModel();
}

/** Every `stride`-th row and column of the grid: enough to vouch for a texture, 4x cheaper. */
function subsample(f: PatchFeatures, stride: number): number[] {
  const idx: number[] = [];
  for (let y = 0; y < f.gridH; y += stride) for (let x = 0; x < f.gridW; x += stride) idx.push(y * f.gridW + x);
  return idx;
}

export async function robustFolderScores(
  views: PatchFeatures[],
  head: MlpParams | undefined,
  options: MethodOptions,
  q: number,
  runtime: RuntimeOptions,
): Promise<number[]> {
  const n = views.length;
  if (n < 2) return views.map(() => 0);
  const D = views[0].dim;
  const P = views[0].gridH * views[0].gridW;
  const embed = async (rows: Float32Array, count: number): Promise<{ z: Float32Array; d: number }> => {
    if (!head) return { z: rows, d: D };
    const probe = await Probe.open(head.sizes, runtime);
    try {
      return { z: (await probe.run(head, rows, count)).z, d: head.sizes[head.sizes.length - 1] };
    } finally {
      await probe.release();
    }
  };
  const all = new Float32Array(n * P * D);
  views.forEach((v, i) => all.set(v.patches.subarray(0, P * D), i * P * D));
  const { z, d } = await embed(all, n * P);

  const keep = subsample(views[0], 2);
  const S = keep.length;
  const bankT = new Float32Array(d * n * S);
  const bankSq = new Float32Array(n * S);
  for (let i = 0; i < n; i++)
    keep.forEach((p, s) => {
      const row = i * S + s;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const v = z[(i * P + p) * d + j];
        bankT[j * n * S + row] = v;
        sq += v * v;
      }
      bankSq[row] = sq;
    });

  const session = await createSession(buildPerImageMinGraph(), runtime);
  const rank = Math.min(Math.max(1, q), n - 1);
  const scores: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const res = await session.run({
        q: new ort.Tensor('float32', z.subarray(i * P * d, (i + 1) * P * d), [P, d]),
        bankT: new ort.Tensor('float32', bankT, [d, n * S]),
        bankSq: new ort.Tensor('float32', bankSq, [n * S]),
        shape3: new ort.Tensor('int64', BigInt64Array.from([BigInt(P), BigInt(n), BigInt(S)]), [3]),
      });
      const per = res.per_image.data as Float32Array;
      const grid = new Float32Array(P);
      const others = new Float32Array(n - 1);
      for (let p = 0; p < P; p++) {
        let o = 0;
        for (let j = 0; j < n; j++) if (j !== i) others[o++] = per[p * n + j];
        others.sort();
        grid[p] = others[rank - 1];
      }
      scores.push(imageScoreFromGrid(grid, views[i].gridW, views[i].gridH, options));
    }
  } finally {
    await session.release();
  }
  return scores;
}
