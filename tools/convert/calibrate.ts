/**
 * Calibration for int8 quantisation: runs the float backbone on generated images (textures with
 * and without defects, MNIST digits; no downloaded data) and records each needed tensor's range.
 */
import { decodeImage } from '../../src/core/image/decode';
import { toModelInput } from '../../src/core/image/preprocess';
import { GraphProtoInit, encodeModel, DataType } from '../../src/core/onnx/proto';
import { IR_VERSION, ONNX_PRODUCER_VERSION, OPSET } from '../../src/core/onnx/builder';
import { createSession, tensor } from '../../src/core/onnx/runtime';
import { mnistDigit } from '../../src/core/samples/mnist';
import { DEFECT_KINDS, generateTexture, TEXTURE_KINDS } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import type { BackboneScaling } from '../../src/core/backbone/manifest';
import type { Range } from './quantize';

/** Model inputs [1, 3, size, size] for calibration, through the same decode and preprocessing as user images. */
export function calibrationInputs(size: number, scaling: BackboneScaling): Float32Array[] {
  const samples = [];
  let seed = 100;
  for (const kind of TEXTURE_KINDS) {
    for (let i = 0; i < 6; i++) samples.push(generateTexture(kind, seed++, 256, i % 3 === 0 ? DEFECT_KINDS[i % 3] : undefined));
  }
  for (let d = 0; d < 10; d++) samples.push(mnistDigit(d, 0));
  return samples.map((s) => {
    const img = decodeImage(new Uint8Array(encodeSamplePng(s)), { maxPixels: 1e8 });
    return toModelInput(img, 0, { resize: size, crop: size, intensity: 'auto' }, scaling).data;
  });
}

/** Min and max of each of `tensors` over `inputs`, the graph's single input being named `inputName`. */
export async function calibrateRanges(
  graph: GraphProtoInit,
  tensors: string[],
  inputName: string,
  inputs: Float32Array[],
  size: number,
): Promise<Record<string, Range>> {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const extra = tensors.filter((t) => t !== inputName && !outputs.has(t));
  const probe = encodeModel({
    irVersion: IR_VERSION,
    opsetVersion: OPSET,
    producerName: 'anomaly-lens',
    producerVersion: ONNX_PRODUCER_VERSION,
    graph: { ...graph, outputs: [...graph.outputs, ...extra.map((name) => ({ name, elemType: DataType.FLOAT }))] },
  });
  const session = await createSession(probe, { device: 'cpu', threads: 0 });
  const ranges: Record<string, Range> = {};
  const widen = (name: string, data: Float32Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const r = ranges[name];
    ranges[name] = r ? [Math.min(r[0], lo), Math.max(r[1], hi)] : [lo, hi];
  };
  try {
    for (const x of inputs) {
      const out = await session.run({ [inputName]: tensor(x, [1, 3, size, size]) });
      for (const t of tensors) widen(t, t === inputName ? x : (out[t].data as Float32Array));
    }
  } finally {
    await session.release();
  }
  return ranges;
}

/** Ranges as stored: rounded outward to 6 significant digits so the file diffs cleanly. */
export function roundRanges(ranges: Record<string, Range>): Record<string, Range> {
  const up = (v: number): number => {
    if (v === 0) return 0;
    const r = Number(v.toPrecision(6));
    if (r >= v) return r;
    const step = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 5);
    return Number((r + step).toPrecision(6));
  };
  return Object.fromEntries(Object.entries(ranges).map(([k, [lo, hi]]) => [k, [lo === 0 ? 0 : -up(-lo), up(hi)] as Range]));
}
