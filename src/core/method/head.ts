import { attr, GraphBuilder, Value } from '../onnx/builder';
import { DataType } from '../onnx/proto';
import { Rng } from '../rng';

/**
 * The MLP φ of METHOD §3: Linear → ReLU → … → Linear (no output activation).
 * Weights are stored [in, out] so the forward pass is x·W + b.
 */
export interface MlpParams {
  sizes: number[];
  weights: Float32Array[];
  biases: Float32Array[];
}

export function initMlp(sizes: number[], seed: number): MlpParams {
  const rng = new Rng(seed);
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    // He-uniform for ReLU layers keeps activations at a stable scale.
    const bound = Math.sqrt(6 / fanIn);
    const w = new Float32Array(fanIn * sizes[l + 1]);
    for (let i = 0; i < w.length; i++) w[i] = (rng.next() * 2 - 1) * bound;
    weights.push(w);
    biases.push(new Float32Array(sizes[l + 1]));
  }
  return { sizes, weights, biases };
}

export function cloneMlp(p: MlpParams): MlpParams {
  return { sizes: [...p.sizes], weights: p.weights.map((w) => w.slice()), biases: p.biases.map((b) => b.slice()) };
}

export interface ParamValues {
  weights: Value[];
  biases: Value[];
}

export function paramsAsInitializers(g: GraphBuilder, p: MlpParams): ParamValues {
  return {
    weights: p.weights.map((w, l) => g.constFloat(w, [p.sizes[l], p.sizes[l + 1]], `W${l}`)),
    biases: p.biases.map((b, l) => g.constFloat(b, [p.sizes[l + 1]], `b${l}`)),
  };
}

export function paramsAsInputs(g: GraphBuilder, sizes: number[], prefix = ''): ParamValues {
  const weights: Value[] = [];
  const biases: Value[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    weights.push(g.input(`${prefix}W${l}`, [sizes[l], sizes[l + 1]]));
    biases.push(g.input(`${prefix}b${l}`, [sizes[l + 1]]));
  }
  return { weights, biases };
}

export interface ForwardTrace {
  z: Value;
  /** Inputs to each layer (x, h1, h2, …). */
  inputs: Value[];
  /** Pre-activations of the hidden layers. */
  preacts: Value[];
}

export function forward(g: GraphBuilder, x: Value, p: ParamValues): ForwardTrace {
  const inputs: Value[] = [x];
  const preacts: Value[] = [];
  let h = x;
  const L = p.weights.length;
  for (let l = 0; l < L; l++) {
    const a = g.add(g.matmul(h, p.weights[l]), p.biases[l]);
    if (l === L - 1) return { z: a, inputs, preacts };
    preacts.push(a);
    h = g.relu(a);
    inputs.push(h);
  }
  throw new Error('MLP needs at least one layer');
}

/** Squared distance of each row of z to the centre c: [B, 1]. */
export function sqDistToCenter(g: GraphBuilder, z: Value, c: Value): { diff: Value; dist: Value } {
  const diff = g.sub(z, c);
  return { diff, dist: g.reduceSum(g.mul(diff, diff), [1], true) };
}

/** Embedding graph with frozen weights: patches [P, D] → z [P, d]. */
export function buildEmbedGraph(p: MlpParams): Uint8Array {
  const g = new GraphBuilder('embed');
  const x = g.input('x', ['P', p.sizes[0]]);
  const { z } = forward(g, x, paramsAsInitializers(g, p));
  g.output(z, 'z', ['P', p.sizes[p.sizes.length - 1]]);
  return g.toModel();
}

/**
 * Forward pass with weights as inputs (used while training): z and the norm of the last
 * layer's input, ‖h‖, from which the selector's gradient norm 2‖h‖‖z − c‖ follows (METHOD §2).
 */
export function buildProbeGraph(sizes: number[]): Uint8Array {
  const g = new GraphBuilder('probe');
  const x = g.input('x', ['P', sizes[0]]);
  const tr = forward(g, x, paramsAsInputs(g, sizes));
  const h = tr.inputs[tr.inputs.length - 1];
  g.output(tr.z, 'z', ['P', sizes[sizes.length - 1]]);
  g.output(g.op('Sqrt', [g.reduceSum(g.mul(h, h), [1], false)]), 'hnorm', ['P']);
  return g.toModel();
}

export interface TrainStepSpec {
  sizes: number[];
  /** Include the synthetic-negative term (λ > 0). */
  withNegatives: boolean;
  /** Seed of the in-graph Gaussian noise generator. */
  noiseSeed: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Also output raw gradients (for tests). */
  exposeGradients: boolean;
}

/**
 * One Adam step of L = mean relu(‖φ(x)−c‖² − ν) + λ·mean relu(m − ‖φ(x+ε)−c‖²), ε ~ N(0, σ²),
 * with the backward pass written out (METHOD §3) so training runs on the same runtime as inference.
 * Inputs: x [B,D], c [d], sigma [D], nu, margin, lambda, lr (scalars [1]), W*, b*, mW*, mb*, vW*, vb*.
 * Outputs: loss_pos, loss_neg, and the updated parameters and moments (prefix "new_").
 */
