/**
 * The worker side of the host↔worker protocol: dispatches requests to handlers, gives each one
 * an AbortSignal, progress/item emitters and a way to read bytes through the host, and makes
 * sure every request is answered exactly once (result or typed error).
 */
import { AnomalyLensError, throwIfCancelled, toErrorInfo } from '../shared/errors';
import {
  isHostToWorker,
  type HostToWorker,
  type WorkerProgress,
  type WorkerToHost,
} from '../shared/workerProtocol';

export interface Port {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (m: unknown) => void): void;
}

export interface RequestContext {
  signal: AbortSignal;
  progress(event: WorkerProgress): void;
  item(item: unknown, transfer?: ArrayBuffer[]): void;
  /** Bytes of a URI, read by the host. */
  read(uri: string): Promise<Uint8Array>;
  log(line: string): void;
}

export type Handler = (params: never, ctx: RequestContext) => Promise<unknown>;
export type HandlerMap = Record<string, Handler>;

/** Exactly one handler per method of a protocol, each typed by its params and result. */
export type HandlersFor<M extends Record<string, { params: unknown; result: unknown }>> = {
  [K in keyof M]: (params: M[K]['params'], ctx: RequestContext) => Promise<M[K]['result']>;
};

export interface ServeOptions {
  /** Buffers of a result to transfer instead of copy. */
  transferOf?: (method: string, result: unknown) => ArrayBuffer[] | undefined;
}

export function serve(port: Port, handlers: HandlerMap, opts: ServeOptions = {}): void {
  const running = new Map<number, AbortController>();
  const reads = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  let nextReadId = 1;
  const post = (m: WorkerToHost, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const log = (line: string) => post({ kind: 'log', line });

  const run = async (id: number, method: string, params: unknown): Promise<void> => {
    const handler = Object.prototype.hasOwnProperty.call(handlers, method) ? handlers[method] : undefined;
    if (!handler) {
      post({ kind: 'error', id, error: { code: 'BAD_ARGUMENT', message: `unknown worker method '${method}'` } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const ctx: RequestContext = {
      signal: controller.signal,
      progress: (event) => {
        if (!controller.signal.aborted) post({ kind: 'progress', id, event });
      },
      item: (item, transfer) => {
        if (!controller.signal.aborted) post({ kind: 'item', id, item }, transfer);
      },
      read: (uri) =>
        new Promise<Uint8Array>((resolve, reject) => {
          throwIfCancelled(controller.signal);
          const readId = nextReadId++;
          reads.set(readId, { resolve, reject });
          post({ kind: 'read', readId, requestId: id, uri });
        }),
      log,
    };
    try {
      const result = await (handler as (p: unknown, c: RequestContext) => Promise<unknown>)(params, ctx);
      throwIfCancelled(controller.signal);
      post({ kind: 'result', id, value: result }, opts.transferOf?.(method, result));
    } catch (err) {
      const error = controller.signal.aborted ? { code: 'CANCELLED' as const, message: 'cancelled by the user' } : toErrorInfo(err);
      post({ kind: 'error', id, error });
    } finally {
      running.delete(id);
    }
  };

  port.on('message', (raw) => {
    if (!isHostToWorker(raw)) {
      log(`ignored a malformed message from the host: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: HostToWorker = raw;
    switch (m.kind) {
      case 'request':
        void run(m.id, m.method, m.params);
        break;
      case 'cancel':
        running.get(m.id)?.abort();
        break;
      case 'readResult': {
        const r = reads.get(m.readId);
        if (!r) return;
        reads.delete(m.readId);
        if (m.ok) r.resolve(m.bytes);
        else r.reject(AnomalyLensError.fromInfo(m.error));
        break;
      }
    }
  });
}
