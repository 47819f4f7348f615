/**
 * TF.js graph model (frozen TF GraphDef as JSON) → ONNX, keeping only the subgraph that the
 * requested tap nodes need. TF computes in NHWC; the ONNX graph computes in NCHW from an
 * input `[N, 3, H, W]` with dynamic N/H/W, so per-channel constants, paddings and concat axes
 * are permuted on the way.
 */
import { GraphBuilder, Value, attr } from '../../src/core/onnx/builder';
import { depthwiseToOihw, emitActivation, emitConv, emitPool, hwioToOihw, sanitiseName, TfPadding, Weight } from './emit';
import type { WeightMap } from './weights';

export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: (string | number)[]; s?: string[]; f?: number[] };
  shape?: unknown;
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

export interface TfGraphModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
}

export interface GraphTap {
  /** Full node name, or a suffix that matches exactly one node (e.g. `expanded_conv_6/expand/Relu6`). */
  node: string;
  /** ONNX output name; defaults to the sanitised suffix. */
  output?: string;
}

export interface ConvertedGraph {
  onnx: Uint8Array;
  /** Tap outputs in the order requested, with the node each came from. */
  outputs: { name: string; node: string }[];
  nodeCount: number;
}

const decodeStr = (s: string | undefined): string => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));
const ints = (a: TfAttrValue | undefined): number[] => (a?.list?.i ?? []).map((v) => Number(v));

/** `node:1` → `node`, control inputs (`^node`) are dropped by the caller. */
const baseName = (ref: string): string => ref.replace(/:\d+$/, '');

export function resolveTapNode(nodes: TfNode[], ref: string): string {
  if (nodes.some((n) => n.name === ref)) return ref;
  const hits = nodes.filter((n) => n.name.endsWith(`/${ref}`));
  if (hits.length === 1) return hits[0].name;
  if (hits.length === 0) throw new Error(`tap '${ref}' matches no node of the graph model`);
  throw new Error(`tap '${ref}' is ambiguous: ${hits.map((h) => h.name).join(', ')}`);
}

export function convertGraphModel(model: TfGraphModelJson, weights: WeightMap, taps: GraphTap[], graphName = 'backbone'): ConvertedGraph {
  const nodes = model.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const tapNodes = taps.map((t) => resolveTapNode(nodes, t.node));
  const outNames = taps.map((t) => t.output ?? sanitiseName(t.node));

  // Post-order walk from the taps: the emitted graph holds exactly what they depend on.
  const order: TfNode[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const n = byName.get(name);
    if (!n) throw new Error(`graph model refers to missing node '${name}'`);
    for (const ref of n.input ?? []) if (!ref.startsWith('^')) visit(baseName(ref));
    order.push(n);
  };
  tapNodes.forEach(visit);

  const g = new GraphBuilder(graphName);
  const values = new Map<string, Value>();
  const constOf = (name: string): Weight => {
    const n = byName.get(name);
    if (!n || n.op !== 'Const') throw new Error(`node '${name}' is expected to be a constant`);
    const w = weights.get(name);
    if (!w) throw new Error(`constant '${name}' has no weights in the manifest`);
    return w;
  };
  const isConst = (ref: string): boolean => byName.get(baseName(ref))?.op === 'Const';
  /** A constant used in elementwise math: NHWC per-channel vectors become [C,1,1] for NCHW. */
  const elementwiseConst = (name: string): Value => {
    const w = constOf(name);
    if (w.shape.length === 0 || w.data.length === 1) return g.constFloat([w.data[0]], []);
    if (w.shape.length === 1) return g.constFloat(w.data, [w.data.length, 1, 1]);
    throw new Error(`constant '${name}' of shape [${w.shape.join(',')}] in elementwise math is not supported`);
  };
  const valueOf = (ref: string): Value => {
    const name = baseName(ref);
    if (isConst(ref)) return elementwiseConst(name);
    const v = values.get(name);
    if (v === undefined) throw new Error(`value of '${name}' requested before it was computed`);
    return v;
  };

  let placeholderSeen = false;
  for (const n of order) {
    const ins = (n.input ?? []).filter((r) => !r.startsWith('^'));
    const a = n.attr ?? {};
    let v: Value | undefined;
    switch (n.op) {
      case 'Const':
        continue;
      case 'Placeholder':
        if (placeholderSeen) throw new Error('graph models with more than one input are not supported');
        placeholderSeen = true;
        v = g.input('input', ['N', 3, 'H', 'W']);
        break;
      case 'Identity':
        v = valueOf(ins[0]);
        break;
      case 'Mul':
      case 'Sub':
      case 'Add':
      case 'AddV2':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum': {
        const onnxOp = { Mul: 'Mul', Sub: 'Sub', Add: 'Add', AddV2: 'Add', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min' }[n.op] as string;
        v = g.op(onnxOp, [valueOf(ins[0]), valueOf(ins[1])]);
        break;
      }
      case 'Relu':
        v = emitActivation(g, valueOf(ins[0]), 'relu');
        break;
      case 'Relu6':
        v = emitActivation(g, valueOf(ins[0]), 'relu6');
        break;
      case 'BiasAdd':
        v = g.op('Add', [valueOf(ins[0]), elementwiseConst(baseName(ins[1]))]);
        break;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        v = convNode(g, n, ins, valueOf, constOf);
        break;
      case 'Pad': {
        const p = constOf(baseName(ins[1])).data; // [[n0,n1],[h0,h1],[w0,w1],[c0,c1]]
        if (p[0] || p[1] || p[6] || p[7]) throw new Error(`Pad '${n.name}': padding the batch or channel axis is not supported`);
        v = g.op('Pad', [valueOf(ins[0]), g.constInt64([0, 0, p[2], p[4], 0, 0, p[3], p[5]])], { mode: attr.string('constant') });
        break;
      }
      case 'ConcatV2': {
        const axis = constOf(baseName(ins[ins.length - 1])).data[0];
        v = g.op('Concat', ins.slice(0, -1).map(valueOf), { axis: attr.int(nhwcAxisToNchw(axis, n.name)) });
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const k = ints(a.ksize);
        const s = ints(a.strides);
        v = emitPool(g, valueOf(ins[0]), n.op === 'MaxPool' ? 'max' : 'avg', [k[1], k[2]], [s[1], s[2]], padOf(n));
        break;
      }
      default:
        throw new Error(`TF op '${n.op}' (node '${n.name}') is not supported by the converter`);
    }
    values.set(n.name, v);
  }
  tapNodes.forEach((name, i) => g.output(values.get(name) as Value, outNames[i], tapShape(outNames[i])));
  return {
    onnx: g.toModel({ source: 'tfjs-graph-model' }),
    outputs: tapNodes.map((node, i) => ({ name: outNames[i], node })),
    nodeCount: order.length,
  };
}

