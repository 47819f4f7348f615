/** The extension's pure parts: model.json → summary, the per-file write order, progress text, re-thresholding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyLensError } from '../../src/shared/errors';
import { describeModelGeometry, modelInfo, parseModelSummary, summarizeModel } from '../../src/shared/modelSummary';
import { KeyedSerializer } from '../../src/extension/keyedSerializer';
import { formatDuration, progressSteps, scanSummary, scanTitle } from '../../src/extension/progressText';
import { rethreshold } from '../../src/extension/threshold';
import { thresholdToWrite } from '../../src/extension/thresholdPreview';

const manifest = {
  id: 'gpmlp-1', createdAt: '2026-01-02T03:04:05Z', trainingImages: 6,
  backbone: { id: 'inceptionv3-int8', sha256: 'x' },
  calibration: { threshold: 2, mode: 'normal-quantile', spread: 0.5, normalScores: [1, 2] },
  preprocess: { resize: 224, crop: 224, intensity: 'auto' },
  tiling: { tile: 160, overlap: 40, scale: 160 / 224 },
};

test('model.json becomes the same summary the worker builds from the manifest', () => {
  const parsed = parseModelSummary('/m', JSON.stringify(manifest), '/m/model.json');
  assert.deepEqual(parsed, summarizeModel('/m', manifest as never));
  assert.deepEqual(parsed, {
    id: 'gpmlp-1', dir: '/m', backbone: 'inceptionv3-int8', createdAt: '2026-01-02T03:04:05Z', threshold: 2,
    thresholdMode: 'normal-quantile', spread: 0.5, trainingImages: 6,
    geometry: { inputSide: 224, tiling: { tile: 160, overlap: 40, scale: 160 / 224 } },
  });
  assert.equal(describeModelGeometry(parsed.geometry!), 'Tiles 160 px, overlap 40 px, scale 0.71');
  const untiled = parseModelSummary('/m', JSON.stringify({ ...manifest, tiling: undefined }), '/m/model.json');
  assert.equal(describeModelGeometry(untiled.geometry!), 'Whole image, resized to 224');
  assert.deepEqual(modelInfo(parsed), { id: 'gpmlp-1', backbone: 'inceptionv3-int8', createdAt: '2026-01-02T03:04:05Z', geometry: parsed.geometry });
});

test('a malformed model.json is MODEL_INVALID naming the file and the field, never a half-filled summary', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(() => parseModelSummary('/m', text, '/m/model.json'), (e: unknown) =>
      e instanceof AnomalyLensError && e.code === 'MODEL_INVALID' && e.file === '/m/model.json' && re.test(e.message));
  bad('{not json', /not JSON/);
  bad('[]', /not an object/);
  bad(JSON.stringify({ ...manifest, calibration: undefined }), /calibration object/);
  bad(JSON.stringify({ ...manifest, calibration: { ...manifest.calibration, threshold: 'high' } }), /calibration\.threshold/);
  bad(JSON.stringify({ ...manifest, calibration: { ...manifest.calibration, spread: 0 } }), /spread/);
  bad(JSON.stringify({ ...manifest, calibration: { ...manifest.calibration, mode: 'guess' } }), /unknown calibration\.mode "guess"/);
  bad(JSON.stringify({ ...manifest, backbone: { sha256: 'x' } }), /backbone\.id/);
  bad(JSON.stringify({ ...manifest, id: 7 }), /no id string/);
  bad(JSON.stringify({ ...manifest, tiling: { tile: 160, overlap: 'wide', scale: 1 } }), /tiling\.overlap/);
});

test('writes with one key run one after another, in order, even after a failure; other keys do not wait', async () => {
  const s = new KeyedSerializer();
  const order: string[] = [];
  let releaseA!: () => void;
  const gateA = new Promise<void>((r) => (releaseA = r));
  const a1 = s.run('a', async () => {
    await gateA;
    order.push('a1');
    throw new Error('a1 failed');
  });
  const a2 = s.run('a', async () => {
    order.push('a2');
    return 2;
  });
  const b1 = s.run('b', async () => {
    order.push('b1');
    return 1;
  });
  assert.equal(await b1, 1);
  assert.deepEqual(order, ['b1'], 'b ran while a1 was still waiting');
  releaseA();
  await assert.rejects(a1, /a1 failed/);
  assert.equal(await a2, 2);
  assert.deepEqual(order, ['b1', 'a1', 'a2']);
  await new Promise((r) => setImmediate(r));
  assert.equal(s.size, 0, 'finished keys are forgotten');
});

test('progress text: stage and count, training loss, a scan ETA from the passed clock, increments that add up to 100', () => {
  let now = 0;
  const step = progressSteps(() => now);
  assert.deepEqual(step({ stage: 'training', done: 3, total: 10, loss: 0.12345 }), { message: 'training 3/10 · loss 0.1235', increment: undefined });
  now = 10_000;
  const first = step({ stage: 'scan', done: 1, total: 4 });
  assert.equal(first.message, 'scan 1/4 · ETA 30 s');
  now = 40_000;
  const last = step({ stage: 'scan', done: 4, total: 4 });
  assert.equal(last.message, 'scan 4/4');
  assert.equal((first.increment ?? 0) + (last.increment ?? 0), 100);
  assert.equal(formatDuration(59.2), '60 s');
  assert.equal(formatDuration(125), '2 min 5 s');
  assert.equal(formatDuration(3 * 3600 + 120), '3 h 2 min');
});

test('re-thresholding moves an unreviewed finding of the model and leaves reviewed ones and other models alone', () => {
  const model = { id: 'm1', threshold: 2, spread: 1 };
  const s = { thresholdMode: 'normal-quantile' as const, manualThreshold: null, sensitivity: 0.5 };
  const f = { path: 'a', status: 'predicted' as const, label: 'normal' as const, score: 2.2, normalized: 0.7, threshold: 2, modelId: 'm1' };
  const strict = rethreshold(f, model, { ...s, thresholdMode: 'manual', manualThreshold: 2.5 });
  assert.equal(strict.label, 'normal');
  assert.equal(strict.threshold, 2.5);
  assert.ok(strict.normalized! < 0.5);
  assert.equal(rethreshold(f, model, s).label, 'anomalous');
  const reviewed = { ...f, status: 'rejected' as const };
  assert.equal(rethreshold(reviewed, model, { ...s, thresholdMode: 'manual', manualThreshold: 0 }), reviewed);
  const other = { ...f, modelId: 'm2' };
  assert.equal(rethreshold(other, model, s), other);
});

test('the scan messages agree: the title counts what is scanned, the summary accounts for every image', () => {
  assert.equal(scanTitle(46, ' in parts', false), 'Anomaly Lens: scanning 46 images in parts');
  assert.equal(scanTitle(1, '', true), 'Anomaly Lens: checking 1 image');
  const all = scanSummary({ started: 46, scored: 40, cached: 3, failed: 3, flagged: 5 }, 2.04, '');
  assert.equal(all, 'Scanned 46 images in 2.0 s: 40 scored (5 flagged), 3 unchanged, 3 failed.');
  // Images the worker reported nothing for are said, so the parts still add up to the images started.
  const short = scanSummary({ started: 46, scored: 40, cached: 0, failed: 3, flagged: 0 }, 1, '');
  assert.match(short, /^Scanned 46 images .*3 skipped\.$/);
  const sum = [...short.matchAll(/(\d+) (?:scored|unchanged|failed|skipped)/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(sum, 46);
});

test('a predicted file is rewritten when its stored threshold differs from the one in effect (also at startup)', () => {
  assert.equal(thresholdToWrite({ status: 'predicted', threshold: 2, storedThreshold: 2.5 }), true);
  assert.equal(thresholdToWrite({ status: 'predicted', threshold: 2, storedThreshold: 2 + 1e-12 }), false, 'rounding is not a change');
  assert.equal(thresholdToWrite({ status: 'accepted', threshold: 2, storedThreshold: 2.5 }), false, 'a reviewed file keeps its decision');
  assert.equal(thresholdToWrite({ status: 'error', threshold: undefined }), false);
});
