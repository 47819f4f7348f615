/**
 * The TF.js → ONNX converter on tiny hand-made models, checked against a naive NHWC reference
 * written here from TensorFlow's definitions (SAME padding: out = ceil(in/stride), total pad
 * = max((out−1)·stride + k − in, 0), the odd pixel at the end). Odd and even input sizes at
 * stride 2 catch padding that is off by one or on the wrong side.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertGraphModel, TfGraphModelJson, TfNode } from '../../tools/convert/graphModel';
import { convertLayersModel, KerasLayer, TfLayersModelJson } from '../../tools/convert/layersModel';
import { decodeWeights, TfjsWeightSpec } from '../../tools/convert/weights';
import { createSession, tensor } from '../../src/core/onnx/runtime';
import { mulberry32 } from '../../src/core/rng';

// ---------- naive reference (NHWC, batch 1) ----------
interface Map3 { h: number; w: number; c: number; data: Float32Array }
type Pad = 'SAME' | 'VALID';

function outSize(n: number, k: number, s: number, pad: Pad): { out: number; before: number } {
  if (pad === 'VALID') return { out: Math.floor((n - k) / s) + 1, before: 0 };
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2) };
}

/** Convolution; `depthwise` uses weights [kh,kw,C,M] and output channel c·M+m as TF does. */
function convRef(x: Map3, w: Float32Array, shape: number[], stride: number, pad: Pad, depthwise = false, bias?: Float32Array): Map3 {
  const [kh, kw, ci, co] = shape;
  const H = outSize(x.h, kh, stride, pad);
  const W = outSize(x.w, kw, stride, pad);
  const cout = depthwise ? ci * co : co;
  const out = new Float32Array(H.out * W.out * cout);
  for (let oy = 0; oy < H.out; oy++)
    for (let ox = 0; ox < W.out; ox++)
      for (let o = 0; o < cout; o++) {
        let acc = bias ? bias[o] : 0;
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++) {
            const iy = oy * stride + dy - H.before;
            const ix = ox * stride + dx - W.before;
            if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
            if (depthwise) {
              const c = Math.floor(o / co);
              const m = o % co;
              acc += x.data[(iy * x.w + ix) * x.c + c] * w[((dy * kw + dx) * ci + c) * co + m];
            } else {
              for (let c = 0; c < ci; c++) acc += x.data[(iy * x.w + ix) * x.c + c] * w[((dy * kw + dx) * ci + c) * co + o];
            }
          }
        out[(oy * W.out + ox) * cout + o] = acc;
      }
  return { h: H.out, w: W.out, c: cout, data: out };
}

function poolRef(x: Map3, k: number, stride: number, pad: Pad, kind: 'max' | 'avg'): Map3 {
  const H = outSize(x.h, k, stride, pad);
  const W = outSize(x.w, k, stride, pad);
  const out = new Float32Array(H.out * W.out * x.c);
  for (let oy = 0; oy < H.out; oy++)
    for (let ox = 0; ox < W.out; ox++)
      for (let c = 0; c < x.c; c++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let n = 0;
        for (let dy = 0; dy < k; dy++)
          for (let dx = 0; dx < k; dx++) {
            const iy = oy * stride + dy - H.before;
            const ix = ox * stride + dx - W.before;
            if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
            const v = x.data[(iy * x.w + ix) * x.c + c];
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            n++;
          }
        out[(oy * W.out + ox) * x.c + c] = kind === 'max' ? acc : acc / n;
      }
  return { h: H.out, w: W.out, c: x.c, data: out };
}

const mapValues = (x: Map3, f: (v: number, c: number) => number): Map3 => ({ ...x, data: x.data.map((v, i) => f(v, i % x.c)) });
const relu6 = (x: Map3): Map3 => mapValues(x, (v) => Math.min(6, Math.max(0, v)));
const relu = (x: Map3): Map3 => mapValues(x, (v) => Math.max(0, v));

