import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/builder';
import { createSession, RuntimeOptions, Session } from '../onnx/runtime';

const sessions = new WeakMap<RuntimeOptions, Promise<Session>>();

function matmulSession(runtime: RuntimeOptions): Promise<Session> {
  let s = sessions.get(runtime);
  if (!s) {
    const g = new GraphBuilder('matmul');
    g.output(g.matmul(g.input('a', ['N', 'D']), g.input('b', ['D', 'P'])), 'c', ['N', 'P']);
    s = createSession(g.toModel(), runtime);
    sessions.set(runtime, s);
  }
  return s;
}

/** rows [N, D] · mat [D, P] → [N, P] on onnxruntime, in row blocks to bound memory. */
export async function matmulRows(
  rows: Float32Array,
  N: number,
  D: number,
  mat: Float32Array,
  P: number,
  runtime: RuntimeOptions,
  blockRows = 16384,
): Promise<Float32Array> {
  const s = await matmulSession(runtime);
  const out = new Float32Array(N * P);
  const b = new ort.Tensor('float32', mat, [D, P]);
  for (let start = 0; start < N; start += blockRows) {
    const n = Math.min(blockRows, N - start);
    const a = new ort.Tensor('float32', rows.subarray(start * D, (start + n) * D), [n, D]);
    const res = await s.run({ a, b });
    out.set(res.c.data as Float32Array, start * P);
  }
  return out;
}
