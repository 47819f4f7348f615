/**
 * TF.js layers model (Keras functional topology JSON) → ONNX, cut at the requested layers.
 * The Keras input size is not baked in: the ONNX input is `[N, 3, H, W]` with dynamic H/W,
 * so 'valid' convolutions simply shrink whatever map they get. BatchNormalization that
 * directly follows a convolution (its only consumer) is folded into that convolution.
 */
import { attr, GraphBuilder, Value } from '../../src/core/onnx/builder';
import { depthwiseToOihw, emitActivation, emitConv, emitPool, hwioToOihw, TfPadding, Weight } from './emit';
import { tapShape } from './graphModel';
import type { WeightMap } from './weights';

interface KerasLayerConfig {
  name: string;
  filters?: number;
  kernel_size?: number[];
  pool_size?: number[];
  strides?: number[];
  padding?: string | number[][];
  dilation_rate?: number[];
  data_format?: string;
  activation?: string;
  use_bias?: boolean;
  center?: boolean;
  scale?: boolean;
  epsilon?: number;
  axis?: number | number[];
  depth_multiplier?: number;
}

export interface KerasLayer {
  name: string;
  class_name: string;
  config: KerasLayerConfig;
  /** [[["producer", nodeIndex, tensorIndex, kwargs], ...]] — one entry per call of the layer. */
  inbound_nodes: [string, number, number, unknown][][];
}

export interface TfLayersModelJson {
  modelTopology: { model_config: { class_name: string; config: { layers: KerasLayer[] } } };
}

export interface ConvertedLayers {
  onnx: Uint8Array;
  outputs: { name: string; node: string }[];
  /** Layers emitted (after folding) — a size check for tests. */
  layerCount: number;
}

type Activation = 'relu' | 'relu6' | 'linear' | 'sigmoid' | 'tanh';

const pair = (v: number[] | undefined, d: number): [number, number] => [v?.[0] ?? d, v?.[1] ?? d];

function activationOf(layer: KerasLayer): Activation {
  const a = layer.config.activation ?? 'linear';
  if (a === 'relu' || a === 'relu6' || a === 'linear' || a === 'sigmoid' || a === 'tanh') return a;
  throw new Error(`layer '${layer.name}': activation '${a}' is not supported`);
}

function paddingOf(layer: KerasLayer): TfPadding {
  const p = layer.config.padding;
  if (p === 'same') return 'SAME';
  if (p === 'valid' || p === undefined) return 'VALID';
  throw new Error(`layer '${layer.name}': padding '${String(p)}' is not supported`);
}

function channelAxis(layer: KerasLayer, axis: number | number[] | undefined): void {
  const a = Array.isArray(axis) ? axis[0] : axis;
  if (a !== undefined && a !== -1 && a !== 3) throw new Error(`layer '${layer.name}': axis ${a} is not the channel axis`);
}

