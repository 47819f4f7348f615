import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateContamination, folderThreshold, MIN_FOLDER_IMAGES, normalQuantileUpper, normalTail, robustStats } from '../../src/core/method/folderThreshold';
import { gaussian, rngFor } from '../../src/core/rng';

const normals = (n: number, seed: number, mean = 0, sd = 1): number[] => {
  const r = rngFor(seed, 'folder');
  return Array.from({ length: n }, () => mean + sd * gaussian(r));
};

test('normal tail and its inverse agree with textbook values', () => {
  assert.ok(Math.abs(normalTail(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalTail(1.959964) - 0.025) < 1e-6);
  assert.ok(Math.abs(normalTail(-1) - 0.841345) < 1e-5);
  assert.ok(Math.abs(normalQuantileUpper(0.01) - 2.326348) < 1e-4);
});

test('robust statistics ignore a minority of extreme scores', () => {
  const clean = normals(400, 1, 10, 2);
  const dirty = [...clean, ...Array.from({ length: 60 }, () => 1000)];
  const a = robustStats(clean);
  const b = robustStats(dirty);
  assert.ok(Math.abs(a.scale - 2) < 0.25, `scale ${a.scale}`);
  assert.ok(Math.abs(b.median - a.median) < 0.5 && Math.abs(b.scale - a.scale) < 0.5, 'anomalies barely move median and scale');
});

test('a few-shot threshold set too low is pulled up by the folder, and the stated flag rate follows', () => {
  const folder = [...normals(190, 2), ...normals(10, 3, 8, 1)];
  // Four held-out images put the threshold at 0.8: about 21 % of these normals are above it.
  const r = folderThreshold({ threshold: 0.8, heldOut: 4 }, folder, 0.99);
  assert.ok(r.trainingWeight < 0.05, `training weight ${r.trainingWeight}`);
  assert.ok(r.threshold > 2 && r.threshold < 3.2, `pooled threshold ${r.threshold}`);
  assert.ok(r.expectedNormalFlagRate < 0.03, `stated rate ${r.expectedNormalFlagRate}`);
  const flaggedNormals = folder.slice(0, 190).filter((s) => s > r.threshold).length / 190;
  assert.ok(flaggedNormals < 0.05, `normals flagged ${flaggedNormals}`);
  assert.equal(folder.slice(190).filter((s) => s > r.threshold).length, 10, 'the anomalies stay flagged');
  assert.match(r.basis, /4 held-out images/);
});

test('a small folder leaves the training threshold as it is and says why', () => {
  const r = folderThreshold({ threshold: 1.5, heldOut: 50 }, normals(MIN_FOLDER_IMAGES - 1, 4), 0.99);
  assert.equal(r.threshold, 1.5);
  assert.equal(r.trainingWeight, 1);
  assert.match(r.basis, /training calibration only/);
});

test('contamination is estimated from the folder instead of assumed', () => {
  const clean = normals(180, 5);
  const e = estimateContamination([...clean, ...normals(20, 6, 12, 1)]);
  assert.ok(e.count >= 20 && e.count <= 22, `count ${e.count}`);
  assert.ok(Math.abs(e.share - 0.1) < 0.012);
  assert.equal(estimateContamination(clean).count <= 1, true, 'a clean folder is estimated near 0 %');
  assert.match(e.basis, /robust deviations above the folder's median/);
  assert.equal(estimateContamination(new Array(30).fill(2)).share, 0);
});
