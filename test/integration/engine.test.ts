import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDetector, saveDetector, scanSources, trainDetector } from '../../src/core/engine';
import type { ImageSource } from '../../src/core/api';
import { bad, fast, good, pixelAuroc, runtime, scanAll, SIZE, train } from './engineFixtures';
import { AnomalyLensError } from '../../src/shared/errors';
import { readModelManifest } from '../../src/core/model/modelFile';
import { Detector } from '../../src/core/method/detector';
import { decodeImage } from '../../src/core/image/decode';
import { gridFromView, testViewTurns } from '../../src/core/method/views';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-engine-'));
});

test('a detector trained on normal textures ranks every defect above every normal and localises it', async () => {
  const det = await trainDetector(train.map((s) => s.src), { method: fast, ...runtime });
  try {
    const goodScores = await scanAll(det, good);
    const badScores = await scanAll(det, bad);
    const maxGood = Math.max(...goodScores.map((s) => s.score));
    for (const b of badScores) assert.ok(b.score > maxGood, `${b.name} scored ${b.score} ≤ best normal ${maxGood}`);
    for (const [i, r] of badScores.entries()) {
      assert.equal(r.map.length, SIZE * SIZE, 'map at the original image size');
      // Localisation: defect pixels outrank clean pixels (per-image pixel AUROC).
      const auc = pixelAuroc(r.map, bad[i].mask!);
      assert.ok(auc > 0.9, `${r.name}: pixel AUROC ${auc.toFixed(3)}`);
    }
    for (const s of [...goodScores, ...badScores]) assert.ok(s.normalized >= 0 && s.normalized <= 1);
    // Leave-one-out calibration is conservative on six images: no normal may be flagged, most defects must be.
    assert.ok(goodScores.every((s) => !s.anomalous), `a normal image is flagged at threshold ${det.manifest.calibration.threshold}`);
    const flagged = badScores.filter((s) => s.anomalous).length;
    assert.ok(flagged >= badScores.length - 1, `only ${flagged} of ${badScores.length} defects flagged at threshold ${det.manifest.calibration.threshold}`);
  } finally {
    await det.release();
  }
});

test('the same inputs and seed give a bit-identical model; save → load scores the same', async () => {
  const a = await trainDetector(train.slice(0, 3).map((s) => s.src), { method: fast, ...runtime });
  const b = await trainDetector(train.slice(0, 3).map((s) => s.src), { method: fast, ...runtime });
  const dirA = path.join(tmp, 'a');
  const dirB = path.join(tmp, 'b');
  await saveDetector(a, dirA);
  await saveDetector(b, dirB);
  await b.release();
  const ma = await readModelManifest(dirA);
  const mb = await readModelManifest(dirB);
  assert.equal(ma.id, mb.id);
  for (const [name, spec] of Object.entries(ma.arrays)) {
    assert.ok(fs.readFileSync(path.join(dirA, spec.file)).equals(fs.readFileSync(path.join(dirB, spec.file))), `array ${name} differs`);
  }
  const loaded = await loadDetector(dirA, runtime);
  try {
    const before = await a.scoreSource(bad[0].src);
    const after = await loaded.scoreSource(bad[0].src);
    assert.equal(after.score, before.score);
    assert.equal(loaded.manifest.calibration.threshold, a.manifest.calibration.threshold);
  } finally {
    await a.release();
    await loaded.release();
  }
});

/** Runs `edit` on a model file, then puts the original bytes back whatever happened. */
async function restoringFile(file: string, edit: (original: string) => Promise<void>): Promise<void> {
  const original = fs.readFileSync(file, 'utf8');
  try {
    await edit(original);
  } finally {
    fs.writeFileSync(file, original);
  }
}

test('loading refuses a model from another backbone or a newer format, with specific errors', async () => {
  const dir = path.join(tmp, 'a');
  const manifestFile = path.join(dir, 'model.json');
  await restoringFile(manifestFile, async (original) => {
    const m = JSON.parse(original);
    m.backbone.sha256 = '0'.repeat(64);
    fs.writeFileSync(manifestFile, JSON.stringify(m));
    await assert.rejects(loadDetector(dir, runtime), (e: unknown) => e instanceof AnomalyLensError && e.code === 'MODEL_BACKBONE_MISMATCH');
    m.formatVersion = 99;
    fs.writeFileSync(manifestFile, JSON.stringify(m));
    await assert.rejects(loadDetector(dir, runtime), (e: unknown) => e instanceof AnomalyLensError && e.code === 'MODEL_NEWER_FORMAT');
    fs.writeFileSync(path.join(dir, 'bank.f32'), Buffer.alloc(8));
    fs.writeFileSync(manifestFile, original);
    await assert.rejects(loadDetector(dir, runtime), (e: unknown) => e instanceof AnomalyLensError && e.code === 'MODEL_INVALID' && /bank/.test(e.message));
  });
});

test('a model saved before the whole-map term, view counts and test views existed loads and scores by its patch term', async () => {
  const dir = path.join(tmp, 'b');
  const manifestFile = path.join(dir, 'model.json');
  await restoringFile(manifestFile, async (original) => {
    const m = JSON.parse(original);
    delete m.options.mapMeanWeight;
    delete m.options.augmentViews;
    delete m.options.testViews;
    delete m.calibration.mapMeanStats;
    m.options.globalWeight = 0;
    fs.writeFileSync(manifestFile, JSON.stringify(m));
    const legacy = await loadDetector(dir, runtime);
    try {
      assert.equal(legacy.manifest.options.mapMeanWeight, 0);
      assert.equal(legacy.manifest.options.augmentViews, 6, 'older models were augmented with 6 views');
      assert.equal(legacy.manifest.options.testViews, 1, 'and scored the image alone');
      const r = await legacy.scoreSource(bad[0].src);
      assert.equal(r.score, r.parts.patch);
    } finally {
      await legacy.release();
    }
  });
});

