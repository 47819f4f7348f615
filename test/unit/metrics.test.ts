// AUROC, ROC curves, pixel-level AUROC / PRO and the SVG plot, against hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PixelMetrics, areaUnder, auroc, aurocDetailed, labelComponents, rocCurve, rocSvg } from '../../src/core/metrics';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test('AUROC: perfect separation is 1, reversed is 0, all ties are 0.5', () => {
  assert.equal(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  assert.equal(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
  assert.equal(auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
});

test('AUROC of a small case computed by hand (3 of 4 pairs ordered) and with a tie', () => {
  // Anomalies {0.35, 0.8} vs normals {0.1, 0.4}: 0.35>0.1, 0.35<0.4, 0.8>both → 3/4.
  close(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  // Anomalies {0.6, 0.4} vs normals {0.2, 0.6}: 1 + 0.5 (tie) + 1 + 0 = 2.5 of 4.
  close(auroc([0.2, 0.6, 0.4, 0.6], [0, 1, 1, 0]), 0.625);
});

test('AUROC is NaN with a reason when a class is absent', () => {
  const r = aurocDetailed([0.1, 0.2], [0, 0]);
  assert.ok(Number.isNaN(r.value));
  assert.match(r.reason ?? '', /no anomalous samples/);
  assert.match(aurocDetailed([0.1], [true]).reason ?? '', /no normal samples/);
  assert.deepEqual(rocCurve([1, 2], [1, 1]), []);
});

test('ROC curve runs from (0,0) to (1,1) and its trapezoid area equals AUROC (random ties)', () => {
  const random = rng(7);
  const scores = Array.from({ length: 300 }, () => Math.round(random() * 20) / 20);
  const labels = scores.map((s) => (random() < 0.3 + 0.4 * s ? 1 : 0));
  const curve = rocCurve(scores, labels);
  assert.deepEqual([curve[0].fpr, curve[0].tpr], [0, 0]);
  assert.deepEqual([curve.at(-1)!.fpr, curve.at(-1)!.tpr], [1, 1]);
  close(areaUnder(curve), auroc(scores, labels), 1e-12);
});

test('8-connected components join diagonal neighbours and count areas', () => {
  // 1 1 0 0
  // 0 0 1 0   ← diagonal to the first region: same component
  // 0 0 0 0
  // 1 0 0 1
  const mask = [1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1];
  const { count, areas, labels } = labelComponents(mask, 4, 4);
  assert.equal(count, 3);
  assert.deepEqual(areas.slice(1), [3, 1, 1]);
  assert.equal(labels[6], labels[0]);
});

test('pixel AUROC from histograms equals the exact AUROC for few distinct values', () => {
  const random = rng(3);
  const w = 20;
  const h = 10;
  const m = new PixelMetrics({ min: 0, max: 1, bins: 10_000 });
  const allScores: number[] = [];
  const allLabels: (0 | 1)[] = [];
  for (let img = 0; img < 4; img++) {
    const scores = Float32Array.from({ length: w * h }, () => Math.floor(random() * 10) / 10);
    const mask = Uint8Array.from(scores, (s) => (random() < s ? 1 : 0));
    m.add(scores, img === 0 ? null : mask, w, h);
    scores.forEach((s, i) => {
      allScores.push(s);
      allLabels.push(img === 0 || !mask[i] ? 0 : 1);
    });
  }
  close(m.auroc().value, auroc(allScores, allLabels), 1e-12);
  close(areaUnder(m.rocPoints()), m.auroc().value, 1e-12);
});

test('PRO of two regions of different sizes matches the hand computation (20/27)', () => {
  // One 10×1 image. Region A = pixel 0 (area 1); region B = pixels 3..5 (area 3).
  // Scores: A 0.9; B 0.9, 0.5, 0.1; normals (pixels 1, 2, 6..9) 0.7, 0.3, 0.1 ×4.
  // Curve (fpr, pro): (0,0) (0,2/3) (1/6,2/3) (1/6,5/6) (1/3,5/6) (1,1).
  // Area to fpr 0.3 = 1/6·2/3 + (0.3−1/6)·5/6 = 2/9; normalised by 0.3 → 20/27.
  const mask = [1, 0, 0, 1, 1, 1, 0, 0, 0, 0];
  const scores = [0.9, 0.7, 0.3, 0.9, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1];
  const m = new PixelMetrics({ min: 0, max: 1 });
  m.add(scores, mask, 10, 1);
  const r = m.pro(0.3);
  assert.equal(r.regions, 2);
  close(r.value, 20 / 27, 1e-9);
  // The same pixels split over two images (streaming) give the same PRO.
  const s = new PixelMetrics({ min: 0, max: 1 });
  s.add(scores.slice(0, 5), mask.slice(0, 5), 5, 1);
  s.add(scores.slice(5), mask.slice(5), 5, 1);
  assert.equal(s.counts.regions, 3, 'region B is split in two across the images');
  const t = new PixelMetrics({ min: 0, max: 1 });
  t.add([...scores.slice(0, 3), 0.1, 0.1], [1, 0, 0, 0, 0], 5, 1);
  t.add([0.9, 0.5, 0.1, 0.1, 0.1], [1, 1, 1, 0, 0], 5, 1);
  // Normals now: 0.7, 0.3, 0.1, 0.1, 0.1, 0.1 — the same set, so the same curve and value.
  close(t.pro(0.3).value, 20 / 27, 1e-9);
});

test('PRO is 1 for a perfect map and NaN with a reason without regions', () => {
  const m = new PixelMetrics({ min: 0, max: 1 });
  m.add([1, 1, 0, 0, 1, 0], [1, 1, 0, 0, 1, 0], 3, 2);
  close(m.pro().value, 1);
  const empty = new PixelMetrics({ min: 0, max: 1 });
  empty.add([0.2, 0.3], null, 2, 1);
  assert.ok(Number.isNaN(empty.pro().value));
  assert.match(empty.pro().reason ?? '', /no anomalous regions/);
  assert.match(empty.auroc().reason ?? '', /no anomalous pixels/);
});

test('rocSvg draws one polyline per curve and escapes labels', () => {
  const svg = rocSvg([
    { label: 'gpmlp <AUROC 0.91>', points: rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) },
    { label: 'patchcore & co', points: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] },
  ], 'Image ROC');
  assert.ok(svg.startsWith('<svg'));
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(svg, /gpmlp &lt;AUROC 0\.91&gt;/);
  assert.match(svg, /patchcore &amp; co/);
  assert.ok(!svg.includes('NaN'));
});
