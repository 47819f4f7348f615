import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, borderBandShare, heatHits, hottestAtBorder, hottestRegion } from '../../src/bench/localisation';
import { anomalyExtent, GLOBAL_ANOMALY_NOTE, mapThreshold, predictedRegions, rleArea } from '../../src/shared/regions';

/** A w×h map of zeros with a raised square of `value` at (x0, y0) of side s. */
function mapWith(w: number, h: number, squares: { x0: number; y0: number; s: number; value: number }[]): Float32Array {
  const m = new Float32Array(w * h);
  for (const q of squares) for (let y = q.y0; y < q.y0 + q.s; y++) for (let x = q.x0; x < q.x0 + q.s; x++) m[y * w + x] = q.value;
  return m;
}

test('the hottest region is the connected blob around the maximum, not every warm pixel', () => {
  const m = mapWith(20, 10, [
    { x0: 2, y0: 2, s: 3, value: 10 },
    { x0: 12, y0: 5, s: 3, value: 8 },
  ]);
  const r = hottestRegion(m, 20, 10);
  assert.equal(r.reduce((a, b) => a + b, 0), 9, 'only the 3×3 blob holding the maximum');
  assert.equal(r[3 * 20 + 3], 1);
  assert.equal(r[6 * 20 + 13], 0, 'the second blob is above the level but not connected');
  assert.equal(argmax(m), 2 * 20 + 2);
});

test('a flat map has no hottest region', () => {
  assert.equal(hottestRegion(new Float32Array(12).fill(3), 4, 3).reduce((a, b) => a + b, 0), 0);
});

test('heat hits when the hottest region overlaps the mask, and misses when the heat sits elsewhere', () => {
  const w = 16;
  const h = 16;
  const mask = mapWith(w, h, [{ x0: 10, y0: 10, s: 4, value: 1 }]);
  const onDefect = mapWith(w, h, [{ x0: 9, y0: 9, s: 3, value: 5 }]);
  const offDefect = mapWith(w, h, [
    { x0: 0, y0: 0, s: 3, value: 5 },
    { x0: 11, y0: 11, s: 2, value: 4 },
  ]);
  assert.equal(heatHits(onDefect, mask, w, h), true);
  assert.equal(heatHits(offDefect, mask, w, h), false, 'a hotter corner blob wins over weaker heat on the defect');
  assert.throws(() => heatHits(onDefect, mask.subarray(1), w, h), RangeError);
});

test('a normal map whose maximum sits in the border band is a border hot spot', () => {
  const w = 50;
  const h = 20;
  assert.equal(hottestAtBorder(mapWith(w, h, [{ x0: 0, y0: 17, s: 3, value: 1 }]), w, h, 0.1), true, 'bottom-left corner');
  assert.equal(hottestAtBorder(mapWith(w, h, [{ x0: 46, y0: 8, s: 2, value: 1 }]), w, h, 0.1), true, 'right edge');
  assert.equal(hottestAtBorder(mapWith(w, h, [{ x0: 20, y0: 8, s: 3, value: 1 }]), w, h, 0.1), false, 'interior');
  // 10 % bands of a 50×20 image leave a 40×16 interior.
  assert.ok(Math.abs(borderBandShare(w, h, 0.1) - (1 - (40 * 16) / (50 * 20))) < 1e-12);
});

test('regions follow the pixel threshold, not the image threshold in fused-score units', () => {
  const map = mapWith(8, 8, [{ x0: 2, y0: 2, s: 2, value: 0.9 }]);
  // A fused score lives in z-units (threshold 3.2); the map is in patch units.
  const s = { map, width: 8, height: 8, threshold: 3.2, anomalous: true };
  assert.equal(predictedRegions(s).length, 0, 'without a pixel threshold nothing reaches 3.2');
  const r = predictedRegions({ ...s, pixelThreshold: 0.5 });
  assert.equal(r.length, 1);
  assert.equal(r[0].kind === 'mask' ? rleArea(r[0].rle) : -1, 4);
  assert.equal(mapThreshold({ threshold: 3.2, pixelThreshold: 0.5 }), 0.5);
  assert.equal(predictedRegions({ ...s, pixelThreshold: 0.5, anomalous: false }).length, 0, 'a normal image has no region');
});

test('a flagged image without a region is a global finding, never a silent empty one', () => {
  assert.equal(anomalyExtent(true, 0), 'global');
  assert.equal(anomalyExtent(true, 2), 'local');
  assert.equal(anomalyExtent(false, 0), undefined);
  assert.equal(GLOBAL_ANOMALY_NOTE, 'global anomaly, no local region');
});
