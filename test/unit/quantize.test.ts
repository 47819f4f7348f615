/**
 * int8 quantisation of backbones: weight and activation parameters by hand, a small generated
 * conv net quantised and compared with its float self, calibration ranges, and the bundled
 * inceptionv3-int8 against its float base.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { calibrateRanges, roundRanges } from '../../tools/convert/calibrate';
import { QUANTIZED_BACKBONES, StoredRanges } from '../../tools/convert/nsfwjs';
import { activationParams, featureAgreement, quantisedTensors, quantizeConvGraph, quantizeWeights, Range } from '../../tools/convert/quantize';
import { attr, GraphBuilder, IR_VERSION, OPSET } from '../../src/core/onnx/builder';
import { encodeModel, GraphProtoInit } from '../../src/core/onnx/proto';
import { decodeModel } from '../../src/core/onnx/reader';
import { createSession, tensor } from '../../src/core/onnx/runtime';
import { mulberry32 } from '../../src/core/rng';
import { decodeImage } from '../../src/core/image/decode';
import { toModelInput } from '../../src/core/image/preprocess';
import { generateTexture, TEXTURE_KINDS } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';

const repoRoot = path.resolve(__dirname, '../..');

test('weights quantise per output channel to ±63 with scale max|w|/63', () => {
  const w = Float32Array.from([0.63, -0.316, 0.1, 0, -2, 1, 0.5, 0.25]);
  const { q, scales } = quantizeWeights(w, 2, 7);
  assert.deepEqual(Array.from(scales).map((s) => +s.toFixed(6)), [0.01, +(2 / 63).toFixed(6)]);
  assert.deepEqual(Array.from(q), [63, -32, 10, 0, -63, 32, 16, 8]);
  const eight = quantizeWeights(w, 2, 8);
  assert.equal(eight.q[0], 127);
  assert.equal(eight.q[4], -127);
});

test('activation parameters cover the range and always include zero', () => {
  const unit = activationParams([0, 2.55]);
  assert.ok(Math.abs(unit.scale - 0.01) < 1e-12);
  assert.equal(unit.zeroPoint, 0);
  const sym = activationParams([-1, 1]);
  assert.ok(Math.abs(sym.scale - 2 / 255) < 1e-9);
  assert.equal(sym.zeroPoint, 128);
  assert.equal(activationParams([0.5, 2.55]).scale, unit.scale, 'a range above 0 is widened to start at 0');
  assert.deepEqual(activationParams([0, 0]), { scale: 1, zeroPoint: 0 });
});

/** input → Conv+Relu → Conv (no Relu) and MaxPool → outputs; weights seeded. */
function smallNet(seed: number): GraphProtoInit {
  const rnd = mulberry32(seed);
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
  const g = new GraphBuilder('net');
  const x = g.input('input', [1, 3, 'H', 'W']);
  const conv = (v: string, ci: number, co: number, name: string) =>
    g.op('Conv', [v, g.constFloat(rand(co * ci * 9, 0.4), [co, ci, 3, 3], `${name}/W`), g.constFloat(rand(co, 0.1), [co], `${name}/B`)], {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
    });
  const a = g.op('Relu', [conv(x, 3, 8, 'c1')], {}, 'a');
  const b = conv(a, 8, 6, 'c2');
  g.output(b, 'linear');
  g.output(g.op('MaxPool', [a], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }), 'pooled');
  return g.graph();
}

const encode = (graph: GraphProtoInit) => encodeModel({ irVersion: IR_VERSION, opsetVersion: OPSET, producerName: 't', producerVersion: '0', graph });

