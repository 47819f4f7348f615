/**
 * A pool of worker threads, each with its own onnxruntime sessions, for throughput on a folder.
 * On few cores one session per core at one thread each beats one session at n threads
 * (decode, resize and map-making are single-threaded JavaScript that then overlaps with
 * inference; measured in docs/benchmarks.md). Every request gets a result or a typed error:
 * a worker that dies fails its own requests, naming the file, and the rest go on.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AnomalyLensError } from '../../shared/errors';
import type { PatchFeatures } from '../api';
import type { PoolInit, PoolReply, PooledScore, PoolRequest } from './protocol';

/** Below this many images a pool's start-up (one backbone per worker) costs more than it saves. */
export const MIN_POOL_IMAGES = 16;
const MAX_AUTO_WORKERS = 2;

/** The worker script: bundled next to the running bundle, or the TypeScript source through tsx. */
export function poolWorkerScript(dir: string = __dirname): string | undefined {
  for (const name of ['pool-worker.js', 'poolWorker.dev.cjs']) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface PoolPlan {
  workers: number;
  threadsPerWorker: number;
}

/**
 * How many workers for `images` images: `requested` > 0 is taken as is; 0 means automatic (one
 * per core up to 2, none for small jobs or one core). `threads` (0 = all cores) is shared out.
 */
export function planPool(requested: number | undefined, images: number, threads: number, cores = os.availableParallelism()): PoolPlan {
  const workers = requested && requested > 0 ? Math.floor(requested) : images >= MIN_POOL_IMAGES ? Math.min(MAX_AUTO_WORKERS, cores) : 1;
  const budget = threads > 0 ? threads : cores;
  return { workers, threadsPerWorker: Math.max(1, Math.floor(budget / Math.max(1, workers))) };
}

/** Longest one file may take to decode and score before its worker is replaced. */
export const DEFAULT_FILE_TIMEOUT_MS = 120_000;

export interface PoolOptions {
  /** Per-request time limit; a request over it fails as DECODE_TIMEOUT and its worker is replaced. */
  fileTimeoutMs?: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  name: string;
  req: PoolRequest;
  timer?: ReturnType<typeof setTimeout>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
}

/** A request before the pool numbers it. */
type NewRequest = { [K in PoolRequest['op']]: Omit<Extract<PoolRequest, { op: K }>, 'id'> }[PoolRequest['op']];


export class EnginePool {
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;

  private constructor(
    private readonly slots: Slot[],
    private readonly init: PoolInit,
    private readonly script: string,
    opts: PoolOptions,
  ) {
    this.timeoutMs = opts.fileTimeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
  }

  get size(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  /** Starts `workers` threads and waits until each has its sessions open (or one fails). */
  static async open(init: PoolInit, workers: number, script = poolWorkerScript(), opts: PoolOptions = {}): Promise<EnginePool> {
    if (!script) throw new AnomalyLensError('INTERNAL', 'the engine worker script is missing', { hint: 'run `npm run build`' });
    const slots: Slot[] = [];
    const started: Promise<void>[] = [];
    const detach: (() => void)[] = [];
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(script, { workerData: init });
      const slot: Slot = { worker, pending: new Map(), alive: true };
      slots.push(slot);
      started.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: PoolReply) => {
            if (m.kind === 'ready') resolve();
            else if (m.kind === 'init-failed') reject(AnomalyLensError.fromInfo(m.error));
          };
          const onExit = (code: number) => reject(new AnomalyLensError('INTERNAL', `an engine worker exited (code ${code}) while starting`));
          worker.on('message', onMessage);
          worker.on('error', reject);
          worker.on('exit', onExit);
          detach.push(() => {
            worker.off('message', onMessage);
            worker.off('error', reject);
            worker.off('exit', onExit);
          });
        }),
      );
    }
    const pool = new EnginePool(slots, init, script, opts);
    try {
      await Promise.all(started);
    } catch (err) {
      await pool.close();
      throw err;
    }
    detach.forEach((d) => d());
    slots.forEach((s) => pool.watch(s));
    return pool;
  }

  private settle(slot: Slot, id: number): Pending | undefined {
    const p = slot.pending.get(id);
    if (!p) return undefined;
    slot.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    return p;
  }

  private watch(slot: Slot): void {
    slot.worker.on('message', (m: PoolReply) => {
      if (m.kind === 'init-failed') return this.fail(slot, `it could not start: ${m.error.message}`);
      if (m.kind !== 'result') return;
      const p = this.settle(slot, m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.value);
      else p.reject(AnomalyLensError.fromInfo(m.error));
    });
    slot.worker.on('error', (err) => this.fail(slot, err instanceof Error ? err.message : String(err)));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, `exit code ${code}`);
    });
  }

  private fail(slot: Slot, why: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    for (const [id] of [...slot.pending]) {
      const p = this.settle(slot, id);
      p?.reject(new AnomalyLensError('INTERNAL', `the engine worker stopped (${why})`, { file: p.name, hint: 'retry; if it repeats, set the worker count to 1' }));
    }
  }

  /**
   * A request ran past the time limit: it fails as DECODE_TIMEOUT, its worker (stuck in a codec or
   * a loop that cannot be interrupted) is terminated and replaced, and the requests that were
   * queued behind it go to the workers still running.
   */
  private expire(slot: Slot, id: number): void {
    const p = this.settle(slot, id);
    if (!p || this.closed) return;
    p.reject(
      new AnomalyLensError('DECODE_TIMEOUT', `decoding and scoring took longer than ${Math.round(this.timeoutMs / 1000)} s; the file was abandoned and its worker replaced`, {
        file: p.name,
        hint: 'the file may be crafted or damaged to be slow to decode; check it with another viewer',
      }),
    );
    slot.alive = false;
    const queued = [...slot.pending.values()];
    for (const q of queued) if (q.timer) clearTimeout(q.timer);
    slot.pending.clear();
    void slot.worker.terminate().catch(() => undefined);
    const fresh: Slot = { worker: new Worker(this.script, { workerData: this.init }), pending: new Map(), alive: true };
    this.slots[this.slots.indexOf(slot)] = fresh;
    this.watch(fresh);
    for (const q of queued) this.post(q);
  }

  private post(p: Pending): void {
    const live = this.slots.filter((s) => s.alive);
    if (live.length === 0) return p.reject(new AnomalyLensError('INTERNAL', 'no engine worker is running', { file: p.name }));
    // The least busy worker takes it.
    const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    slot.pending.set(p.req.id, p);
    p.timer = setTimeout(() => this.expire(slot, p.req.id), this.timeoutMs);
    slot.worker.postMessage(p.req);
  }

  private send<T>(req: NewRequest): Promise<T> {
    if (this.closed) return Promise.reject(new AnomalyLensError('INTERNAL', 'the engine pool is closed', { file: req.name }));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.post({ resolve: resolve as (v: unknown) => void, reject, name: req.name, req: { ...req, id } as PoolRequest });
    });
  }

  extract(bytes: Uint8Array, name: string, frame = 0, views = 1): Promise<PatchFeatures[]> {
    return this.send({ op: 'extract', bytes, name, frame, views });
  }

  score(bytes: Uint8Array, name: string, frame = 0): Promise<PooledScore> {
    return this.send({ op: 'score', bytes, name, frame });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) {
      for (const [id] of [...s.pending]) {
        const p = this.settle(s, id);
        p?.reject(new AnomalyLensError('CANCELLED', 'the engine pool was closed', { file: p.name }));
      }
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => undefined)));
  }
}
