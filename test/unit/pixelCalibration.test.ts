import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correctEdges, correctEdgesOf, edgeDivisor, edgeProfile, edgeProfileOf, effectivePixelThreshold, pixelCalibration } from '../../src/core/method/pixelCalibration';

const SIDE = 40;
const DEPTH = 6;

/** A canvas of 1s whose border rows/columns carry the excess `e[d]` multiplicatively (d = distance to the border). */
function canvasWithEdges(e: number[], noise = 0, seed = 1): Float32Array {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * noise;
  const c = new Float32Array(SIDE * SIDE);
  const f = (i: number) => {
    const d = Math.min(i, SIDE - 1 - i);
    return d < e.length ? e[d] : 1;
  };
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) c[y * SIDE + x] = f(x) * f(y) * (1 + rnd());
  return c;
}

test('the edge profile recovers the border excess of normal maps and removing it flattens them', () => {
  const excess = [1.4, 1.25, 1.1, 1.05, 1, 1];
  const canvases = [1, 2, 3].map((seed) => canvasWithEdges(excess, 0.02, seed));
  const p = edgeProfile(canvases, SIDE, DEPTH) as number[];
  assert.equal(p.length, DEPTH);
  excess.forEach((v, d) => assert.ok(Math.abs(p[d] - v) < 0.02, `profile[${d}] ${p[d]} ≈ ${v}`));
  const fixed = correctEdges(canvasWithEdges(excess), SIDE, p);
  const corner = fixed[0];
  const centre = fixed[(SIDE / 2) * SIDE + SIDE / 2];
  assert.ok(Math.abs(corner - centre) < 0.03, `corner ${corner} vs centre ${centre} after correction`);
});

test('a long stitched canvas gets the profile of its own borders, and the square helpers are its square case', () => {
  const W = 120;
  const H = 30;
  const excess = [1.5, 1.2, 1.1];
  const f = (i: number, n: number) => {
    const d = Math.min(i, n - 1 - i);
    return d < excess.length ? excess[d] : 1;
  };
  const long = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) long[y * W + x] = f(x, W) * f(y, H);
  const p = edgeProfileOf([{ canvas: long, width: W, height: H }], DEPTH) as number[];
  excess.forEach((v, d) => assert.ok(Math.abs(p[d] - v) < 1e-6, `profile[${d}] ${p[d]} ≈ ${v}`));
  const fixed = correctEdgesOf(long.slice(), W, H, p);
  assert.ok(fixed.every((v) => Math.abs(v - 1) < 1e-6), 'every border and corner of the long canvas comes out flat');
  assert.equal(edgeProfileOf([{ canvas: long, width: W, height: 2 * DEPTH }], DEPTH), undefined, 'a canvas with no interior gives no profile');
  const square = canvasWithEdges(excess, 0.02);
  assert.deepEqual(edgeProfile([square], SIDE, DEPTH), edgeProfileOf([{ canvas: square, width: SIDE, height: SIDE }], DEPTH));
  assert.deepEqual(correctEdges(square.slice(), SIDE, p), correctEdgesOf(square.slice(), SIDE, SIDE, p));
});

test('the edge profile never heats a border: colder edges leave it at 1', () => {
  const p = edgeProfile([canvasWithEdges([0.7, 0.8, 0.9])], SIDE, DEPTH) as number[];
  assert.ok(p.every((v) => v === 1));
  assert.ok(edgeDivisor(p, SIDE).every((v) => v === 1));
  assert.equal(edgeProfile([], SIDE, DEPTH), undefined);
  const untouched = canvasWithEdges([2]);
  assert.equal(correctEdges(untouched, SIDE, undefined)[0], 4, 'no profile: no correction');
});

test('the pixel threshold is the quantile of held-out patch terms, with the threshold at 0.5 of the colour scale', () => {
  const canvases = [0.1, 0.2, 0.3, 0.4].map((v) => new Float32Array(16).fill(v));
  const cal = pixelCalibration(canvases, [1, 2, 3, 4], 1) as NonNullable<ReturnType<typeof pixelCalibration>>;
  assert.equal(cal.threshold, 4);
  // Median of the maps' medians is 0.25 (between 0.2 and 0.3): spread = 2·(4 − 0.25).
  assert.ok(Math.abs(cal.spread - 7.5) < 1e-6);
  assert.match(cal.basis, /4 held-out normal maps/);
  assert.equal(pixelCalibration(canvases, [1, 2], 0.99), undefined, 'one patch term per map');
});

test('an unfused model draws regions at the lower of its pixel and image thresholds, a fused one at the pixel threshold', () => {
  const pixel = { threshold: 2, spread: 1, basis: '' };
  assert.equal(effectivePixelThreshold(pixel, 1.5, false), 1.5, 'an F1 image threshold below it: every flagged image keeps a region');
  assert.equal(effectivePixelThreshold(pixel, 7, true), 2, 'fused: the image threshold is in other units');
  assert.equal(effectivePixelThreshold(undefined, 7, true), undefined);
});