/** Symbolic output dims, distinct per tap so no equality between taps is implied. */
export function tapShape(name: string): string[] {
  return ['N', `${name}_C`, `${name}_H`, `${name}_W`];
}

function padOf(n: TfNode): TfPadding {
  const p = decodeStr(n.attr?.padding?.s);
  if (p !== 'SAME' && p !== 'VALID') throw new Error(`node '${n.name}': padding '${p}' is not supported`);
  return p;
}

function nhwcAxisToNchw(axis: number, node: string): number {
  const a = axis < 0 ? axis + 4 : axis;
  const map = [0, 2, 3, 1];
  if (a < 0 || a > 3) throw new Error(`node '${node}': concat axis ${axis} out of range for a 4-D tensor`);
  return map[a];
}

function convNode(
  g: GraphBuilder,
  n: TfNode,
  ins: string[],
  valueOf: (ref: string) => Value,
  constOf: (name: string) => Weight,
): Value {
  const a = n.attr ?? {};
  const format = decodeStr(a.data_format?.s) || 'NHWC';
  if (format !== 'NHWC') throw new Error(`node '${n.name}': data_format ${format} is not supported`);
  const strides = ints(a.strides);
  const dil = ints(a.dilations);
  const depthwise = n.op.includes('Depthwise');
  const raw = constOf(baseName(ins[1]));
  const weight = depthwise ? depthwiseToOihw(raw) : hwioToOihw(raw);
  const fused = (a.fused_ops?.list?.s ?? []).map(decodeStr);
  let bias: Float32Array | undefined;
  let activation: 'relu' | 'relu6' | 'linear' = 'linear';
  for (const f of fused) {
    if (f === 'BiasAdd') bias = constOf(baseName(ins[2])).data;
    else if (f === 'Relu') activation = 'relu';
    else if (f === 'Relu6') activation = 'relu6';
    else throw new Error(`node '${n.name}': fused op '${f}' is not supported`);
  }
  const y = emitConv(g, valueOf(ins[0]), {
    weight,
    bias,
    strides: [strides[1] ?? 1, strides[2] ?? 1],
    dilations: [dil[1] ?? 1, dil[2] ?? 1],
    padding: padOf(n),
    group: depthwise ? raw.shape[2] : 1,
    name: sanitiseName(n.name),
  });
  return emitActivation(g, y, activation);
}
