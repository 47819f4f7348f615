/**
 * Backbone manifests and the runner: validation messages, missing / tampered models, a
 * user-supplied ONNX backbone (generated here), fixed-batch exports, and the bundled models
 * when `npm run build` has produced them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { findModelsDir, loadBackbone, resolveManifestPath } from '../../src/core/backbone/backbone';
import { scalingAffine, validateBackboneManifest } from '../../src/core/backbone/manifest';
import { attr, GraphBuilder } from '../../src/core/onnx/builder';
import { AnomalyLensError } from '../../src/shared/errors';
import { mulberry32 } from '../../src/core/rng';

const repoRoot = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-backbone-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const rt = { device: 'cpu' as const, threads: 1 };

const validManifest = {
  id: 'tiny',
  file: 'tiny.onnx',
  input: 'input',
  inputSize: 32,
  scaling: 'symmetric',
  taps: [
    { name: 'fine', stride: 2, channels: 3 },
    { name: 'coarse', stride: 4, channels: 6 },
  ],
};

/** A stand-in backbone: 2x2 average pool (stride 2, 3 ch) and a 4x4 pool doubled to 6 ch (stride 4). */
function tinyOnnx(batch: number | 'N' = 'N'): Uint8Array {
  const g = new GraphBuilder('tiny');
  const x = g.input('input', [batch, 3, 'H', 'W']);
  g.output(g.op('AveragePool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }), 'fine', [batch, 3, 'h1', 'w1']);
  const p = g.op('AveragePool', [x], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) });
  g.output(g.op('Concat', [p, g.mul(p, g.constFloat([2], []))], { axis: attr.int(1) }), 'coarse', [batch, 6, 'h2', 'w2']);
  return g.toModel();
}

function writeBackbone(dir: string, manifest: object, onnx: Uint8Array): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tiny.onnx'), onnx);
  const mf = path.join(dir, 'tiny.manifest.json');
  fs.writeFileSync(mf, JSON.stringify(manifest));
  return mf;
}

