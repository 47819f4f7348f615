import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/core/rng';
import {
  checkRegionFits, decodeRle, encodeRle, maskArea, paintSegment, polygonArea, rasterizePolygon,
  reduceHeatmap, regionsToMask, rleArea, normalizeScore, type Region,
} from '../../src/shared/regions';

/** Seeded PRNG so random masks are reproducible. */
const rng = mulberry32;

const setPixels = (mask: Uint8Array, width: number): string[] => {
  const out: string[] = [];
  mask.forEach((v, i) => { if (v) out.push(`${i % width},${Math.floor(i / width)}`); });
  return out;
};

test('an axis-aligned square rasterises to exactly the pixels it covers', () => {
  const mask = rasterizePolygon([2, 2, 6, 2, 6, 6, 2, 6], 10, 10);
  assert.equal(maskArea(mask), 16);
  const expected: string[] = [];
  for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) expected.push(`${x},${y}`);
  assert.deepEqual(setPixels(mask, 10), expected);
});

test('a right triangle rasterises to the pixels whose centres are inside (28 of area 32)', () => {
  // Centre (x+.5, y+.5) inside x + y < 8 ⇔ x + y ≤ 6: 7+6+...+1 = 28 pixels.
  const mask = rasterizePolygon([0, 0, 8, 0, 0, 8], 16, 16);
  assert.equal(maskArea(mask), 28);
  assert.equal(polygonArea([0, 0, 8, 0, 0, 8]), 32);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) assert.equal(mask[y * 16 + x], x + y <= 6 ? 1 : 0, `pixel ${x},${y}`);
});

test('polygon winding direction does not change the raster', () => {
  const cw = rasterizePolygon([1, 1, 9, 3, 4, 9], 12, 12);
  const ccw = rasterizePolygon([4, 9, 9, 3, 1, 1], 12, 12);
  assert.deepEqual(cw, ccw);
  assert.ok(maskArea(cw) > 0);
});

test('a polygon partly outside the image is clipped, not wrapped', () => {
  const mask = rasterizePolygon([-5, -5, 3, -5, 3, 3, -5, 3], 8, 8);
  assert.equal(maskArea(mask), 9);
  assert.deepEqual(setPixels(mask, 8), ['0,0', '1,0', '2,0', '0,1', '1,1', '2,1', '0,2', '1,2', '2,2']);
});

test('RLE uses COCO column-major runs starting with zeros', () => {
  // 2 rows x 3 columns: row0 = 0 1 1, row1 = 0 0 1 → column-major 0,0 | 1,0 | 1,1
  const mask = Uint8Array.from([0, 1, 1, 0, 0, 1]);
  const rle = encodeRle(mask, 3, 2);
  assert.deepEqual(rle, { size: [2, 3], counts: [2, 1, 1, 2] });
  assert.deepEqual(encodeRle(Uint8Array.from([1, 1]), 2, 1).counts, [0, 2]);
  assert.deepEqual(encodeRle(new Uint8Array(4), 2, 2).counts, [4]);
});

test('RLE round-trips random masks of several shapes exactly', () => {
  const rand = rng(42);
  for (const [w, h, p] of [[1, 1, 0.5], [7, 3, 0.3], [64, 48, 0.1], [33, 65, 0.9]] as const) {
    const mask = new Uint8Array(w * h).map(() => (rand() < p ? 1 : 0));
    const rle = encodeRle(mask, w, h);
    assert.equal(rle.counts.reduce((a, b) => a + b, 0), w * h);
    assert.equal(rleArea(rle), maskArea(mask));
    assert.deepEqual(decodeRle(rle), mask, `${w}x${h}`);
  }
});

test('masks stay in image coordinates: a polygon mask encodes and decodes at the same pixels', () => {
  const w = 40;
  const h = 30;
  const poly = rasterizePolygon([10, 5, 30, 5, 20, 25], w, h);
  const back = decodeRle(encodeRle(poly, w, h));
  assert.deepEqual(setPixels(back, w), setPixels(poly, w));
  const regions: Region[] = [
    { kind: 'polygon', id: 'a', defectClass: 'scratch', points: [0, 0, 4, 0, 4, 4, 0, 4] },
    { kind: 'mask', id: 'b', defectClass: 'dent', rle: encodeRle(poly, w, h) },
  ];
  assert.equal(maskArea(regionsToMask(regions, w, h, 'scratch')), 16);
  assert.equal(maskArea(regionsToMask(regions, w, h, 'dent')), maskArea(poly));
});

test('a brush dab of diameter 5 covers the 21 pixels within radius 2.5 of its centre', () => {
  const mask = new Uint8Array(20 * 20);
  assert.equal(paintSegment(mask, 20, 20, 10.5, 10.5, 10.5, 10.5, 5, 1), 21);
  assert.equal(mask[10 * 20 + 10], 1);
  assert.equal(mask[10 * 20 + 13], 0);
  // Erasing the same dab changes the same 21 pixels back.
  assert.equal(paintSegment(mask, 20, 20, 10.5, 10.5, 10.5, 10.5, 5, 0), 21);
  assert.equal(maskArea(mask), 0);
});

test('a brush segment covers a capsule and clips at the image border', () => {
  const mask = new Uint8Array(10 * 10);
  paintSegment(mask, 10, 10, 0.5, 5.5, 9.5, 5.5, 1, 1);
  assert.deepEqual(setPixels(mask, 10), Array.from({ length: 10 }, (_, x) => `${x},5`));
  const edge = new Uint8Array(10 * 10);
  paintSegment(edge, 10, 10, 0, 0, 0, 0, 4, 1);
  // Radius 2 around the corner: centres (.5,.5), (1.5,.5), (.5,1.5); (1.5,1.5) is 2.12 away.
  assert.deepEqual(setPixels(edge, 10), ['0,0', '1,0', '0,1']);
});

test('region fit checks name the problem', () => {
  assert.equal(checkRegionFits({ kind: 'polygon', id: 'p', defectClass: 'x', points: [0, 0, 10, 0, 10, 10] }, 10, 10), undefined);
  assert.match(checkRegionFits({ kind: 'polygon', id: 'p', defectClass: 'x', points: [0, 0, 11, 0, 10, 10] }, 10, 10) ?? '', /outside the image 10x10/);
  assert.match(checkRegionFits({ kind: 'mask', id: 'm', defectClass: 'x', rle: { size: [5, 5], counts: [25] } }, 10, 10) ?? '', /does not match/);
  assert.match(checkRegionFits({ kind: 'mask', id: 'm', defectClass: 'x', rle: { size: [10, 10], counts: [50] } }, 10, 10) ?? '', /sum to 50/);
});

test('heatmap reduction normalises against the threshold and caps the long side', () => {
  assert.equal(normalizeScore(3, 3, 2), 0.5);
  assert.equal(normalizeScore(5, 3, 2), 1);
  assert.equal(normalizeScore(-100, 3, 2), 0);
  const w = 1024;
  const h = 768;
  const map = new Float32Array(w * h).fill(2);
  for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) map[y * w + x] = 4;
  const r = reduceHeatmap(map, w, h, { threshold: 3, spread: 2, maxSide: 512 });
  assert.deepEqual([r.width, r.height], [512, 384]);
  assert.equal(r.data[0], 0.25);
  assert.equal(r.data[511], 0.75);
  const small = reduceHeatmap(new Float32Array(12).fill(3), 4, 3, { threshold: 3, spread: 1, maxSide: 512 });
  assert.deepEqual([small.width, small.height, small.data[5]], [4, 3, 0.5]);
});