function padRef(x: Map3, top: number, bottom: number, left: number, right: number): Map3 {
  const h = x.h + top + bottom;
  const w = x.w + left + right;
  const out = new Float32Array(h * w * x.c);
  for (let y = 0; y < x.h; y++)
    for (let xx = 0; xx < x.w; xx++)
      for (let c = 0; c < x.c; c++) out[((y + top) * w + xx + left) * x.c + c] = x.data[(y * x.w + xx) * x.c + c];
  return { h, w, c: x.c, data: out };
}

function concatRef(a: Map3, b: Map3): Map3 {
  const c = a.c + b.c;
  const out = new Float32Array(a.h * a.w * c);
  for (let p = 0; p < a.h * a.w; p++) {
    out.set(a.data.subarray(p * a.c, (p + 1) * a.c), p * c);
    out.set(b.data.subarray(p * b.c, (p + 1) * b.c), p * c + a.c);
  }
  return { h: a.h, w: a.w, c, data: out };
}

function toNchw(x: Map3): Float32Array {
  const out = new Float32Array(x.data.length);
  for (let y = 0; y < x.h; y++) for (let xx = 0; xx < x.w; xx++) for (let c = 0; c < x.c; c++) out[(c * x.h + y) * x.w + xx] = x.data[(y * x.w + xx) * x.c + c];
  return out;
}

function fromNchw(data: Float32Array, c: number, h: number, w: number): Map3 {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = data[(k * h + y) * w + x];
  return { h, w, c, data: out };
}

// ---------- fixtures: weights in TF.js shard format ----------
interface WeightDef { name: string; shape: number[]; values: Float32Array; quantise?: boolean; int32?: boolean }

/** Packs weights like the TF.js converter: back to back, optionally uint8-quantised (q·scale + min). */
function pack(defs: WeightDef[]): { specs: TfjsWeightSpec[]; bytes: Uint8Array; effective: Map<string, Float32Array> } {
  const chunks: Uint8Array[] = [];
  const specs: TfjsWeightSpec[] = [];
  const effective = new Map<string, Float32Array>();
  for (const d of defs) {
    if (d.int32) {
      chunks.push(new Uint8Array(Int32Array.from(d.values).buffer));
      specs.push({ name: d.name, shape: d.shape, dtype: 'int32' });
      effective.set(d.name, d.values);
    } else if (d.quantise) {
      const min = Math.min(...d.values);
      const max = Math.max(...d.values);
      const scale = (max - min) / 255;
      const q = Uint8Array.from(d.values, (v) => Math.round((v - min) / scale));
      chunks.push(q);
      specs.push({ name: d.name, shape: d.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min } });
      effective.set(d.name, Float32Array.from(q, (v) => v * scale + min));
    } else {
      chunks.push(new Uint8Array(Float32Array.from(d.values).buffer));
      specs.push({ name: d.name, shape: d.shape, dtype: 'float32' });
      effective.set(d.name, d.values);
    }
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { specs, bytes, effective };
}

function randomValues(rng: () => number, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const ints = (v: number[]): { list: { i: string[] } } => ({ list: { i: v.map(String) } });

function convAttrs(stride: number, padding: Pad, fused: string[] = []): TfNode['attr'] {
  return {
    strides: ints([1, stride, stride, 1]),
    dilations: ints([1, 1, 1, 1]),
    padding: { s: b64(padding) },
    data_format: { s: b64('NHWC') },
    ...(fused.length ? { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: '1' } } : {}),
  };
}

async function runOnnx(onnx: Uint8Array, input: Float32Array, dims: number[], outputs: string[]): Promise<{ data: Float32Array; dims: number[] }[]> {
  const s = await createSession(onnx, { device: 'cpu', threads: 1 });
  try {
    const out = await s.run({ input: tensor(input, dims) });
    return outputs.map((n) => ({ data: out[n].data as Float32Array, dims: out[n].dims.map(Number) }));
  } finally {
    await s.release();
  }
}

