import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate, f1Threshold, normalizeScore, quantile } from '../../src/core/method/calibrate';

test('quantile interpolates linearly between order statistics', () => {
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([0, 10], 0.25), 2.5);
  assert.equal(quantile([7], 0.99), 7);
});

test('normal-quantile threshold puts the threshold at normalised 0.5 and the median near 0.25', () => {
  const normal = Array.from({ length: 101 }, (_, i) => i / 100); // 0 … 1
  const cal = calibrate(normal, [], 0.9, { patchStats: { mean: 0, std: 1 } });
  assert.equal(cal.mode, 'normal-quantile');
  assert.ok(Math.abs(cal.threshold - 0.9) < 1e-9);
  assert.equal(normalizeScore(cal.threshold, cal.threshold, cal.spread), 0.5);
  assert.ok(Math.abs(normalizeScore(0.5, cal.threshold, cal.spread) - 0.25) < 1e-9);
  assert.equal(normalizeScore(100, cal.threshold, cal.spread), 1);
  assert.equal(normalizeScore(-100, cal.threshold, cal.spread), 0);
});

test('F1 threshold separates labelled anomalies from normals when they are separable', () => {
  const { threshold, f1 } = f1Threshold([0.1, 0.2, 0.3], [0.8, 0.9]);
  assert.equal(f1, 1);
  assert.ok(threshold > 0.3 && threshold < 0.8);
  const cal = calibrate([0.1, 0.2, 0.3], [0.8, 0.9], 0.99, { patchStats: { mean: 0, std: 1 } });
  assert.equal(cal.mode, 'f1');
  assert.equal(cal.anomalyCount, 2);
});

test('F1 threshold picks the best cut on overlapping scores (hand-computed)', () => {
  // normals 1,2,3,6 ; anomalies 4,5,7. Cut above 3: tp=3, fp=1, fn=0 → F1 = 6/7.
  const { threshold, f1 } = f1Threshold([1, 2, 3, 6], [4, 5, 7]);
  assert.ok(Math.abs(f1 - 6 / 7) < 1e-12);
  assert.equal(threshold, 3.5);
});
