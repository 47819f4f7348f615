import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFeatureExtractor, loadDetector, saveDetector, scanSources, trainDetector } from '../../src/core/engine';
import type { ImageScore, ImageSource } from '../../src/core/api';
import { encodeSamplePng } from '../../src/core/samples/write';
import { readModelManifest } from '../../src/core/model/modelFile';
import { Detector } from '../../src/core/method/detector';
import { EDGE_PROFILE_DEPTH } from '../../src/core/method/pixelCalibration';
import { planTiles } from '../../src/core/tiling/plan';
import { generateTiledSet, heatHit } from '../../src/bench/tiledSets';

// The pipeline is under test, not the backbone: the fast bundled one keeps the suite short.
const runtime = { device: 'cpu' as const, threads: 2, backbone: 'mobilenetv2' };
const fast = { maxEpochs: 6, patience: 2, seed: 1 };
const built = fs.existsSync(path.join(__dirname, '../../models/mobilenetv2.onnx'));

const set = generateTiledSet('strip', { width: 1536, height: 160, train: 3, testGood: 2, testBad: 3, defectsPerImage: 1, seed: 4, defects: ['knot', 'nep'] });
const source = (item: (typeof set.train)[number]): ImageSource => {
  const bytes = new Uint8Array(encodeSamplePng({ width: set.width, height: set.height, channels: 1, data: item.image.frames[0].data as Uint8Array }));
  return { name: item.name, read: async () => bytes };
};

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tiling-'));
});

async function scan(det: Detector, items: typeof set.test): Promise<ImageScore[]> {
  const out: ImageScore[] = [];
  for await (const r of scanSources(det, items.map(source))) {
    assert.ok(!('error' in r), JSON.stringify(r));
    out.push(r as ImageScore);
  }
  return out;
}

test('an elongated training set is tiled automatically; the model records it and the heat lands on each defect at full size', { skip: !built && 'models/ not built' }, async () => {
  const logs: string[] = [];
  const det = (await trainDetector(set.train.map(source), { ...runtime, method: fast }, { log: (l) => logs.push(l) })) as Detector;
  try {
    assert.deepEqual(det.manifest.tiling, { tile: 160, overlap: 40, scale: 160 / 224 });
    assert.ok(logs.some((l) => /tiles 160×160 px, overlap 40 px.*automatic/.test(l)), logs.join('\n'));
    const scores = await scan(det, set.test);
    for (const s of scores) {
      assert.equal(s.width, set.width);
      assert.equal(s.map.length, set.width * set.height);
    }
    const good = scores.filter((_, i) => set.test[i].label === 0).map((s) => s.score);
    const bad = scores.filter((_, i) => set.test[i].label === 1);
    assert.ok(Math.max(...bad.map((b) => b.score)) > Math.max(...good), `an anomaly scores highest (${bad.map((b) => b.score)} vs normals ${good})`);
    bad.forEach((b, i) => assert.ok(heatHit(b.map, set.test[2 + i].mask!, set.width, set.height), `heat on the defect of ${b.name}`));

    // The model records an edge profile and divides the stitched map by it at the image's borders only.
    const pixel = det.manifest.calibration.pixel!;
    assert.equal(pixel.edgeProfile?.length, EDGE_PROFILE_DEPTH, 'a tiled model records its edge profile');
    const item = set.test[0];
    const plain = await det.withCalibration({ ...det.manifest.calibration, pixel: { ...pixel, edgeProfile: undefined } }).scoreImage(item.image, item.name);
    const doubled = await det.withCalibration({ ...det.manifest.calibration, pixel: { ...pixel, edgeProfile: Array<number>(EDGE_PROFILE_DEPTH).fill(2) } }).scoreImage(item.image, item.name);
    const at = (x: number, y: number) => y * set.width + x;
    assert.ok(Math.abs(doubled.map[at(0, 0)] - plain.map[at(0, 0)] / 4) <= 1e-6 * plain.map[at(0, 0)], 'an image corner is divided by e[0]·e[0]');
    const tileEdge = at(planTiles(set.width, set.height, det.manifest.tiling!)[1].x, Math.round(set.height / 2));
    assert.equal(doubled.map[tileEdge], plain.map[tileEdge], 'a tile edge inside the image is left alone');

    const dir = path.join(tmp, 'tiled');
    await saveDetector(det, dir);
    assert.deepEqual((await readModelManifest(dir)).tiling, det.manifest.tiling);
    const again = (await loadDetector(dir, runtime)) as Detector;
    try {
      const [s] = await scan(again, [set.test[2]]);
      assert.equal(s.score, scores[2].score);
    } finally {
      await again.release();
    }
  } finally {
    await det.release();
  }
});

test('scanning tile by tile gives the same score and map as scoring all tile features at once', { skip: !built && 'models/ not built' }, async () => {
  const det = (await trainDetector(set.train.map(source), { ...runtime, method: fast })) as Detector;
  const ex = await createFeatureExtractor(runtime);
  try {
    ex.tiling = det.manifest.tiling;
    const item = set.test[3];
    const streamed = await det.scoreImage(item.image, item.name);
    const whole = await det.scoreFeatures(await ex.extract(item.image, item.name));
    assert.equal(streamed.score, whole.score);
    assert.deepEqual(streamed.map, whole.map);
  } finally {
    await ex.release();
    await det.release();
  }
});

test('tiling off, or near-square images, train exactly the untiled model', { skip: !built && 'models/ not built' }, async () => {
  const off = await trainDetector(set.train.map(source), { ...runtime, method: fast, tile: 'off' });
  await off.release();
  assert.equal(off.manifest.tiling, undefined);
  // A near-square image of ordinary size: auto chooses no tiles, the model is bit-identical to tile: 'off'.
  const square = generateTiledSet('square', { width: 300, height: 260, train: 2, testGood: 0, testBad: 0, defectsPerImage: 0, seed: 2 });
  const sq = square.train.map((item) => {
    const bytes = new Uint8Array(encodeSamplePng({ width: 300, height: 260, channels: 1, data: item.image.frames[0].data as Uint8Array }));
    return { name: item.name, read: async () => bytes };
  });
  const auto = await trainDetector(sq, { ...runtime, method: fast });
  const none = await trainDetector(sq, { ...runtime, method: fast, tile: 'off' });
  await auto.release();
  await none.release();
  assert.equal(auto.manifest.tiling, undefined);
  assert.equal(auto.manifest.id, none.manifest.id);
});