test('a single training image is augmented to 24 views by default, 6 when asked, and both rank a defect first', async () => {
  const one = [train[0].src];
  const dflt = await trainDetector(one, { method: fast, ...runtime });
  const six = await trainDetector(one, { method: { ...fast, augmentViews: 6 }, ...runtime });
  try {
    assert.equal(dflt.manifest.options.augment, true);
    assert.equal(dflt.manifest.options.augmentViews, 24);
    assert.equal(six.manifest.options.augmentViews, 6);
    // The repository is ρ = 10 % of every view's patches: four times the views, four times the rows.
    assert.ok(Math.abs(dflt.manifest.repositorySize / six.manifest.repositorySize - 4) < 0.01, `${dflt.manifest.repositorySize} vs ${six.manifest.repositorySize}`);
    for (const det of [dflt, six]) {
      const [normal, defect] = await scanAll(det, [good[0], bad[0]]);
      assert.ok(defect.score > normal.score, `${det.manifest.options.augmentViews} views: defect ${defect.score} vs normal ${normal.score}`);
    }
  } finally {
    await dflt.release();
    await six.release();
  }
});

test('a few-shot model scores an image in its 6 training views: the map is their turned-back mean, and one view is refused', async () => {
  const det = await trainDetector(train.slice(0, 3).map((s) => s.src), { method: fast, ...runtime });
  const d = det as Detector;
  const single = await Detector.create({ ...d.manifest, options: { ...d.manifest.options, testViews: 1 } }, d.state, d.extractor, { device: 'cpu', threads: 2 }, 1e8);
  try {
    assert.equal(det.manifest.options.testViews, 6);
    const img = decodeImage(await bad[0].src.read(), { path: bad[0].src.name, maxPixels: 1e8 });
    const views = await d.extractor.extract(img, bad[0].src.name, 0, 6);
    const tta = await det.scoreImage(img, bad[0].src.name);
    assert.deepEqual(Array.from((await det.scoreFeatures(views)).map), Array.from(tta.map), 'scoreImage extracts the same 6 views');
    // Each view scored alone, its map turned back: resize, blur and the map's upsampling all commute with the square's symmetries.
    const mean = new Float32Array(tta.map.length);
    const turns = testViewTurns(6);
    for (let v = 0; v < 6; v++) {
      const m = (await single.scoreFeatures(views[v])).map;
      const back = gridFromView(turns[v], m, SIZE);
      for (let i = 0; i < mean.length; i++) mean[i] += back[i] / 6;
    }
    let worst = 0;
    for (let i = 0; i < mean.length; i++) worst = Math.max(worst, Math.abs(mean[i] - tta.map[i]));
    const peak = Math.max(...tta.map);
    assert.ok(worst <= 1e-4 * peak, `map differs from the mean of the turned-back views by ${worst} (peak ${peak})`);
    const alone = await single.scoreFeatures(views[0]);
    assert.notEqual(alone.score, tta.score, 'the views change the score');
    await assert.rejects(det.scoreFeatures(views[0]), (e: unknown) => e instanceof AnomalyLensError && /scores 6 views/.test(e.message));
  } finally {
    await single.releaseScoring();
    await det.release();
  }
});

test('training on unreadable files only fails with TRAINING_SET_EMPTY naming the cause', async () => {
  const broken: ImageSource = { name: 'broken.png', read: async () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) };
  await assert.rejects(
    trainDetector([broken], { method: fast, ...runtime }),
    (e: unknown) => e instanceof AnomalyLensError && e.code === 'TRAINING_SET_EMPTY' && e.message.includes('broken.png'),
  );
});

test('a scan continues past a corrupt file and reports it with a code', async () => {
  const det = await trainDetector(train.slice(0, 2).map((s) => s.src), { method: fast, ...runtime });
  try {
    const corrupt: ImageSource = { name: 'corrupt.png', read: async () => new Uint8Array(0) };
    const results = [];
    for await (const r of scanSources(det, [good[0].src, corrupt, bad[0].src])) results.push(r);
    assert.equal(results.length, 3);
    assert.ok('error' in results[1] && results[1].error.code === 'FILE_EMPTY' && results[1].error.file === 'corrupt.png');
    assert.ok(!('error' in results[2]));
  } finally {
    await det.release();
  }
});

test('the PatchCore baseline runs through the same pipeline and ranks defects first', async () => {
  const det = await trainDetector(train.map((s) => s.src), { method: { method: 'patchcore', rho: 0.1, seed: 1 }, ...runtime });
  try {
    const scores = [...(await scanAll(det, good)), ...(await scanAll(det, bad))];
    const maxGood = Math.max(...scores.slice(0, good.length).map((s) => s.score));
    const above = scores.slice(good.length).filter((s) => s.score > maxGood).length;
    assert.ok(above >= bad.length - 1, `only ${above} of ${bad.length} defects above the best normal`);
    assert.equal(det.manifest.options.method, 'patchcore');
  } finally {
    await det.release();
  }
});
