/**
 * Host side of the engine worker: starts the worker on first use, routes progress/items to the
 * caller, answers the worker's read requests, and guarantees every request settles — with the
 * result, the worker's typed error, CANCELLED, or INTERNAL when the worker dies (it is then
 * restarted on the next request).
 */
import { AnomalyLensError, toErrorInfo, type ErrorInfo } from '../shared/errors';
import {
  isWorkerToHost,
  type HostToWorker,
  type WorkerMethod,
  type WorkerMethods,
  type WorkerProgress,
  type WorkerToHost,
} from '../shared/workerProtocol';

export interface WorkerLike {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (m: unknown) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

export interface WorkerClientOptions {
  create: () => WorkerLike;
  /** Reads a URI string for the worker (vscode.workspace.fs in the extension). */
  readFile: (uri: string) => Promise<Uint8Array>;
  log?: (line: string) => void;
  /** A worker thread was just started (called while the request that starts it is sent: must not request synchronously). */
  onStart?: () => void;
}

export interface CallOptions<Item = unknown> {
  signal?: AbortSignal;
  onProgress?: (e: WorkerProgress) => void;
  onItem?: (item: Item) => void;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: AnomalyLensError) => void;
  opts: CallOptions;
  cleanup: () => void;
}


/** A buffer we may transfer without detaching memory that others still use. */
function ownedBuffer(bytes: Uint8Array): ArrayBuffer {
  const buf = bytes.buffer;
  if (buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength) return buf;
  // Buffer.slice() would share memory (node's pool), so copy explicitly.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

export class WorkerClient {
  private worker: WorkerLike | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private starts = 0;

  constructor(private readonly opts: WorkerClientOptions) {}

  /** True while a worker thread exists (activation must not create one). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** How many times a worker was started (restarts after crashes included). */
  get startCount(): number {
    return this.starts;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  request<M extends WorkerMethod>(
    method: M,
    params: WorkerMethods[M]['params'],
    opts: CallOptions = {},
  ): Promise<WorkerMethods[M]['result']> {
    if (this.disposed) return Promise.reject(new AnomalyLensError('CANCELLED', `'${method}' was requested after the engine shut down`));
    if (opts.signal?.aborted) return Promise.reject(new AnomalyLensError('CANCELLED', 'cancelled by the user'));
    let worker: WorkerLike;
    try {
      worker = this.ensureWorker();
    } catch (err) {
      return Promise.reject(new AnomalyLensError('INTERNAL', `could not start the engine worker: ${toErrorInfo(err).message}`, {
        hint: 'Reinstall the extension; dist/worker.js may be missing.',
        cause: err,
      }));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const p = this.pending.get(id);
        if (!p) return;
        this.settle(id);
        this.post({ kind: 'cancel', id });
        p.reject(new AnomalyLensError('CANCELLED', `'${method}' was cancelled`));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        opts,
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      try {
        worker.postMessage({ kind: 'request', id, method, params } satisfies HostToWorker);
      } catch (err) {
        this.settle(id);
        reject(new AnomalyLensError('BAD_ARGUMENT', `'${method}' could not be sent to the worker: ${toErrorInfo(err).message}`));
      }
    });
  }

  /** Stops the worker; pending requests fail with CANCELLED. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.failAll((m) => new AnomalyLensError('CANCELLED', `'${m}' was cancelled: the engine shut down`));
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  /** Stops the worker (e.g. to release memory) without refusing later requests. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll((m) => new AnomalyLensError('CANCELLED', `'${m}' was cancelled: the engine was stopped`));
    if (w) await w.terminate();
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker;
    const w = this.opts.create();
    this.starts++;
    this.worker = w;
    w.on('message', (m) => this.onMessage(w, m));
    w.on('error', (err) => {
      this.opts.log?.(`engine worker error: ${err.stack ?? err.message}`);
      this.crashed(w, `the engine worker failed: ${err.message}`);
    });
    w.on('exit', (code) => this.crashed(w, `the engine worker stopped unexpectedly (exit code ${code})`));
    this.opts.onStart?.();
    return w;
  }

  private crashed(w: WorkerLike, message: string): void {
    if (this.worker !== w) return; // an old worker, already replaced or stopped on purpose
    this.worker = undefined;
    this.failAll((m) => new AnomalyLensError('INTERNAL', `'${m}' failed: ${message}`, {
      hint: 'See the Anomaly Lens output channel; the next request starts a fresh worker.',
    }));
  }

  private failAll(make: (method: string) => AnomalyLensError): void {
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(make(p.method));
    }
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    p.cleanup();
    this.pending.delete(id);
  }

  private post(m: HostToWorker, transfer?: ArrayBuffer[]): void {
    try {
      this.worker?.postMessage(m, transfer);
    } catch (err) {
      this.opts.log?.(`could not post to the engine worker: ${toErrorInfo(err).message}`);
    }
  }

  private onMessage(w: WorkerLike, raw: unknown): void {
    if (this.worker !== w) return;
    if (!isWorkerToHost(raw)) {
      this.opts.log?.(`ignored a malformed worker message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: WorkerToHost = raw;
    switch (m.kind) {
      case 'log':
        this.opts.log?.(m.line);
        return;
      case 'read':
        void this.answerRead(m.readId, m.requestId, m.uri);
        return;
      case 'progress':
        this.pending.get(m.id)?.opts.onProgress?.(m.event);
        return;
      case 'item':
        this.pending.get(m.id)?.opts.onItem?.(m.item);
        return;
      case 'result': {
        const p = this.pending.get(m.id);
        if (!p) return; // cancelled already
        this.settle(m.id);
        p.resolve(m.value);
        return;
      }
      case 'error': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.settle(m.id);
        p.reject(AnomalyLensError.fromInfo(m.error));
        return;
      }
    }
  }

  private async answerRead(readId: number, requestId: number, uri: string): Promise<void> {
    if (!this.pending.has(requestId)) {
      this.post({ kind: 'readResult', readId, ok: false, error: { code: 'CANCELLED', message: 'the request was cancelled' } });
      return;
    }
    try {
      const bytes = await this.opts.readFile(uri);
      const buf = ownedBuffer(bytes);
      this.post({ kind: 'readResult', readId, ok: true, bytes: new Uint8Array(buf) }, [buf]);
    } catch (err) {
      const info = toErrorInfo(err, uri);
      const error: ErrorInfo = info.code === 'INTERNAL' ? { code: 'FILE_UNREADABLE', message: info.message, file: uri } : info;
      this.post({ kind: 'readResult', readId, ok: false, error });
    }
  }
}
