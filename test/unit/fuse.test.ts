import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuseScore, imageScoreFromCanvas } from '../../src/core/method/detector';
import { resolveMethod } from '../../src/core/method/options';

const stats = { patchStats: { mean: 2, std: 0.5 }, mapMeanStats: { mean: 1, std: 0.25 }, globalStats: { mean: 10, std: 2 } };

test('without extra terms the image score is the patch term itself', () => {
  const o = resolveMethod({ globalWeight: 0, mapMeanWeight: 0 });
  assert.equal(fuseScore({ patch: 3.5, mapMean: 9, global: 99 }, o, stats), 3.5);
});

test('the whole-map term adds its weighted z-score to the patch z-score', () => {
  const o = resolveMethod({ globalWeight: 0, mapMeanWeight: 1.5 });
  // patch z = (3 − 2) / 0.5 = 2; map-mean z = (1.5 − 1) / 0.25 = 2; 2 + 1.5·2 = 5
  assert.equal(fuseScore({ patch: 3, mapMean: 1.5 }, o, stats), 5);
  // An image whose map is uniformly raised (a diffuse change) outranks one with the same peak only.
  assert.ok(fuseScore({ patch: 3, mapMean: 1.5 }, o, stats) > fuseScore({ patch: 3, mapMean: 1 }, o, stats));
});

test('whole-map and image-level terms add together', () => {
  const o = resolveMethod({ globalWeight: 2, mapMeanWeight: 1 });
  // 2 + 1·2 + 2·((12 − 10) / 2) = 6
  assert.equal(fuseScore({ patch: 3, mapMean: 1.5, global: 12 }, o, stats), 6);
});

test('a model calibrated without whole-map statistics scores by its other terms only', () => {
  const o = resolveMethod({ globalWeight: 0, mapMeanWeight: 1 });
  assert.equal(fuseScore({ patch: 3, mapMean: 1.5 }, o, { patchStats: stats.patchStats }), 3);
});

test('map mean and top fraction read the canvas as documented', () => {
  const canvas = Float32Array.from({ length: 100 }, (_, i) => i);
  assert.equal(imageScoreFromCanvas(canvas, 0), 99);
  assert.equal(imageScoreFromCanvas(canvas, 0.02), 98.5);
  assert.equal(imageScoreFromCanvas(canvas, 1), 49.5);
});

test('a negative whole-map weight is refused', () => {
  assert.throws(() => resolveMethod({ mapMeanWeight: -1 }), /mapMeanWeight/);
});