function assertClose(actual: { data: Float32Array; dims: number[] }, expected: Map3, label: string, tol = 1e-4): void {
  assert.deepEqual(actual.dims, [1, expected.c, expected.h, expected.w], `${label}: dims`);
  const want = toNchw(expected);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(actual.data[i] - want[i]));
  assert.ok(worst <= tol, `${label}: max |ONNX − reference| = ${worst}`);
}

// ---------- the tiny graph model ----------
function tinyGraph(seed: number): { model: TfGraphModelJson; weights: ReturnType<typeof decodeWeights>; eff: Map<string, Float32Array> } {
  const rng = mulberry32(seed);
  const defs: WeightDef[] = [
    { name: 'w1', shape: [3, 3, 3, 4], values: randomValues(rng, 108, 0.8) },
    { name: 'b1', shape: [4], values: randomValues(rng, 4, 0.5) },
    { name: 'dw', shape: [3, 3, 4, 2], values: randomValues(rng, 72, 1), quantise: true },
    { name: 'db', shape: [8], values: randomValues(rng, 8, 0.3), quantise: true },
    { name: 'w2', shape: [2, 2, 4, 3], values: randomValues(rng, 48, 0.7) },
    { name: 'k', shape: [3], values: randomValues(rng, 3, 1) },
    { name: 'scale', shape: [], values: Float32Array.from([2]) },
    { name: 'paddings', shape: [4, 2], values: Float32Array.from([0, 0, 1, 0, 0, 2, 0, 0]), int32: true },
    { name: 'axis', shape: [], values: Float32Array.from([-1]), int32: true },
  ];
  const { specs, bytes, effective } = pack(defs);
  const consts: TfNode[] = defs.map((d) => ({ name: d.name, op: 'Const', attr: {} }));
  const nodes: TfNode[] = [
    { name: 'input', op: 'Placeholder', attr: {} },
    ...consts,
    { name: 'pre/Mul', op: 'Mul', input: ['scale', 'input'] },
    { name: 'c1/Relu6', op: '_FusedConv2D', input: ['pre/Mul', 'w1', 'b1'], attr: convAttrs(2, 'SAME', ['BiasAdd', 'Relu6']) },
    { name: 'd1/Relu6', op: 'FusedDepthwiseConv2dNative', input: ['c1/Relu6', 'dw', 'db'], attr: convAttrs(2, 'SAME', ['BiasAdd', 'Relu6']) },
    { name: 'c2', op: 'Conv2D', input: ['c1/Relu6', 'w2'], attr: convAttrs(1, 'SAME') },
    { name: 'a', op: 'AddV2', input: ['c2', 'k'] },
    { name: 'r', op: 'Relu6', input: ['a'] },
    { name: 'cat', op: 'ConcatV2', input: ['c1/Relu6', 'r', 'axis'] },
    { name: 'p', op: 'Pad', input: ['cat', 'paddings'] },
    { name: 'm', op: 'MaxPool', input: ['p'], attr: { ksize: ints([1, 3, 3, 1]), strides: ints([1, 2, 2, 1]), padding: { s: b64('SAME') } } },
    // A branch no tap needs, with an op the converter does not know: must be pruned, not fail.
    { name: 'unused', op: 'Softmax', input: ['m'] },
  ];
  const weights = decodeWeights([{ paths: ['shard'], weights: specs }], () => bytes);
  return { model: { format: 'graph-model', modelTopology: { node: nodes } }, weights, eff: effective };
}

function graphReference(x: Map3, eff: Map<string, Float32Array>): { d1: Map3; m: Map3 } {
  const g = (n: string): Float32Array => eff.get(n) as Float32Array;
  const pre = mapValues(x, (v) => v * 2);
  const c1 = relu6(convRef(pre, g('w1'), [3, 3, 3, 4], 2, 'SAME', false, g('b1')));
  const d1 = relu6(convRef(c1, g('dw'), [3, 3, 4, 2], 2, 'SAME', true, g('db')));
  const c2 = convRef(c1, g('w2'), [2, 2, 4, 3], 1, 'SAME');
  const r = relu6(mapValues(c2, (v, c) => v + g('k')[c]));
  const p = padRef(concatRef(c1, r), 1, 0, 0, 2);
  return { d1, m: poolRef(p, 3, 2, 'SAME', 'max') };
}

