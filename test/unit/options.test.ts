import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_BACKBONE, DEFAULT_METHOD, resolveMethod, resolvePreprocess, forTrainingSet, MAP_MEAN_WEIGHT } from '../../src/core/method/options';
import { AUGMENT_IMAGES, SINGLE_IMAGE_VIEWS } from '../../src/core/method/views';
import { BUNDLED_BACKBONE_IDS } from '../../src/core/backbone/backbone';
import { AnomalyLensError } from '../../src/shared/errors';

test('the PatchCore baseline is plain PatchCore unless a term is asked for explicitly', () => {
  const pc = resolveMethod({ method: 'patchcore', rho: 0.01 });
  assert.equal(pc.globalWeight, 0);
  assert.equal(pc.rawWeight, 0);
  assert.equal(pc.rho, 0.01);
  assert.equal(resolveMethod({ method: 'patchcore', globalWeight: 2 }).globalWeight, 2);
  assert.equal(resolveMethod({}).rawWeight, DEFAULT_METHOD.rawWeight);
});

test('undefined fields keep their defaults; invalid options are BAD_ARGUMENT errors', () => {
  assert.equal(resolveMethod({ alpha: undefined }).alpha, DEFAULT_METHOD.alpha);
  for (const bad of [{ rho: 0 }, { rho: 1.5 }, { k: 0 }, { alpha: -1 }, { channelPool: 1.5 }, { thresholdQuantile: 0 }, { augmentViews: 12 }]) {
    assert.throws(() => resolveMethod(bad), (e: unknown) => e instanceof AnomalyLensError && e.code === 'BAD_ARGUMENT', JSON.stringify(bad));
  }
  assert.throws(() => resolvePreprocess({ resize: 200, crop: 224 }), (e: unknown) => e instanceof AnomalyLensError && e.code === 'BAD_ARGUMENT');
});

test('training-set defaults: augmentation below 32 images, no whole-map term at any size, explicit choices kept', () => {
  const few = resolveMethod(forTrainingSet({}, 15));
  assert.equal(few.augment, true);
  assert.equal(few.augmentViews, 6);
  assert.equal(resolveMethod(forTrainingSet({}, 2)).augmentViews, 6);
  assert.equal(resolveMethod(forTrainingSet({}, 1)).augmentViews, SINGLE_IMAGE_VIEWS, 'a single image gets the shifted symmetries too');
  assert.equal(resolveMethod(forTrainingSet({ augmentViews: 6 }, 1)).augmentViews, 6, 'an explicit view count is kept');
  assert.equal(few.mapMeanWeight, 0);
  assert.equal(few.globalWeight, 0);
  const sixteen = resolveMethod(forTrainingSet({}, 16));
  assert.equal(sixteen.augment, true);
  assert.equal(sixteen.testViews, 6);
  assert.equal(sixteen.mapMeanWeight, 0);
  assert.equal(resolveMethod(forTrainingSet({}, AUGMENT_IMAGES - 1)).augment, true);
  const many = resolveMethod(forTrainingSet({}, AUGMENT_IMAGES));
  assert.equal(many.augment, false);
  assert.equal(many.mapMeanWeight, 0);
  assert.ok(MAP_MEAN_WEIGHT > 0);
  assert.equal(resolveMethod(forTrainingSet({ mapMeanWeight: MAP_MEAN_WEIGHT }, 50)).mapMeanWeight, MAP_MEAN_WEIGHT, 'asked for, it is on');
  assert.equal(many.globalWeight, 0);
  const chosen = resolveMethod(forTrainingSet({ augment: false, globalWeight: 3, mapMeanWeight: 0.5 }, 2));
  assert.equal(chosen.augment, false);
  assert.equal(chosen.globalWeight, 3);
  assert.equal(chosen.mapMeanWeight, 0.5);
  assert.equal(resolveMethod(forTrainingSet({ mapMeanWeight: 0 }, 200)).mapMeanWeight, 0, 'an explicit 0 is kept');
  const baseline = resolveMethod(forTrainingSet({ method: 'patchcore' }, 200));
  assert.equal(baseline.augment, false, 'the PatchCore baseline stays plain');
  assert.equal(baseline.globalWeight, 0);
  assert.equal(baseline.mapMeanWeight, 0);
});

test('image score: top 2 % mean by default, max for PatchCore, and 1 (the map mean) is allowed', () => {
  assert.equal(resolveMethod({}).topFraction, 0.02);
  assert.equal(resolveMethod({ method: 'patchcore' }).topFraction, 0);
  assert.equal(resolveMethod({ topFraction: 1 }).topFraction, 1);
  assert.throws(() => resolveMethod({ topFraction: 1.01 }), /topFraction must be in \[0, 1\]/);
  assert.throws(() => resolveMethod({ topFraction: -0.1 }), /topFraction/);
});

test('the extension setting defaults to the engine default backbone, a bundled one', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));
  const setting = pkg.contributes.configuration.properties['anomalyLens.backbone'];
  assert.equal(setting.default, DEFAULT_BACKBONE);
  assert.ok((BUNDLED_BACKBONE_IDS as readonly string[]).includes(DEFAULT_BACKBONE));
  assert.match(setting.markdownDescription, new RegExp('`' + DEFAULT_BACKBONE + '`'));
});

test('test views: a model trained on augmented views scores its unmoved training views (6, or 8 for one image); from 32 images or for PatchCore one; a view it never trained on is refused', () => {
  for (const images of [2, 4, 16, AUGMENT_IMAGES - 1]) assert.equal(resolveMethod(forTrainingSet({}, images)).testViews, 6, `${images} images`);
  assert.equal(resolveMethod(forTrainingSet({}, 1)).testViews, 8, 'one image: 24 training views, the 8 symmetries unmoved');
  assert.equal(resolveMethod(forTrainingSet({ augmentViews: 6 }, 1)).testViews, 6, 'follows an explicit training view count');
  assert.equal(resolveMethod(forTrainingSet({ augmentViews: 24 }, 4)).testViews, 8);
  assert.equal(resolveMethod(forTrainingSet({}, AUGMENT_IMAGES)).testViews, 1, 'no augmentation, no test views');
  assert.equal(resolveMethod(forTrainingSet({ augment: false }, 4)).testViews, 1, 'augmentation turned off turns them off');
  assert.equal(resolveMethod(forTrainingSet({ method: 'patchcore' }, 4)).testViews, 1, 'PatchCore stays plain');
  assert.equal(resolveMethod(forTrainingSet({ testViews: 1 }, 4)).testViews, 1, 'an explicit choice is kept');
  assert.equal(resolveMethod(forTrainingSet({ testViews: 6 }, 1)).testViews, 6);
  assert.equal(DEFAULT_METHOD.testViews, 1, 'a saved model without the option scores one view');
  const refused = (o: object, why: RegExp) =>
    assert.throws(() => resolveMethod(o), (e: unknown) => e instanceof AnomalyLensError && e.code === 'BAD_ARGUMENT' && why.test(e.message), JSON.stringify(o));
  refused({ augment: true, augmentViews: 6, testViews: 8 }, /needs a model trained on those views/);
  refused({ augment: false, testViews: 6 }, /needs a model trained on those views/);
  refused({ augment: true, testViews: 3 }, /testViews must be one of 1, 6, 8/);
});
