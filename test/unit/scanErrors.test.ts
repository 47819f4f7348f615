import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REMEMBERED_ERRORS, ScanErrorMemo, type StateStore } from '../../src/extension/scanErrors';

/** Workspace state as VS Code keeps it: values are visible to get() as soon as update() is called. */
function memoryState(): StateStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(key: string) => (data.has(key) ? (JSON.parse(JSON.stringify(data.get(key))) as T) : undefined),
    update: async (key, value) => {
      if (value === undefined) data.delete(key);
      else data.set(key, value);
    },
  };
}

const A = 'file:///work/a';
const B = 'file:///work/b';
const corrupt = { code: 'DECODE_FAILED' as const, message: 'broken/bad.png: not a PNG (bad signature)', file: 'broken/bad.png', hint: 'Re-export the image.' };

test('a recorded failure survives a new memo over the same state (a window reload)', async () => {
  const state = memoryState();
  await new ScanErrorMemo(state).record(A, 'broken/bad.png', corrupt);
  const after = new ScanErrorMemo(state).entries(A);
  assert.deepEqual([...after.keys()], ['broken/bad.png']);
  assert.deepEqual(after.get('broken/bad.png'), corrupt);
});

test('folders are kept apart, and forgetting the last entry removes the folder record', async () => {
  const state = memoryState();
  const memo = new ScanErrorMemo(state);
  await memo.record(A, 'x.png', corrupt);
  await memo.record(B, 'y.dcm', { code: 'FILE_TRUNCATED', message: 'y.dcm: ends inside the pixel data' });
  assert.deepEqual([...memo.entries(A).keys()], ['x.png']);
  assert.deepEqual([...memo.entries(B).keys()], ['y.dcm']);
  await memo.forget(A, ['x.png']);
  assert.equal(memo.entries(A).size, 0);
  assert.equal(state.data.size, 1, 'only the other folder is left in the state');
});

test('a later failure of the same image replaces the earlier one', async () => {
  const memo = new ScanErrorMemo(memoryState());
  await memo.record(A, 'x.png', corrupt);
  await memo.record(A, 'x.png', { code: 'IMAGE_TOO_LARGE', message: 'x.png: 40000 × 40000 pixels is over the limit' });
  assert.equal(memo.entries(A).get('x.png')?.code, 'IMAGE_TOO_LARGE');
  assert.equal(memo.entries(A).size, 1);
});

test('malformed stored entries are dropped instead of reaching the tree', () => {
  const state = memoryState();
  state.data.set(`anomalyLens.scanErrors:${A}`, { 'ok.png': corrupt, 'no-code.png': { message: 'x' }, 'num.png': 5, 'bad-hint.png': { code: 'X', message: 'm', hint: 3 } });
  assert.deepEqual([...new ScanErrorMemo(state).entries(A).keys()], ['ok.png']);
  state.data.set(`anomalyLens.scanErrors:${B}`, ['not', 'a', 'record']);
  assert.equal(new ScanErrorMemo(state).entries(B).size, 0);
});

test('the record is capped, dropping the oldest failures first', async () => {
  const state = memoryState();
  const seeded: Record<string, unknown> = {};
  for (let i = 0; i < MAX_REMEMBERED_ERRORS; i++) seeded[`img-${i}.png`] = corrupt;
  state.data.set(`anomalyLens.scanErrors:${A}`, seeded);
  const memo = new ScanErrorMemo(state);
  await memo.record(A, 'newest.png', corrupt);
  const kept = memo.entries(A);
  assert.equal(kept.size, MAX_REMEMBERED_ERRORS);
  assert.ok(!kept.has('img-0.png'), 'the oldest went');
  assert.ok(kept.has('img-1.png') && kept.has('newest.png'));
});