test('uint8-quantised and int32 weights decode as TF.js does (q·scale + min)', () => {
  const { weights, eff } = tinyGraph(1);
  assert.deepEqual(Array.from(weights.get('dw')?.data ?? []), Array.from(eff.get('dw') ?? []));
  assert.deepEqual(Array.from(weights.get('paddings')?.data ?? []), [0, 0, 1, 0, 0, 2, 0, 0]);
  assert.deepEqual(weights.get('w1')?.shape, [3, 3, 3, 4]);
});

for (const [h, w] of [
  [7, 9],
  [8, 11],
  [13, 6],
]) {
  test(`graph model: SAME conv/depthwise at stride 2, even-kernel SAME, Pad, Concat, MaxPool match the reference at ${h}x${w}`, async () => {
    const { model, weights, eff } = tinyGraph(42);
    const conv = convertGraphModel(model, weights, [{ node: 'd1/Relu6' }, { node: 'm', output: 'pooled' }]);
    assert.deepEqual(conv.outputs.map((o) => o.name), ['d1__Relu6', 'pooled']);
    const rng = mulberry32(h * 100 + w);
    const x: Map3 = { h, w, c: 3, data: Float32Array.from({ length: h * w * 3 }, () => rng()) };
    const ref = graphReference(x, eff);
    const [d1, m] = await runOnnx(conv.onnx, toNchw(x), [1, 3, h, w], ['d1__Relu6', 'pooled']);
    assertClose(d1, ref.d1, 'depthwise tap');
    assertClose(m, ref.m, 'pool tap');
  });
}

test('graph model: a shifted SAME pad is detected (the reference check can fail)', async () => {
  const { model, weights, eff } = tinyGraph(42);
  const conv = convertGraphModel(model, weights, [{ node: 'd1/Relu6' }]);
  const rng = mulberry32(5);
  const x: Map3 = { h: 7, w: 9, c: 3, data: Float32Array.from({ length: 189 }, () => rng()) };
  const ref = graphReference(x, eff).d1;
  const [d1] = await runOnnx(conv.onnx, toNchw(x), [1, 3, 7, 9], ['d1__Relu6']);
  // Same values, but read one column off: what SAME_LOWER instead of SAME_UPPER would look like.
  const shifted = { ...d1, data: d1.data.map((_, i) => d1.data[i % ref.w === 0 ? i : i - 1]) };
  assert.throws(() => assertClose(shifted, ref, 'shifted'), /max \|ONNX − reference\|/);
});

test('graph model: unknown tap and unsupported reachable op give specific errors', () => {
  const { model, weights } = tinyGraph(1);
  assert.throws(() => convertGraphModel(model, weights, [{ node: 'nope' }]), /tap 'nope' matches no node/);
  assert.throws(() => convertGraphModel(model, weights, [{ node: 'unused' }]), /TF op 'Softmax' \(node 'unused'\) is not supported/);
});

// ---------- the tiny layers model ----------
function layer(name: string, cls: string, config: Record<string, unknown>, inbound: string[]): KerasLayer {
  return { name, class_name: cls, config: { name, ...config }, inbound_nodes: inbound.length ? [inbound.map((n) => [n, 0, 0, {}] as [string, number, number, unknown])] : [] };
}

