// The per-file time limit of the scan pool, on fake timers and a stand-in worker that hangs.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { EnginePool } from '../../src/core/parallel/pool';
import type { PoolInit } from '../../src/core/parallel/protocol';
import { AnomalyLensError } from '../../src/shared/errors';

const script = path.join(__dirname, 'fixtures', 'slowPoolWorker.cjs');
const init = {} as PoolInit; // the stand-in worker reads nothing from it

test('a file over the time limit fails as DECODE_TIMEOUT, its worker is replaced, and the file queued behind it is still scored', { timeout: 20_000 }, async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const pool = await EnginePool.open(init, 1, script, { fileTimeoutMs: 5_000 });
  try {
    const hang = pool.score(new Uint8Array(4), 'hang.dcm');
    const queued = pool.score(new Uint8Array(4), 'ok.png'); // behind the hang on the only worker
    const settledHang = hang.then(
      () => 'scored',
      (e: unknown) => e,
    );
    mock.timers.tick(5_000);
    const err = await settledHang;
    assert.ok(err instanceof AnomalyLensError, `expected a typed error, got ${String(err)}`);
    assert.equal(err.code, 'DECODE_TIMEOUT');
    assert.equal(err.file, 'hang.dcm');
    assert.match(err.message, /longer than 5 s/);
    assert.deepEqual((await queued).score, { name: 'ok.png' });
    assert.equal(pool.size, 1, 'the replacement worker is running');
    assert.deepEqual((await pool.score(new Uint8Array(4), 'after.png')).score, { name: 'after.png' });
  } finally {
    mock.timers.reset();
    await pool.close();
  }
});
