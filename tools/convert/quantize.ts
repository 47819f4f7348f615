/**
 * Static int8 quantisation of a converted backbone, written as QDQ (QuantizeLinear /
 * DequantizeLinear) pairs that onnxruntime fuses into QLinearConv kernels.
 *
 * Each Conv (with its following Relu, if any) becomes
 *   DQ(Q(x)) → Conv(DQ(W int8, per output channel), DQ(bias int32)) → Q(y) → DQ → y
 * Pools and concats stay in float; only the convolutions, nearly all of the work, run in int8.
 * Activation ranges come from a calibration pass (calibrate.ts) and are stored beside the
 * converter so that every machine builds the same bytes.
 */
import { DataType, GraphProtoInit, NodeProtoInit, TensorProtoInit } from '../../src/core/onnx/proto';

/** [min, max] of a float tensor over the calibration images. */
export type Range = [number, number];

export interface QuantizeOptions {
  /**
   * Weight bits. 7 keeps u8×s8 products from saturating the 16-bit pair sums of AVX2 kernels
   * (machines without VNNI); 8 is finer but only safe on VNNI or ARM.
   */
  weightBits: 7 | 8;
}

export const DEFAULT_QUANTIZE: QuantizeOptions = { weightBits: 7 };

/** The tensors whose ranges quantisation needs: every Conv input and every Conv(+Relu) output. */
export function quantisedTensors(graph: GraphProtoInit): string[] {
  const out = new Set<string>();
  const consumers = consumerMap(graph.nodes);
  for (const n of graph.nodes) {
    if (n.opType !== 'Conv') continue;
    out.add(n.inputs[0]);
    out.add(convOutput(n, consumers).name);
  }
  return [...out];
}

interface ConvOutput {
  /** The float tensor the rest of the graph reads (the Relu's output when one follows). */
  name: string;
  relu?: NodeProtoInit;
}

function consumerMap(nodes: NodeProtoInit[]): Map<string, NodeProtoInit[]> {
  const m = new Map<string, NodeProtoInit[]>();
  for (const n of nodes) for (const i of n.inputs) if (i) (m.get(i) ?? m.set(i, []).get(i)!).push(n);
  return m;
}

/** A Relu that is the conv's only consumer is folded into the output quantiser (zero point 0). */
function convOutput(conv: NodeProtoInit, consumers: Map<string, NodeProtoInit[]>): ConvOutput {
  const users = consumers.get(conv.outputs[0]) ?? [];
  if (users.length === 1 && users[0].opType === 'Relu') return { name: users[0].outputs[0], relu: users[0] };
  return { name: conv.outputs[0] };
}

/** uint8 affine parameters covering [min, max] (always including 0, as ONNX requires). */
export function activationParams([lo, hi]: Range): { scale: number; zeroPoint: number } {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  const scale = max - min > 0 ? (max - min) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  return { scale, zeroPoint };
}

function f32(t: TensorProtoInit): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`initializer ${t.name} is not float32`);
  return new Float32Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.byteLength));
}

const bytes = (a: Float32Array | Int8Array | Int32Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Symmetric per-output-channel weights: scale_o = max|W_o| / qmax, zero point 0. */
export function quantizeWeights(w: Float32Array, outChannels: number, bits: 7 | 8): { q: Int8Array; scales: Float32Array } {
  const qmax = bits === 8 ? 127 : 63;
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
    const s = m > 0 ? m / qmax : 1;
    scales[o] = s;
    for (let i = 0; i < per; i++) q[o * per + i] = Math.max(-qmax, Math.min(qmax, Math.round(w[o * per + i] / s)));
  }
  return { q, scales };
}

/**
 * Rewrites every Conv of `graph` as a QDQ convolution. Throws when a needed range is missing,
 * so a stale calibration file cannot silently produce a wrong model.
 */