test('layers model: valid conv + folded BatchNorm, same 1x3 conv, AveragePool same, Concatenate, MaxPool valid match the reference', async () => {
  const rng = mulberry32(7);
  const defs: WeightDef[] = [
    { name: 'conv_a/kernel', shape: [3, 3, 3, 5], values: randomValues(rng, 135, 0.6), quantise: true },
    { name: 'bn_a/gamma', shape: [5], values: Float32Array.from({ length: 5 }, () => 0.5 + rng()) },
    { name: 'bn_a/beta', shape: [5], values: randomValues(rng, 5, 0.5) },
    { name: 'bn_a/moving_mean', shape: [5], values: randomValues(rng, 5, 0.5) },
    { name: 'bn_a/moving_variance', shape: [5], values: Float32Array.from({ length: 5 }, () => 0.2 + rng()) },
    { name: 'conv_b/kernel', shape: [1, 3, 5, 4], values: randomValues(rng, 60, 0.6) },
    { name: 'conv_b/bias', shape: [4], values: randomValues(rng, 4, 0.2) },
  ];
  const { specs, bytes, effective } = pack(defs);
  const weights = decodeWeights([{ paths: ['s'], weights: specs }], () => bytes);
  const layers: KerasLayer[] = [
    layer('input_1', 'InputLayer', { batch_input_shape: [null, 299, 299, 3] }, []),
    layer('conv_a', 'Conv2D', { kernel_size: [3, 3], strides: [2, 2], padding: 'valid', use_bias: false, activation: 'linear' }, ['input_1']),
    layer('bn_a', 'BatchNormalization', { axis: 3, epsilon: 0.001, scale: true, center: true }, ['conv_a']),
    layer('act_a', 'Activation', { activation: 'relu' }, ['bn_a']),
    layer('conv_b', 'Conv2D', { kernel_size: [1, 3], strides: [1, 1], padding: 'same', use_bias: true, activation: 'relu' }, ['act_a']),
    layer('avg', 'AveragePooling2D', { pool_size: [3, 3], strides: [1, 1], padding: 'same' }, ['act_a']),
    layer('cat', 'Concatenate', { axis: -1 }, ['conv_b', 'avg']),
    layer('pool', 'MaxPooling2D', { pool_size: [3, 3], strides: [2, 2], padding: 'valid' }, ['cat']),
    layer('head', 'Flatten', {}, ['pool']),
  ];
  const model: TfLayersModelJson = { modelTopology: { model_config: { class_name: 'Model', config: { layers } } } };
  const conv = convertLayersModel(model, weights, ['cat', 'pool']);
  assert.equal(conv.layerCount, 2, 'BatchNorm folded: two convolutions, nothing else with weights');

  const g = (n: string): Float32Array => effective.get(n) as Float32Array;
  for (const [h, w] of [
    [15, 12],
    [10, 17],
  ]) {
    const r = mulberry32(h * w);
    const x: Map3 = { h, w, c: 3, data: Float32Array.from({ length: h * w * 3 }, () => r()) };
    const a = convRef(x, g('conv_a/kernel'), [3, 3, 3, 5], 2, 'VALID');
    const bn = mapValues(a, (v, c) => ((v - g('bn_a/moving_mean')[c]) * g('bn_a/gamma')[c]) / Math.sqrt(g('bn_a/moving_variance')[c] + 0.001) + g('bn_a/beta')[c]);
    const act = relu(bn);
    const cat = concatRef(relu(convRef(act, g('conv_b/kernel'), [1, 3, 5, 4], 1, 'SAME', false, g('conv_b/bias'))), poolRef(act, 3, 1, 'SAME', 'avg'));
    const pool = poolRef(cat, 3, 2, 'VALID', 'max');
    const [oc, op] = await runOnnx(conv.onnx, toNchw(x), [1, 3, h, w], ['cat', 'pool']);
    assertClose(oc, cat, `cat @${h}x${w}`);
    assertClose(op, pool, `pool @${h}x${w}`);
    // Round trip of the layout helpers used above.
    assert.deepEqual(Array.from(toNchw(fromNchw(oc.data, oc.dims[1], oc.dims[2], oc.dims[3]))), Array.from(oc.data));
  }
});
