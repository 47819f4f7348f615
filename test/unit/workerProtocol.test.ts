import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { WorkerClient } from '../../src/extension/workerClient';
import { AnomalyLensError } from '../../src/shared/errors';
import { etaSeconds, isHostToWorker, isWorkerToHost } from '../../src/shared/workerProtocol';

// A tiny fake engine served by the real rpcServer, bundled the way dist/worker.js is.
const dir = mkdtempSync(path.join(os.tmpdir(), 'al-worker-'));
const repo = path.resolve(import.meta.dirname, '../..');
writeFileSync(path.join(dir, 'fake.ts'), `
import { parentPort } from 'node:worker_threads';
import { serve } from ${JSON.stringify(path.join(repo, 'src/worker/rpcServer.ts'))};
import { AnomalyLensError, throwIfCancelled } from ${JSON.stringify(path.join(repo, 'src/shared/errors.ts'))};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
serve(parentPort as never, {
  echo: async (p: { value: unknown }) => p,
  fail: async () => { throw new AnomalyLensError('MODEL_BACKBONE_MISMATCH', 'backbone changed', { file: 'm/x', hint: 'retrain' }); },
  throwPlain: async () => { throw new TypeError('boom'); },
  stream: async (p: { n: number }, ctx) => {
    for (let i = 0; i < p.n; i++) { ctx.progress({ stage: 'scan', done: i + 1, total: p.n }); ctx.item({ i }); }
    return { n: p.n };
  },
  // Reports that it started, then waits for its cancel (no polling, no clock).
  wait: async (_p: unknown, ctx) => {
    ctx.progress({ stage: 'scan', done: 0, total: 1 });
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    throwIfCancelled(ctx.signal);
  },
  exit: async () => { setTimeout(() => process.exit(3), 5); await sleep(10_000); return 'never'; },
  uncaught: async () => { setTimeout(() => { throw new Error('async explosion'); }, 5); await sleep(10_000); return 'never'; },
  readSum: async (p: { uris: string[] }, ctx) => {
    let sum = 0;
    for (const u of p.uris) for (const b of await ctx.read(u)) sum += b;
    return { sum };
  },
});
`);
buildSync({ entryPoints: [path.join(dir, 'fake.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: path.join(dir, 'fake.cjs'), logLevel: 'error' });

const files: Record<string, Uint8Array> = { 'mem:a': new Uint8Array([1, 2, 3]), 'mem:b': Buffer.from([10, 20]) };
const logs: string[] = [];
const clients: WorkerClient[] = [];
function client(onStart?: () => void): WorkerClient {
  const c = new WorkerClient({
    onStart,
    create: () => new Worker(path.join(dir, 'fake.cjs')),
    readFile: async (uri) => {
      const f = uri === 'mem:a' ? new Uint8Array(files[uri]) : files[uri];
      if (!f) throw new AnomalyLensError('FILE_UNREADABLE', 'no such file', { file: uri });
      return f;
    },
    log: (l) => logs.push(l),
  });
  clients.push(c);
  return c;
}
// The fake methods are not in WorkerMethods; the client is generic at runtime.
type Loose = { request(method: string, params: unknown, opts?: Parameters<WorkerClient['request']>[2]): Promise<unknown> };
const loose = (c: WorkerClient) => c as unknown as Loose;
const code = (c: string) => (e: unknown) => e instanceof AnomalyLensError && e.code === c;

after(async () => {
  // A failed assertion must not leave a worker thread keeping the runner alive.
  await Promise.all(clients.map((c) => c.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

test('the worker is not started until the first request', async () => {
  const c = client();
  assert.equal(c.running, false);
  assert.deepEqual(await loose(c).request('echo', { value: 7 }), { value: 7 });
  assert.equal(c.running, true);
  await c.dispose();
});

test('typed errors cross the thread with code, file and hint; plain throws become INTERNAL; unknown methods BAD_ARGUMENT', async () => {
  const c = client();
  await assert.rejects(loose(c).request('fail', {}), (e) => code('MODEL_BACKBONE_MISMATCH')(e) && (e as AnomalyLensError).hint === 'retrain' && (e as AnomalyLensError).file === 'm/x');
  await assert.rejects(loose(c).request('throwPlain', {}), (e) => code('INTERNAL')(e) && /boom/.test((e as Error).message));
  await assert.rejects(loose(c).request('nope', {}), code('BAD_ARGUMENT'));
  await c.dispose();
});

test('progress and items arrive in order before the result', async () => {
  const c = client();
  const seen: string[] = [];
  const r = await loose(c).request('stream', { n: 3 }, {
    onProgress: (e) => seen.push(`p${e.done}/${e.total}`),
    onItem: (i) => seen.push(`i${(i as { i: number }).i}`),
  });
  assert.deepEqual(r, { n: 3 });
  assert.deepEqual(seen, ['p1/3', 'i0', 'p2/3', 'i1', 'p3/3', 'i2']);
  await c.dispose();
});

test('cancellation rejects with CANCELLED and the worker stays usable', async () => {
  const c = client();
  const ac = new AbortController();
  // Cancel once the worker reports the request running.
  const p = loose(c).request('wait', {}, { signal: ac.signal, onProgress: () => ac.abort() });
  await assert.rejects(p, code('CANCELLED'));
  assert.deepEqual(await loose(c).request('echo', { value: 'after' }), { value: 'after' });
  assert.equal(c.startCount, 1);
  await c.dispose();
});

test('a worker that exits mid-request rejects every pending request, and the next request restarts it', async () => {
  let started = 0;
  const c = client(() => started++);
  const a = loose(c).request('exit', {});
  const b = loose(c).request('wait', {});
  await assert.rejects(a, (e) => code('INTERNAL')(e) && /exit code 3/.test((e as Error).message));
  await assert.rejects(b, code('INTERNAL'));
  assert.equal(c.pendingCount, 0);
  assert.deepEqual(await loose(c).request('echo', { value: 1 }), { value: 1 });
  assert.equal(c.startCount, 2);
  assert.equal(started, 2, 'the host hears of each start (the status bar asks the new worker for its device)');
  await c.dispose();
});

test('an uncaught exception in the worker rejects with a typed error', async () => {
  const c = client();
  await assert.rejects(loose(c).request('uncaught', {}), (e) => code('INTERNAL')(e) && /async explosion/.test((e as Error).message));
  await c.dispose();
});

test('the worker reads bytes through the host; read failures keep their code', async () => {
  const c = client();
  assert.deepEqual(await loose(c).request('readSum', { uris: ['mem:a', 'mem:b'] }), { sum: 36 });
  assert.deepEqual([...files['mem:b']], [10, 20], 'a pooled Buffer is copied, not detached');
  await assert.rejects(loose(c).request('readSum', { uris: ['mem:missing'] }), (e) => code('FILE_UNREADABLE')(e) && (e as AnomalyLensError).file === 'mem:missing');
  await c.dispose();
});

test('dispose cancels pending requests and refuses new ones', async () => {
  const c = client();
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const p = assert.rejects(loose(c).request('wait', {}, { onProgress: () => started() }), code('CANCELLED'));
  await running;
  await c.dispose();
  await p;
  await assert.rejects(loose(c).request('echo', {}), code('CANCELLED'));
});

test('message guards accept the protocol and reject garbage', () => {
  assert.ok(isWorkerToHost({ kind: 'progress', id: 1, event: { stage: 'scan', done: 1, total: 2 } }));
  assert.ok(!isWorkerToHost({ kind: 'error', id: 1, error: 'x' }));
  assert.ok(!isWorkerToHost({ kind: 'result', id: -1 }));
  assert.ok(isHostToWorker({ kind: 'readResult', readId: 1, ok: true, bytes: new Uint8Array(1) }));
  assert.ok(!isHostToWorker({ kind: 'readResult', readId: 1, ok: true, bytes: [1] }));
  assert.equal(etaSeconds(10, 40, 5), 15);
  assert.equal(etaSeconds(0, 40, 5), undefined);
  assert.equal(etaSeconds(40, 40, 5), 0);
});