export function quantizeConvGraph(graph: GraphProtoInit, ranges: Record<string, Range>, opts: QuantizeOptions = DEFAULT_QUANTIZE): GraphProtoInit {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const consumers = consumerMap(graph.nodes);
  const added: TensorProtoInit[] = [];
  const nodes: NodeProtoInit[] = [];
  const folded = new Set<NodeProtoInit>();
  /** float tensor → the dequantised tensor convs read instead. */
  const dequantised = new Map<string, string>();
  const rangeOf = (name: string): Range => {
    const r = ranges[name];
    if (!r || !Number.isFinite(r[0]) || !Number.isFinite(r[1])) throw new Error(`no calibration range for tensor '${name}'; recalibrate (scripts/convert-models.ts --calibrate)`);
    return r;
  };
  const qParams = (name: string): [string, string] => {
    const { scale, zeroPoint } = activationParams(rangeOf(name));
    added.push({ name: `${name}/q_scale`, dataType: DataType.FLOAT, dims: [], raw: bytes(Float32Array.of(scale)) });
    added.push({ name: `${name}/q_zero`, dataType: DataType.UINT8, dims: [], raw: Uint8Array.of(zeroPoint) });
    return [`${name}/q_scale`, `${name}/q_zero`];
  };
  const node = (opType: string, inputs: string[], outputs: string[], attributes: NodeProtoInit['attributes'] = {}): void => {
    nodes.push({ name: `${outputs[0]}/${opType}`, opType, inputs, outputs, attributes });
  };
  const readQuantised = (x: string): string => {
    const known = dequantised.get(x);
    if (known) return known;
    const [s, z] = qParams(x);
    node('QuantizeLinear', [x, s, z], [`${x}/q`]);
    node('DequantizeLinear', [`${x}/q`, s, z], [`${x}/dq`]);
    dequantised.set(x, `${x}/dq`);
    return `${x}/dq`;
  };

  for (const n of graph.nodes) {
    if (folded.has(n)) continue;
    if (n.opType !== 'Conv') {
      nodes.push(n);
      continue;
    }
    const [xName, wName, bName] = n.inputs;
    const W = inits.get(wName);
    if (!W) throw new Error(`conv ${n.name}: weight '${wName}' is not an initializer`);
    const w = f32(W);
    const co = W.dims[0];
    const bias = bName ? f32(inits.get(bName) ?? fail(`conv ${n.name}: bias '${bName}' is not an initializer`)) : new Float32Array(co);
    const x = readQuantised(xName);
    const xScale = activationParams(rangeOf(xName)).scale;
    const { q, scales } = quantizeWeights(w, co, opts.weightBits);
    const biasQ = Int32Array.from(bias, (b, o) => Math.round(b / (xScale * scales[o])));
    const biasScale = Float32Array.from(scales, (s) => s * xScale);
    const p = `${wName}/int8`;
    added.push(
      { name: `${p}/w`, dataType: DataType.INT8, dims: W.dims, raw: bytes(q) },
      { name: `${p}/w_scale`, dataType: DataType.FLOAT, dims: [co], raw: bytes(scales) },
      { name: `${p}/w_zero`, dataType: DataType.INT8, dims: [co], raw: new Uint8Array(co) },
      { name: `${p}/b`, dataType: DataType.INT32, dims: [co], raw: bytes(biasQ) },
      { name: `${p}/b_scale`, dataType: DataType.FLOAT, dims: [co], raw: bytes(biasScale) },
      { name: `${p}/b_zero`, dataType: DataType.INT32, dims: [co], raw: new Uint8Array(co * 4) },
    );
    const perChannel = { axis: { kind: 'int' as const, value: 0 } };
    node('DequantizeLinear', [`${p}/w`, `${p}/w_scale`, `${p}/w_zero`], [`${p}/w_dq`], perChannel);
    node('DequantizeLinear', [`${p}/b`, `${p}/b_scale`, `${p}/b_zero`], [`${p}/b_dq`], perChannel);
    const out = convOutput(n, consumers);
    if (out.relu) folded.add(out.relu);
    nodes.push({ ...n, inputs: [x, `${p}/w_dq`, `${p}/b_dq`], outputs: [`${out.name}/conv`] });
    // With a folded Relu the output range starts at 0, so the uint8 quantiser clamps negatives: Relu for free.
    const [s, z] = qParams(out.name);
    node('QuantizeLinear', [`${out.name}/conv`, s, z], [`${out.name}/q`]);
    node('DequantizeLinear', [`${out.name}/q`, s, z], [out.name]);
    dequantised.set(out.name, out.name);
  }
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return { ...graph, nodes, initializers: [...graph.initializers.filter((t) => used.has(t.name)), ...added] };
}

/** How close a quantised feature map `b` stays to its float original `a`: cosine and ‖b − a‖ / ‖a‖. */
export function featureAgreement(a: Float32Array, b: Float32Array): { cosine: number; relError: number } {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  let dd = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
    dd += (a[i] - b[i]) ** 2;
  }
  return { cosine: ab / Math.sqrt(aa * bb), relError: Math.sqrt(dd / aa) };
}

function fail(message: string): never {
  throw new Error(message);
}