async function rejectsWith(p: Promise<unknown>, code: string, re?: RegExp): Promise<AnomalyLensError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AnomalyLensError, `expected AnomalyLensError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(`${err.message} ${err.hint ?? ''}`, re);
    return err;
  }
  assert.fail(`expected ${code}`);
}

test('manifest validator accepts a well-formed user manifest', () => {
  const m = validateBackboneManifest(validManifest, 'x.json');
  assert.equal(m.taps[1].channels, 6);
});

test('manifest validator lists every problem with the field and names the file', () => {
  const bad = { ...validManifest, id: 'has space', file: 'model.pt', scaling: 'zero-one', inputSize: 8, taps: [{ name: 'a', stride: 16, channels: 0 }, { name: 'a', stride: 8, channels: 4 }] };
  try {
    validateBackboneManifest(bad, '/some/dir/bb.json');
    assert.fail('accepted an invalid manifest');
  } catch (err) {
    assert.ok(err instanceof AnomalyLensError);
    assert.equal(err.code, 'BACKBONE_INVALID');
    assert.equal(err.file, '/some/dir/bb.json');
    for (const part of ['"id"', '"file"', '"scaling"', '"inputSize"', 'taps[0].channels', "taps[1].name 'a' is listed twice", 'finest first']) {
      assert.ok(err.message.includes(part), `message lacks ${part}: ${err.message}`);
    }
  }
  assert.throws(() => validateBackboneManifest([], 'a.json'), /not a JSON object/);
  assert.throws(() => validateBackboneManifest({ ...validManifest, taps: [] }, 'a.json'), /"taps" must be a non-empty array/);
  assert.throws(() => validateBackboneManifest({ ...validManifest, sha256: 'ABC' }, 'a.json'), /"sha256"/);
});

test('scaling maps [0,1] to the documented ranges', () => {
  const s = scalingAffine('symmetric');
  assert.deepEqual([0 * s.scale[0] + s.offset[0], 1 * s.scale[0] + s.offset[0]], [-1, 1]);
  const im = scalingAffine('imagenet');
  assert.ok(Math.abs(0.485 * im.scale[0] + im.offset[0]) < 1e-12);
  assert.deepEqual(scalingAffine('unit'), { scale: [1, 1, 1], offset: [0, 0, 0] });
});

test('findModelsDir: ANOMALY_LENS_MODELS wins; otherwise the package root models/ from source', () => {
  assert.equal(findModelsDir({ ANOMALY_LENS_MODELS: '/opt/x/models' }), path.resolve('/opt/x/models'));
  assert.equal(findModelsDir({}), path.join(repoRoot, 'models'));
});

test('a bundled id whose model was never built is BACKBONE_MISSING with the build hint', async () => {
  const saved = process.env.ANOMALY_LENS_MODELS;
  process.env.ANOMALY_LENS_MODELS = path.join(tmp, 'empty-models');
  try {
    const err = await rejectsWith(loadBackbone('mobilenetv2', rt), 'BACKBONE_MISSING', /run npm run build/);
    assert.equal(err.file, path.join(tmp, 'empty-models', 'mobilenetv2.manifest.json'));
  } finally {
    if (saved === undefined) delete process.env.ANOMALY_LENS_MODELS;
    else process.env.ANOMALY_LENS_MODELS = saved;
  }
});

test('a user-supplied ONNX backbone runs from its manifest (by .json or by .onnx path), taps finest first', async () => {
  const onnx = tinyOnnx();
  const sha = createHash('sha256').update(onnx).digest('hex');
  const mf = writeBackbone(path.join(tmp, 'user'), { ...validManifest, sha256: sha }, onnx);
  assert.equal(resolveManifestPath(path.join(tmp, 'user', 'tiny.onnx')), mf);
  const bb = await loadBackbone(path.join(tmp, 'user', 'tiny.onnx'), rt);
  try {
    assert.equal(bb.sha256, sha);
    const rng = mulberry32(3);
    const input = Float32Array.from({ length: 2 * 3 * 16 * 12 }, () => rng());
    const { taps } = await bb.run(input, [2, 3, 16, 12]);
    assert.deepEqual(taps.map((t) => t.dims), [
      [2, 3, 8, 6],
      [2, 6, 4, 3],
    ]);
    // Image 1, channel 2, cell (0,0) of the fine tap = mean of its 2x2 block.
    const at = (n: number, c: number, y: number, x: number): number => input[((n * 3 + c) * 16 + y) * 12 + x];
    const want = (at(1, 2, 0, 0) + at(1, 2, 0, 1) + at(1, 2, 1, 0) + at(1, 2, 1, 1)) / 4;
    assert.ok(Math.abs(taps[0].data[(1 * 3 + 2) * 48] - want) < 1e-6);
  } finally {
    await bb.release();
  }
});

test('a fixed-batch export (batch 1) runs N images one at a time and concatenates the taps', async () => {
  const mf = writeBackbone(path.join(tmp, 'b1'), { ...validManifest, batch: 1 }, tinyOnnx(1));
  const bb = await loadBackbone(mf, rt);
  try {
    const input = Float32Array.from({ length: 3 * 3 * 8 * 8 }, (_, i) => i % 7);
    const { taps } = await bb.run(input, [3, 3, 8, 8]);
    assert.deepEqual(taps[1].dims, [3, 6, 2, 2]);
    const single = await bb.run(input.slice(2 * 192), [1, 3, 8, 8]);
    assert.deepEqual(Array.from(taps[1].data.subarray(2 * 24)), Array.from(single.taps[1].data));
  } finally {
    await bb.release();
  }
});

test('a tampered model file is BACKBONE_INVALID (sha256 mismatch)', async () => {
  const mf = writeBackbone(path.join(tmp, 'sha'), { ...validManifest, sha256: '0'.repeat(64) }, tinyOnnx());
  const err = await rejectsWith(loadBackbone(mf, rt), 'BACKBONE_INVALID', /does not match its manifest/);
  assert.equal(err.file, path.join(tmp, 'sha', 'tiny.onnx'));
});

test('manifest naming outputs the model lacks, or wrong channels, is BACKBONE_INVALID', async () => {
  const wrongName = writeBackbone(path.join(tmp, 'names'), { ...validManifest, taps: [{ name: 'fine', stride: 2, channels: 3 }, { name: 'conv5', stride: 4, channels: 6 }] }, tinyOnnx());
  await rejectsWith(loadBackbone(wrongName, rt), 'BACKBONE_INVALID', /lacks output 'conv5'; model outputs: fine, coarse/);
  const wrongCh = writeBackbone(path.join(tmp, 'ch'), { ...validManifest, taps: [{ name: 'fine', stride: 2, channels: 3 }, { name: 'coarse', stride: 4, channels: 512 }] }, tinyOnnx());
  const bb = await loadBackbone(wrongCh, rt);
  try {
    await rejectsWith(bb.run(new Float32Array(3 * 8 * 8), [1, 3, 8, 8]), 'BACKBONE_INVALID', /manifest says 512 channels/);
    await rejectsWith(bb.run(new Float32Array(10), [1, 3, 8, 8]), 'BAD_ARGUMENT', /\[N,3,H,W\]/);
  } finally {
    await bb.release();
  }
});

test('a manifest path that does not exist, or broken JSON, is reported against that file', async () => {
  await rejectsWith(loadBackbone(path.join(tmp, 'nope.json'), rt), 'BACKBONE_MISSING', /bundled id/);
  const broken = path.join(tmp, 'broken.json');
  fs.writeFileSync(broken, '{ "id": ');
  await rejectsWith(loadBackbone(broken, rt), 'BACKBONE_INVALID', /not valid JSON/);
  await rejectsWith(loadBackbone(path.join(tmp, 'lonely.onnx'), rt), 'BACKBONE_MISSING', /needs a manifest beside it/);
});

const bundledBuilt = fs.existsSync(path.join(findModelsDir(), 'mobilenetv2.manifest.json'));
test('bundled mobilenetv2 runs at 224: 28x28x288 and 14x14x816 taps', { skip: bundledBuilt ? false : 'models/ not built (run npm run build)' }, async () => {
  const bb = await loadBackbone('mobilenetv2', { device: 'cpu', threads: 2 });
  try {
    assert.equal(bb.manifest.scaling, 'unit');
    const { taps } = await bb.run(new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
    assert.deepEqual(taps.map((t) => t.dims), [
      [1, 288, 28, 28],
      [1, 816, 14, 14],
    ]);
    assert.ok(taps.every((t) => t.data.every((v) => v >= 0 && v <= 6)), 'Relu6 taps stay in [0, 6]');
  } finally {
    await bb.release();
  }
});

const examplesManifest = path.join(repoRoot, 'models/examples/mobilenet_v1_1.0_imagenet.manifest.json');
test('the MobileNetV1 example manifest is valid', () => {
  const m = validateBackboneManifest(JSON.parse(fs.readFileSync(examplesManifest, 'utf8')), examplesManifest);
  assert.deepEqual(m.taps.map((t) => [t.name, t.stride, t.channels]), [
    ['conv_pw_5_relu', 8, 256],
    ['conv_pw_11_relu', 16, 512],
  ]);
});

const sharedV1 = path.resolve(repoRoot, '../shared/models/mobilenet_v1_1.0_imagenet/model.onnx');
test('the MobileNetV1 example manifest loads the shared model (batch 1, symmetric scaling)', { skip: fs.existsSync(sharedV1) ? false : `${sharedV1} absent` }, async () => {
  const bb = await loadBackbone(examplesManifest, { device: 'cpu', threads: 2 });
  try {
    const { taps } = await bb.run(new Float32Array(2 * 3 * 224 * 224), [2, 3, 224, 224]);
    assert.deepEqual(taps.map((t) => t.dims), [
      [2, 256, 28, 28],
      [2, 512, 14, 14],
    ]);
  } finally {
    await bb.release();
  }
});
