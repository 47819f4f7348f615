/**
 * ONNX emitters shared by the graph-model and layers-model converters. Tensors flow in NCHW;
 * weights arrive in TensorFlow layout (HWIO for convolutions, HW·C·multiplier for depthwise).
 */
import { attr, GraphBuilder, Value } from '../../src/core/onnx/builder';
import type { AttributeValue } from '../../src/core/onnx/proto';

export type TfPadding = 'SAME' | 'VALID';

/** Float32 array with its shape, the converter's currency for weights. */
export interface Weight {
  shape: number[];
  data: Float32Array;
}

/** HWIO → OIHW (ONNX Conv weight layout). */
export function hwioToOihw(w: Weight): Weight {
  const [kh, kw, ci, co] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = w.data[((y * kw + x) * ci + i) * co + o];
  return { shape: [co, ci, kh, kw], data: out };
}

/** Depthwise [kh, kw, C, M] → [C·M, 1, kh, kw]; TF's output channel c·M + m maps to the same ONNX group order. */
export function depthwiseToOihw(w: Weight): Weight {
  const [kh, kw, c, m] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < c; i++)
        for (let j = 0; j < m; j++) out[((i * m + j) * kh + y) * kw + x] = w.data[((y * kw + x) * c + i) * m + j];
  return { shape: [c * m, 1, kh, kw], data: out };
}

/**
 * Padding attributes reproducing TensorFlow's. VALID: none. SAME at stride 1: the total
 * (k − 1)·d does not depend on the input size, so explicit pads (extra one at the end, as TF).
 * SAME at stride > 1: the total depends on the (dynamic) size; SAME_UPPER computes it at run
 * time with the extra pixel at the end, which is exactly TF's rule.
 */
export function paddingAttrs(padding: TfPadding, kernel: [number, number], strides: [number, number], dilations: [number, number] = [1, 1]): Record<string, AttributeValue> {
  if (padding === 'VALID') return { pads: attr.ints([0, 0, 0, 0]) };
  if (strides[0] === 1 && strides[1] === 1) {
    const th = (kernel[0] - 1) * dilations[0];
    const tw = (kernel[1] - 1) * dilations[1];
    const top = Math.floor(th / 2);
    const left = Math.floor(tw / 2);
    return { pads: attr.ints([top, left, th - top, tw - left]) };
  }
  return { auto_pad: attr.string('SAME_UPPER') };
}

export interface ConvSpec {
  /** OIHW weights. */
  weight: Weight;
  bias?: Float32Array;
  strides: [number, number];
  dilations: [number, number];
  padding: TfPadding;
  group: number;
  name: string;
}

export function emitConv(g: GraphBuilder, x: Value, spec: ConvSpec, outName?: string): Value {
  const [, , kh, kw] = spec.weight.shape;
  const w = g.constFloat(spec.weight.data, spec.weight.shape, `${spec.name}/W`);
  const inputs = [x, w];
  if (spec.bias) inputs.push(g.constFloat(spec.bias, [spec.bias.length], `${spec.name}/B`));
  return g.op(
    'Conv',
    inputs,
    {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints(spec.strides),
      dilations: attr.ints(spec.dilations),
      group: attr.int(spec.group),
      ...paddingAttrs(spec.padding, [kh, kw], spec.strides, spec.dilations),
    },
    outName,
  );
}

export function emitActivation(g: GraphBuilder, x: Value, kind: 'relu' | 'relu6' | 'linear' | 'sigmoid' | 'tanh', outName?: string): Value {
  switch (kind) {
    case 'linear':
      return outName ? g.op('Identity', [x], {}, outName) : x;
    case 'relu':
      return g.op('Relu', [x], {}, outName);
    case 'relu6':
      return g.op('Clip', [x, g.constFloat([0], []), g.constFloat([6], [])], {}, outName);
    case 'sigmoid':
      return g.op('Sigmoid', [x], {}, outName);
    case 'tanh':
      return g.op('Tanh', [x], {}, outName);
  }
}

export function emitPool(
  g: GraphBuilder,
  x: Value,
  kind: 'max' | 'avg',
  size: [number, number],
  strides: [number, number],
  padding: TfPadding,
  outName?: string,
): Value {
  const attrs: Record<string, AttributeValue> = {
    kernel_shape: attr.ints(size),
    strides: attr.ints(strides),
    ...paddingAttrs(padding, size, strides),
  };
  // TF averages over the in-bounds pixels only.
  if (kind === 'avg') attrs.count_include_pad = attr.int(0);
  return g.op(kind === 'max' ? 'MaxPool' : 'AveragePool', [x], attrs, outName);
}

/** Output names must be plain identifiers for every consumer; '/' and ':' become '__' and '_'. */
export function sanitiseName(name: string): string {
  return name.replace(/\//g, '__').replace(/[^A-Za-z0-9_.-]/g, '_');
}
