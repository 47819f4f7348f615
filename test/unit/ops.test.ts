// Resampling, blur and mapping the patch grid back to image coordinates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianBlur, mapToImage, resizeBilinear } from '../../src/core/image/ops';

const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('resizeBilinear: identity, constant planes, exact 2× shrink and bilinear enlargement', () => {
  const p = Float32Array.from([1, 2, 3, 4]);
  assert.deepEqual(Array.from(resizeBilinear(p, 2, 2, 2, 2)), [1, 2, 3, 4]);
  resizeBilinear(new Float32Array(35).fill(7), 7, 5, 3, 2).forEach((v) => close(v, 7));
  // 8×1 → 4×1: interior outputs use the widened triangle (1, 3, 3, 1)/8, so a ramp stays exact
  // at the output centres; edge outputs renormalise the taps that fall inside the image.
  const shrunk = resizeBilinear(Float32Array.from([0, 2, 4, 6, 8, 10, 12, 14]), 8, 1, 4, 1);
  close(shrunk[1], 5);
  close(shrunk[2], 9);
  close(shrunk[0], 2.5 / 1.75);
  // 2×1 → 4×1 enlargement with half-pixel centres and clamped edges.
  assert.deepEqual(Array.from(resizeBilinear(Float32Array.from([0, 4]), 2, 1, 4, 1)), [0, 1, 3, 4]);
});

test('gaussianBlur keeps constants, keeps the total of an interior impulse and is symmetric', () => {
  gaussianBlur(new Float32Array(100).fill(3), 10, 10, 2).forEach((v) => close(v, 3));
  const impulse = new Float32Array(41 * 41);
  impulse[20 * 41 + 20] = 1;
  const b = gaussianBlur(impulse, 41, 41, 2);
  close(b.reduce((a, v) => a + v, 0), 1, 1e-4);
  close(b[20 * 41 + 17], b[20 * 41 + 23]);
  close(b[17 * 41 + 20], b[20 * 41 + 17]);
  assert.deepEqual(Array.from(gaussianBlur(impulse, 41, 41, 0)), Array.from(impulse));
});

test('mapToImage: a hot patch lands at its place inside the crop; outside takes the edge value', () => {
  const grid = new Float32Array(4 * 4);
  grid[1 * 4 + 2] = 1; // column 2, row 1
  const crop = { x: 100, y: 50, width: 200, height: 200 };
  const map = mapToImage(grid, 4, 4, crop, 400, 300, 0);
  // Cell (2, 1) centre in image pixels: x = 100 + 2.5·50 = 225, y = 50 + 1.5·50 = 125.
  close(map[125 * 400 + 225], 1, 0.02);
  assert.equal(map[0], 0);
  // Left of the crop (x < 100) copies the crop's left edge column of the grid at each row.
  close(map[125 * 400 + 10], grid[1 * 4 + 0]);
  // Right of the crop at the hot row takes the last column's value (0 here) — not a wrap-around.
  close(map[125 * 400 + 399], 0);
});

test('mapToImage of a uniform grid is uniform at any size, and a 3000×3000 map peaks where its cell is', () => {
  const grid = new Float32Array(28 * 28).fill(0.25);
  const small = mapToImage(grid, 28, 28, { x: 0, y: 0, width: 64, height: 48 }, 64, 48, 4);
  small.forEach((v) => close(v, 0.25));
  const hot = new Float32Array(28 * 28);
  hot[14 * 28 + 14] = 1;
  const big = mapToImage(hot, 28, 28, { x: 0, y: 0, width: 3000, height: 3000 }, 3000, 3000, 50);
  assert.equal(big.length, 3000 * 3000);
  // The peak sits at cell 14's centre: (14.5 / 28) · 3000 ≈ 1553.6.
  let best = -1;
  let at = 0;
  for (let i = 0; i < big.length; i++) if (big[i] > best) { best = big[i]; at = i; }
  assert.ok(Math.abs((at % 3000) - 1553) <= 8 && Math.abs(Math.floor(at / 3000) - 1553) <= 8, `peak at ${at % 3000},${Math.floor(at / 3000)}`);
});