export function convertLayersModel(model: TfLayersModelJson, weights: WeightMap, outputs: string[], graphName = 'backbone'): ConvertedLayers {
  const layers = model.modelTopology.model_config.config.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const inboundOf = (l: KerasLayer): string[] => {
    if (l.inbound_nodes.length > 1) throw new Error(`layer '${l.name}' is shared (called more than once); not supported`);
    return (l.inbound_nodes[0] ?? []).map((e) => e[0]);
  };
  for (const o of outputs) if (!byName.has(o)) throw new Error(`output layer '${o}' is not in the layers model`);

  const order: KerasLayer[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const l = byName.get(name);
    if (!l) throw new Error(`layers model refers to missing layer '${name}'`);
    inboundOf(l).forEach(visit);
    order.push(l);
  };
  outputs.forEach(visit);

  // Consumers within the emitted subgraph decide whether a conv can absorb its BatchNorm.
  const consumers = new Map<string, string[]>();
  for (const l of order) for (const src of inboundOf(l)) consumers.set(src, [...(consumers.get(src) ?? []), l.name]);

  const w = (layer: string, key: string): Weight => {
    const v = weights.get(`${layer}/${key}`);
    if (!v) throw new Error(`weight '${layer}/${key}' is missing from the weights manifest`);
    return v;
  };

  const g = new GraphBuilder(graphName);
  const values = new Map<string, Value>();
  /** Convolutions waiting for the BatchNorm that will be folded into them. */
  const pendingConv = new Map<string, { layer: KerasLayer; input: Value }>();
  let emitted = 0;

  const emitKerasConv = (layer: KerasLayer, input: Value, bn?: { gamma?: Float32Array; beta?: Float32Array; mean: Float32Array; variance: Float32Array; eps: number }): Value => {
    const c = layer.config;
    const depthwise = layer.class_name === 'DepthwiseConv2D';
    const raw = w(layer.name, depthwise ? 'depthwise_kernel' : 'kernel');
    const weight = depthwise ? depthwiseToOihw(raw) : hwioToOihw(raw);
    const cout = weight.shape[0];
    const perOut = weight.data.length / cout;
    let bias: Float32Array | undefined = c.use_bias === false ? undefined : w(layer.name, 'bias').data.slice();
    if (bn) {
      const k = new Float32Array(cout);
      for (let o = 0; o < cout; o++) k[o] = (bn.gamma ? bn.gamma[o] : 1) / Math.sqrt(bn.variance[o] + bn.eps);
      const data = weight.data;
      for (let o = 0; o < cout; o++) for (let j = 0; j < perOut; j++) data[o * perOut + j] *= k[o];
      const b = new Float32Array(cout);
      for (let o = 0; o < cout; o++) b[o] = ((bias ? bias[o] : 0) - bn.mean[o]) * k[o] + (bn.beta ? bn.beta[o] : 0);
      bias = b;
    }
    emitted++;
    const y = emitConv(g, input, {
      weight,
      bias,
      strides: pair(c.strides, 1),
      dilations: pair(c.dilation_rate, 1),
      padding: paddingOf(layer),
      group: depthwise ? raw.shape[2] : 1,
      name: layer.name,
    });
    return emitActivation(g, y, activationOf(layer));
  };

  for (const l of order) {
    const c = l.config;
    if (c.data_format && c.data_format !== 'channels_last') throw new Error(`layer '${l.name}': data_format ${c.data_format} is not supported`);
    // A conv waiting for its BatchNorm has no value yet; the BatchNorm takes it from pendingConv.
    const ins = inboundOf(l).filter((name) => !pendingConv.has(name)).map((name) => {
      const v = values.get(name);
      if (v === undefined) throw new Error(`layer '${l.name}' needs '${name}' before it is computed`);
      return v;
    });
    let v: Value;
    switch (l.class_name) {
      case 'InputLayer':
        v = g.input('input', ['N', 3, 'H', 'W']);
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const next = consumers.get(l.name) ?? [];
        const foldable = next.length === 1 && byName.get(next[0])?.class_name === 'BatchNormalization' && activationOf(l) === 'linear' && !outputs.includes(l.name);
        if (foldable) {
          pendingConv.set(l.name, { layer: l, input: ins[0] });
          continue;
        }
        v = emitKerasConv(l, ins[0]);
        break;
      }
      case 'BatchNormalization': {
        channelAxis(l, c.axis);
        const bn = {
          gamma: c.scale === false ? undefined : w(l.name, 'gamma').data,
          beta: c.center === false ? undefined : w(l.name, 'beta').data,
          mean: w(l.name, 'moving_mean').data,
          variance: w(l.name, 'moving_variance').data,
          eps: c.epsilon ?? 1e-3,
        };
        const src = inboundOf(l)[0];
        const conv = pendingConv.get(src);
        if (conv) {
          pendingConv.delete(src);
          v = emitKerasConv(conv.layer, conv.input, bn);
        } else {
          // Stand-alone BatchNorm: an affine map per channel.
          const n = bn.mean.length;
          const k = new Float32Array(n);
          const b = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            k[i] = (bn.gamma ? bn.gamma[i] : 1) / Math.sqrt(bn.variance[i] + bn.eps);
            b[i] = (bn.beta ? bn.beta[i] : 0) - bn.mean[i] * k[i];
          }
          v = g.add(g.mul(ins[0], g.constFloat(k, [n, 1, 1])), g.constFloat(b, [n, 1, 1]));
          emitted++;
        }
        break;
      }
      case 'Activation':
        v = emitActivation(g, ins[0], activationOf(l));
        break;
      case 'ReLU':
        v = emitActivation(g, ins[0], 'relu');
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const size = pair(c.pool_size, 2);
        v = emitPool(g, ins[0], l.class_name === 'MaxPooling2D' ? 'max' : 'avg', size, pair(c.strides ?? size, 1), paddingOf(l));
        break;
      }
      case 'Concatenate':
        channelAxis(l, c.axis);
        v = g.op('Concat', ins, { axis: attr.int(1) });
        break;
      case 'Add':
        v = ins.slice(1).reduce((acc, x) => g.add(acc, x), ins[0]);
        break;
      case 'ZeroPadding2D': {
        const p = c.padding as number[][];
        v = g.op('Pad', [ins[0], g.constInt64([0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]])], { mode: attr.string('constant') });
        break;
      }
      default:
        throw new Error(`Keras layer class '${l.class_name}' (layer '${l.name}') is not supported by the converter`);
    }
    values.set(l.name, v);
  }
  outputs.forEach((name) => g.output(values.get(name) as Value, name, tapShape(name)));
  return {
    onnx: g.toModel({ source: 'tfjs-layers-model' }),
    outputs: outputs.map((name) => ({ name, node: name })),
    layerCount: emitted,
  };
}