async function runNet(graph: GraphProtoInit, x: Float32Array, size: number): Promise<Record<string, Float32Array>> {
  const s = await createSession(encode(graph), { device: 'cpu', threads: 1 });
  try {
    const out = await s.run({ input: tensor(x, [1, 3, size, size]) });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

test('calibration records each tensor’s min and max; quantised net tracks the float net', async () => {
  const graph = smallNet(7);
  const rnd = mulberry32(3);
  const size = 12;
  const inputs = Array.from({ length: 4 }, () => Float32Array.from({ length: 3 * size * size }, () => rnd()));
  const tensors = quantisedTensors(graph);
  const secondConvOut = graph.nodes.find((n) => n.opType === 'Conv' && n.inputs[0] === 'a')!.outputs[0];
  assert.deepEqual([...tensors].sort(), ['a', 'input', secondConvOut].sort());
  const ranges = await calibrateRanges(graph, tensors, 'input', inputs, size);
  // Hand check: the input's range is the min/max of the fed values.
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of inputs) {
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  assert.deepEqual(ranges.input, [lo, hi]);
  assert.equal(ranges.a[0], 0, 'a Relu output starts at 0');
  const linearName = secondConvOut;
  assert.ok(ranges[linearName][0] < 0, 'the un-activated conv output goes negative');

  const q = quantizeConvGraph(graph, roundRanges(ranges), { weightBits: 8 });
  assert.equal(q.nodes.filter((n) => n.opType === 'Relu').length, 0, 'the Relu is folded into the uint8 quantiser');
  assert.equal(q.nodes.filter((n) => n.opType === 'Conv').length, 2);
  // input, conv 1 out (read by conv 2 without another pair), conv 2 out.
  assert.equal(q.nodes.filter((n) => n.opType === 'QuantizeLinear').length, 3);
  for (const x of inputs) {
    const f = await runNet(graph, x, size);
    const g = await runNet(q, x, size);
    for (const out of ['linear', 'pooled']) {
      const [rlo, rhi] = out === 'pooled' ? ranges.a : ranges[linearName];
      let worst = 0;
      for (let i = 0; i < f[out].length; i++) worst = Math.max(worst, Math.abs(f[out][i] - g[out][i]));
      assert.ok(worst < 0.06 * (rhi - rlo), `${out}: max error ${worst.toFixed(4)} over range ${(rhi - rlo).toFixed(3)}`);
    }
    assert.ok(g.pooled.every((v) => v >= 0), 'folded Relu still clamps at 0');
    assert.ok(g.linear.some((v) => v < 0), 'a conv without Relu keeps negative values');
  }
});

test('quantising without a needed range names the tensor', () => {
  const graph = smallNet(1);
  assert.throws(() => quantizeConvGraph(graph, { input: [0, 1] as Range }), /no calibration range for tensor 'a'.*--calibrate/);
});

test('feature agreement: cosine and relative error by hand', () => {
  const a = Float32Array.from([3, 4]);
  assert.deepEqual(featureAgreement(a, a), { cosine: 1, relError: 0 });
  const r = featureAgreement(a, Float32Array.from([4, 3]));
  assert.ok(Math.abs(r.cosine - 24 / 25) < 1e-12);
  assert.ok(Math.abs(r.relError - Math.sqrt(2) / 5) < 1e-12);
});

test('ranges round outward to 6 significant digits', () => {
  const r = roundRanges({ t: [-0.1234567, 9.87654321], z: [0, 1] });
  assert.deepEqual(r.t, [-0.123457, 9.87655]);
  assert.deepEqual(r.z, [0, 1]);
});

const built = fs.existsSync(path.join(repoRoot, 'models', 'inceptionv3-int8.onnx')) && fs.existsSync(path.join(repoRoot, 'models', 'inceptionv3.onnx'));

test('the committed ranges belong to the built inceptionv3 and cover every quantised tensor', { skip: !built && 'models/ not built (npm run build)' }, () => {
  const spec = QUANTIZED_BACKBONES.find((s) => s.id === 'inceptionv3-int8')!;
  const stored = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tools/convert/ranges', spec.rangesFile), 'utf8')) as StoredRanges;
  const baseBytes = fs.readFileSync(path.join(repoRoot, 'models', 'inceptionv3.onnx'));
  assert.equal(stored.baseSha256, createHash('sha256').update(baseBytes).digest('hex'), 'recalibrate: npx tsx scripts/convert-models.ts --calibrate');
  const needed = quantisedTensors(decodeModel(new Uint8Array(baseBytes)).graph);
  assert.equal(needed.filter((t) => !stored.ranges[t]).length, 0);
  assert.equal(stored.weightBits, 7, 'AVX2 machines without VNNI need 7-bit weights');
});

test('bundled inceptionv3-int8 features stay close to inceptionv3 on generated images', { skip: !built && 'models/ not built (npm run build)' }, async () => {
  const fp = await createSession(path.join(repoRoot, 'models', 'inceptionv3.onnx'), { device: 'cpu', threads: 2 });
  const q = await createSession(path.join(repoRoot, 'models', 'inceptionv3-int8.onnx'), { device: 'cpu', threads: 2 });
  try {
    // Textures the calibration did not see (other generator seeds).
    const inputs = TEXTURE_KINDS.map((kind, i) => {
      const img = decodeImage(new Uint8Array(encodeSamplePng(generateTexture(kind, 900 + i, 256, i === 1 ? 'scratch' : undefined))), { maxPixels: 1e8 });
      return toModelInput(img, 0, { resize: 224, crop: 224, intensity: 'auto' }, 'unit').data;
    });
    for (const x of inputs) {
      const a = await fp.run({ input: tensor(x, [1, 3, 224, 224]) });
      const b = await q.run({ input: tensor(x, [1, 3, 224, 224]) });
      for (const tap of ['mixed2', 'mixed7']) {
        assert.deepEqual(b[tap].dims, a[tap].dims);
        const { cosine } = featureAgreement(a[tap].data as Float32Array, b[tap].data as Float32Array);
        assert.ok(cosine > 0.97, `${tap}: cosine ${cosine.toFixed(4)}`);
      }
    }
  } finally {
    await fp.release();
    await q.release();
  }
});
