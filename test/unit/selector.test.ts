import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greedySelect, selectRepository } from '../../src/core/method/selector';
import { Rng } from '../../src/core/rng';


/** Textbook greedy k-center: start at `first`, repeatedly take the point farthest from the chosen set. */
function naiveKCenter(points: Float32Array, n: number, p: number, k: number, first: number): number[] {
  const chosen = [first];
  const minD = new Float64Array(n).fill(Infinity);
  let last = first;
  while (chosen.length < k) {
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < p; j++) d += (points[i * p + j] - points[last * p + j]) ** 2;
      minD[i] = Math.min(minD[i], d);
    }
    let best = 0;
    for (let i = 1; i < n; i++) if (minD[i] > minD[best]) best = i;
    chosen.push(best);
    last = best;
  }
  return chosen;
}

function randomPoints(n: number, p: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n * p));
}

test('alpha = 0 is exactly the greedy k-center coreset', async () => {
  const n = 300;
  const p = 5;
  const pts = randomPoints(n, p, 1);
  const picked = greedySelect(pts, n, p, new Float32Array(n).fill(1), 40);
  assert.deepEqual(Array.from(picked), naiveKCenter(pts, n, p, 40, 0));
});

test('selectRepository with alpha = 0 ignores gradient norms', async () => {
  const n = 200;
  const p = 4;
  const pts = randomPoints(n, p, 2);
  const g = new Rng(3).fillNormal(new Float32Array(n)).map(Math.abs);
  const opts = { budget: 25, alpha: 0, selector: 'gradient' as const, projection: 0, seed: 0, maxWork: 1e9 };
  const a = await selectRepository(pts, n, p, g, opts);
  const b = await selectRepository(pts, n, p, undefined, opts);
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.equal(new Set(a).size, 25, 'picks are distinct');
});

test('gradient preference (alpha > 0) favours points with large gradient norms', async () => {
  const n = 400;
  const p = 3;
  const pts = randomPoints(n, p, 4);
  // Every tenth point has a large gradient norm.
  const g = Float32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 10 : 1));
  const count = (sel: Uint32Array) => Array.from(sel).filter((i) => i % 10 === 0).length;
  const base = { budget: 40, selector: 'gradient' as const, projection: 0, seed: 0, maxWork: 1e9 };
  const plain = await selectRepository(pts, n, p, g, { ...base, alpha: 0 });
  const preferred = await selectRepository(pts, n, p, g, { ...base, alpha: 1 });
  assert.ok(count(preferred) > count(plain) + 10, `alpha=1 picked ${count(preferred)} high-gradient points, alpha=0 picked ${count(plain)}`);
});

test('random selection is seeded and respects the budget', async () => {
  const n = 100;
  const pts = randomPoints(n, 2, 5);
  const opts = { budget: 10, alpha: 0, selector: 'random' as const, projection: 0, seed: 9, maxWork: 1e9 };
  const a = await selectRepository(pts, n, 2, undefined, opts);
  const b = await selectRepository(pts, n, 2, undefined, opts);
  const c = await selectRepository(pts, n, 2, undefined, { ...opts, seed: 10 });
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(c));
  assert.equal(a.length, 10);
});

test('large sets are thinned in chunks and still return the budget of distinct rows', async () => {
  const n = 9000;
  const p = 4;
  const pts = randomPoints(n, p, 6);
  const sel = await selectRepository(pts, n, p, undefined, { budget: 300, alpha: 0, selector: 'gradient', projection: 0, seed: 0, maxWork: 100_000 });
  assert.equal(sel.length, 300);
  assert.equal(new Set(sel).size, 300);
  assert.ok(Array.from(sel).every((i) => i < n));
});
