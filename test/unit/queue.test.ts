import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebouncedQueue } from '../../src/extension/queue';

// The queue's clock is mocked (setTimeout); settle() lets the promise callbacks a tick released run.
const settle = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('bursts are debounced into one batch with duplicates collapsed', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const batches: string[][] = [];
  const q = new DebouncedQueue<string>({ delayMs: 30, maxSize: 100, process: async (b) => { batches.push(b); } });
  for (const f of ['a', 'b', 'a', 'c', 'a']) {
    q.push(f, f);
    t.mock.timers.tick(29);
    await settle();
  }
  assert.equal(batches.length, 0, 'nothing runs while events keep coming');
  t.mock.timers.tick(1);
  await settle();
  assert.deepEqual(batches, [['b', 'c', 'a']]);
  q.dispose();
});

test('the queue is bounded: extra items are dropped and overflow is reported once per batch', async () => {
  const batches: number[][] = [];
  const overflows: number[] = [];
  const q = new DebouncedQueue<number>({ delayMs: 10, maxSize: 3, process: async (b) => { batches.push(b); }, onOverflow: (n) => overflows.push(n) });
  const accepted = [1, 2, 3, 4, 5, 2].map((n) => q.push(String(n), n));
  assert.deepEqual(accepted, [true, true, true, false, false, true], 'a key already queued can still be updated');
  assert.equal(q.size, 3);
  await q.flush();
  assert.deepEqual(batches, [[1, 3, 2]]);
  assert.deepEqual(overflows, [2]);
  q.dispose();
});

test('one batch at a time; items pushed during a batch run afterwards', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const log: string[] = [];
  let active = 0;
  const q = new DebouncedQueue<string>({
    delayMs: 5,
    maxSize: 10,
    process: async (b) => {
      active++;
      assert.equal(active, 1, 'batches never overlap');
      log.push(b.join(','));
      await sleep(40);
      active--;
    },
  });
  q.push('x', 'x');
  t.mock.timers.tick(5);
  await settle();
  assert.equal(q.busy, true);
  q.push('y', 'y');
  q.push('z', 'z');
  t.mock.timers.tick(5);
  await settle();
  assert.deepEqual(log, ['x'], 'the next batch waits for the running one');
  t.mock.timers.tick(35);
  await settle();
  t.mock.timers.tick(5);
  await settle();
  assert.deepEqual(log, ['x', 'y,z']);
  t.mock.timers.tick(40);
  await settle();
  assert.equal(q.busy, false);
  q.dispose();
});

test('a failing batch is reported and does not stop the queue', async () => {
  const errors: unknown[] = [];
  const done: string[] = [];
  const q = new DebouncedQueue<string>({
    delayMs: 5,
    maxSize: 10,
    process: async (b) => { if (b.includes('bad')) throw new Error('scan failed'); done.push(...b); },
    onError: (e) => errors.push(e),
  });
  q.push('bad', 'bad');
  await q.flush();
  q.push('good', 'good');
  await q.flush();
  assert.equal(errors.length, 1);
  assert.deepEqual(done, ['good']);
  q.dispose();
});

test('dispose drops pending work', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let ran = false;
  const q = new DebouncedQueue<string>({ delayMs: 5, maxSize: 10, process: async () => { ran = true; } });
  q.push('a', 'a');
  q.dispose();
  t.mock.timers.tick(20);
  await settle();
  assert.equal(ran, false);
  assert.equal(q.push('b', 'b'), false);
});
