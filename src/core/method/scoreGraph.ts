import { attr, GraphBuilder, Value } from '../onnx/builder';
import { forward, MlpParams, paramsAsInitializers } from './head';

/**
 * The scoring graph (METHOD §4): patch features → φ (or identity for PatchCore) → distances to
 * the repository → k smallest, plus the image-level term (global feature → nearest training global).
 * Everything heavy (MatMul over the repository, TopK) runs in onnxruntime.
 */
export interface ScoreGraphSpec {
  featureDim: number;
  /** Omitted for the PatchCore baseline (scores in feature space). */
  head?: MlpParams;
  /** Joint space: [φ(x)·s0, x·s1] (see MethodOptions.rawWeight). */
  jointScale?: [number, number];
  /** Projection [D, p] of the raw part of the joint space. */
  rawProjection?: Float32Array;
  /** Repository in the scoring space, [M, d] row-major. */
  bank: Float32Array;
  bankRows: number;
  k: number;
  mode: 'knn' | 'center';
  center?: Float32Array;
  /** Training images' global features [G, featureDim]; omitted when the global term is off. */
  globalBank?: Float32Array;
  globalRows?: number;
  /** Adds a `penalty` input [Q, M] added to squared distances (leave-one-out calibration). */
  withPenalty?: boolean;
}

function transposeRows(rows: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(rows.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[j * n + i] = rows[i * d + j];
  return out;
}

function rowSqNorms(rows: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += rows[i * d + j] ** 2;
    out[i] = s;
  }
  return out;
}

/** k smallest Euclidean distances from rows of `q` [Q, d] to a constant bank. */
function nearest(g: GraphBuilder, q: Value, bank: Float32Array, n: number, d: number, k: number, penalty?: Value): Value {
  const bankT = g.constFloat(transposeRows(bank, n, d), [d, n]);
  const bankSq = g.constFloat(rowSqNorms(bank, n, d), [n]);
  const qSq = g.reduceSum(g.mul(q, q), [1], true);
  let sq = g.add(g.sub(qSq, g.mul(g.constFloat([2], [1]), g.matmul(q, bankT))), bankSq);
  if (penalty) sq = g.add(sq, penalty);
  const [vals] = g.opN('TopK', [sq, g.constInt64([Math.min(k, n)])], 2, { axis: attr.int(1), largest: attr.int(0), sorted: attr.int(1) });
  return g.op('Sqrt', [g.op('Relu', [vals])]);
}

export function buildScoreGraph(spec: ScoreGraphSpec): Uint8Array {
  const g = new GraphBuilder('score');
  const x = g.input('patches', ['P', spec.featureDim]);
  const embedded = spec.head ? forward(g, x, paramsAsInitializers(g, spec.head)).z : x;
  if (spec.mode === 'center') {
    // Distance to the centre is defined in the learned space alone.
    if (!spec.center) throw new Error('center scoring needs a centre');
    const diff = g.sub(embedded, g.constFloat(spec.center, [spec.center.length]));
    g.output(g.op('Sqrt', [g.reduceSum(g.mul(diff, diff), [1], true)]), 'nn', ['P', 1]);
  } else {
    let z = embedded;
    if (spec.jointScale && spec.head) {
      const [s0, s1] = spec.jointScale;
      const raw = spec.rawProjection
        ? g.matmul(x, g.constFloat(spec.rawProjection, [spec.featureDim, spec.rawProjection.length / spec.featureDim], 'raw_projection'))
        : x;
      z = g.op('Concat', [g.mul(z, g.constFloat([s0], [1])), g.mul(raw, g.constFloat([s1], [1]))], { axis: attr.int(1) });
    }
    const d = spec.bank.length / spec.bankRows;
    const penalty = spec.withPenalty ? g.input('penalty', ['Q', spec.bankRows]) : undefined;
    g.output(nearest(g, z, spec.bank, spec.bankRows, d, spec.k, penalty), 'nn', ['P', 'k']);
  }
  if (spec.globalBank && spec.globalRows) {
    const gx = g.input('global', [1, spec.featureDim]);
    const gPenalty = spec.withPenalty ? g.input('global_penalty', [1, spec.globalRows]) : undefined;
    g.output(nearest(g, gx, spec.globalBank, spec.globalRows, spec.featureDim, 1, gPenalty), 'global_nn', [1, 1]);
  }
  return g.toModel();
}

/** k = 1: the nearest distance; k > 1: softmin-weighted mean of the k distances. */
export function reduceNeighbours(nn: Float32Array, P: number, k: number): Float32Array {
  if (k === 1) return nn;
  const out = new Float32Array(P);
  for (let i = 0; i < P; i++) {
    const row = nn.subarray(i * k, (i + 1) * k);
    const m = row[0];
    let wsum = 0;
    let s = 0;
    for (const v of row) {
      const w = Math.exp(-(v - m));
      wsum += w;
      s += w * v;
    }
    out[i] = s / wsum;
  }
  return out;
}
