import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderedMap } from '../../src/core/parallel/orderedMap';
import { MIN_POOL_IMAGES, planPool } from '../../src/core/parallel/pool';
import { Rng } from '../../src/core/rng';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('orderedMap yields in input order although later items finish first, never exceeding the concurrency', async () => {
  const rng = new Rng(7);
  const delays = Array.from({ length: 12 }, () => Math.floor(rng.next() * 8));
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  for await (const r of orderedMap(delays, 3, async (d, i) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(d);
    inFlight--;
    return i * 10;
  })) {
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.value, r.index * 10);
    seen.push(r.index);
  }
  assert.deepEqual(seen, delays.map((_, i) => i));
  assert.equal(peak, 3);
});

test('orderedMap reports a failing call in its place and carries on with the rest', async () => {
  const out: string[] = [];
  for await (const r of orderedMap(['a', 'bad', 'c'], 2, async (s) => {
    if (s === 'bad') throw new Error('broken file');
    return s.toUpperCase();
  })) out.push(r.ok ? r.value : `error:${(r.error as Error).message}:${r.item}`);
  assert.deepEqual(out, ['A', 'error:broken file:bad', 'C']);
});

test('orderedMap starts nothing new once aborted and ends after the calls already running', async () => {
  const controller = new AbortController();
  const started: number[] = [];
  const got: number[] = [];
  for await (const r of orderedMap(Array.from({ length: 10 }, (_, i) => i), 2, async (i) => {
    started.push(i);
    await sleep(1);
    return i;
  }, controller.signal)) {
    got.push(r.index);
    if (r.index === 1) controller.abort();
  }
  // Two calls were already queued behind the aborting one (concurrency 2); none after.
  assert.deepEqual(got, [0, 1, 2, 3]);
  assert.deepEqual(started, [0, 1, 2, 3]);
});

test('planPool: automatic pools only for folder-sized jobs on several cores, and shares the thread budget', () => {
  assert.deepEqual(planPool(undefined, MIN_POOL_IMAGES - 1, 0, 8), { workers: 1, threadsPerWorker: 8 });
  assert.deepEqual(planPool(undefined, 200, 0, 2), { workers: 2, threadsPerWorker: 1 });
  assert.deepEqual(planPool(0, 200, 0, 8), { workers: 2, threadsPerWorker: 4 });
  assert.deepEqual(planPool(undefined, 200, 0, 1), { workers: 1, threadsPerWorker: 1 });
  assert.deepEqual(planPool(3, 5, 6, 2), { workers: 3, threadsPerWorker: 2 });
  assert.deepEqual(planPool(1, 500, 4, 8), { workers: 1, threadsPerWorker: 4 });
});