export function buildTrainStepGraph(spec: TrainStepSpec): Uint8Array {
  const { sizes } = spec;
  const g = new GraphBuilder('train_step');
  const D = sizes[0];
  const x = g.input('x', ['B', D]);
  const c = g.input('c', [sizes[sizes.length - 1]]);
  const nu = g.input('nu', [1]);
  const lr = g.input('lr', [1]);
  const p = paramsAsInputs(g, sizes);
  const m = paramsAsInputs(g, sizes, 'm');
  const v = paramsAsInputs(g, sizes, 'v');

  const batch = g.op('Cast', [g.op('Gather', [g.op('Shape', [x]), g.constInt64([0])], { axis: attr.int(0) })], {
    to: attr.int(DataType.FLOAT),
  });
  const two = g.constFloat([2], [1]);
  const zero = g.constFloat([0], [1]);

  // Positive term: pull normal points inside radius ν.
  const pos = forward(g, x, p);
  const posD = sqDistToCenter(g, pos.z, c);
  const posExcess = g.sub(posD.dist, nu);
  const lossPos = g.op('Div', [g.reduceSum(g.relu(posExcess), [0, 1], false), batch]);
  const posActive = g.op('Cast', [g.op('Greater', [posExcess, zero])], { to: attr.int(DataType.FLOAT) });
  const posDelta = g.op('Div', [g.mul(g.mul(two, posActive), posD.diff), batch]);

  let traces = [pos];
  let deltas = [posDelta];
  let lossNeg: Value | undefined;
  if (spec.withNegatives) {
    const sigma = g.input('sigma', [D]);
    const margin = g.input('margin', [1]);
    const lambda = g.input('lambda', [1]);
    const eps = g.op('RandomNormalLike', [x], { seed: attr.float(spec.noiseSeed), dtype: attr.int(DataType.FLOAT) });
    const xn = g.add(x, g.mul(eps, sigma));
    const neg = forward(g, xn, p);
    const negD = sqDistToCenter(g, neg.z, c);
    const shortfall = g.sub(margin, negD.dist);
    lossNeg = g.op('Div', [g.reduceSum(g.relu(shortfall), [0, 1], false), batch]);
    const negActive = g.op('Cast', [g.op('Greater', [shortfall, zero])], { to: attr.int(DataType.FLOAT) });
    // d/dz of relu(m − ‖z−c‖²) is −2(z−c) where active; weighted by λ.
    const negDelta = g.op('Div', [g.mul(g.mul(g.mul(g.op('Neg', [two]), lambda), negActive), negD.diff), batch]);
    traces = [pos, neg];
    deltas = [posDelta, negDelta];
  }

  // Backward through the layers, positives and negatives stacked along the batch.
  const stack = (vals: Value[]) => (vals.length === 1 ? vals[0] : g.op('Concat', vals, { axis: attr.int(0) }));
  const L = sizes.length - 1;
  const gradW: Value[] = new Array(L);
  const gradB: Value[] = new Array(L);
  let delta = stack(deltas);
  for (let l = L - 1; l >= 0; l--) {
    const input = stack(traces.map((t) => t.inputs[l]));
    gradW[l] = g.op('Gemm', [input, delta], { transA: attr.int(1) });
    gradB[l] = g.reduceSum(delta, [0], false);
    if (l > 0) {
      const pre = stack(traces.map((t) => t.preacts[l - 1]));
      const mask = g.op('Cast', [g.op('Greater', [pre, zero])], { to: attr.int(DataType.FLOAT) });
      delta = g.mul(g.op('Gemm', [delta, p.weights[l]], { transB: attr.int(1) }), mask);
    }
  }

  g.output(lossPos, 'loss_pos', [1]);
  g.output(lossNeg ?? g.constFloat([0], [1], 'zero_loss'), 'loss_neg', [1]);
  const b1 = g.constFloat([spec.beta1], [1]);
  const b1c = g.constFloat([1 - spec.beta1], [1]);
  const b2 = g.constFloat([spec.beta2], [1]);
  const b2c = g.constFloat([1 - spec.beta2], [1]);
  const epsV = g.constFloat([spec.eps], [1]);
  const adam = (param: Value, grad: Value, mom: Value, vel: Value, name: string) => {
    const m2 = g.add(g.mul(b1, mom), g.mul(b1c, grad));
    const v2 = g.add(g.mul(b2, vel), g.mul(b2c, g.mul(grad, grad)));
    const step = g.op('Div', [g.mul(lr, m2), g.add(g.op('Sqrt', [v2]), epsV)]);
    g.output(g.sub(param, step), `new_${name}`);
    g.output(m2, `new_m${name}`);
    g.output(v2, `new_v${name}`);
    if (spec.exposeGradients) g.output(grad, `grad_${name}`);
  };
  for (let l = 0; l < L; l++) {
    adam(p.weights[l], gradW[l], m.weights[l], v.weights[l], `W${l}`);
    adam(p.biases[l], gradB[l], m.biases[l], v.biases[l], `b${l}`);
  }
  return g.toModel();
}
