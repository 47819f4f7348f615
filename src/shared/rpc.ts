/**
 * Request/response over a postMessage-like channel, usable on both sides of the webview.
 * Every outgoing request settles: with the reply's result, the reply's error (as an
 * AnomalyLensError with its code), TIMEOUT after `timeoutMs`, or CANCELLED on dispose().
 * Every incoming request gets exactly one reply, including unknown methods and thrown errors.
 */
import { AnomalyLensError, toErrorInfo, type ErrorInfo } from './errors';
import { DEFAULT_REQUEST_TIMEOUT_MS, type RequestMap } from './protocol';

export type Post = (message: unknown, transfer?: ArrayBuffer[]) => void;

/** A message after validation: the shape Rpc dispatches on. */
export type Envelope =
  | { type: 'request'; id: number; method: string; params: unknown }
  | { type: 'notification'; method: string; params: unknown }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ErrorInfo };

export type Check<T> = { ok: true; value: T } | { ok: false; reason: string; id?: number };

export type Handlers<In extends RequestMap> = {
  [K in keyof In]?: (params: In[K]['params']) => Promise<In[K]['result']> | In[K]['result'];
};

export interface RpcOptions<In extends RequestMap> {
  post: Post;
  handlers?: Handlers<In>;
  onNotification?: (method: string, params: unknown) => void;
  /** Validates incoming messages; defaults to an envelope-only check. */
  validate?: (raw: unknown) => Check<Envelope>;
  onInvalid?: (reason: string, raw: unknown) => void;
  /** Buffers to transfer with a reply (e.g. frame pixels). */
  transferOf?: (result: unknown) => ArrayBuffer[] | undefined;
  timeoutMs?: number;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: AnomalyLensError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Rpc<Out extends RequestMap, In extends RequestMap = RequestMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;

  constructor(private readonly opts: RpcOptions<In>) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  request<K extends keyof Out & string>(
    method: K,
    params: Out[K]['params'],
    options: { timeoutMs?: number; transfer?: ArrayBuffer[] } = {},
  ): Promise<Out[K]['result']> {
    if (this.disposed) return Promise.reject(new AnomalyLensError('CANCELLED', `'${method}' was sent after the channel closed`));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<Out[K]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AnomalyLensError('TIMEOUT', `'${method}' got no reply within ${timeoutMs} ms`, {
          hint: 'The other side may have crashed or been closed; reopen the editor.',
        }));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.opts.post({ type: 'request', id, method, params }, options.transfer);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new AnomalyLensError('INTERNAL', `'${method}' could not be sent: ${toErrorInfo(err).message}`));
      }
    });
  }

  notify(method: string, params: unknown): void {
    if (!this.disposed) this.opts.post({ type: 'notification', method, params });
  }

  /** Feed one incoming message. Returns false when it was rejected as invalid. */
  handle(raw: unknown): boolean {
    const checked = (this.opts.validate ?? checkEnvelope)(raw);
    if (!checked.ok) {
      this.opts.onInvalid?.(checked.reason, raw);
      // A malformed request still gets its one reply, so the sender does not wait for TIMEOUT.
      if (checked.id !== undefined) this.replyError(checked.id, { code: 'MESSAGE_INVALID', message: checked.reason });
      return false;
    }
    const msg = checked.value;
    if (msg.type === 'response') {
      const p = this.pending.get(msg.id);
      if (!p) {
        this.opts.onInvalid?.(`response ${msg.id} matches no pending request`, raw);
        return false;
      }
      clearTimeout(p.timer);
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(AnomalyLensError.fromInfo(msg.error));
      return true;
    }
    if (msg.type === 'notification') {
      this.opts.onNotification?.(msg.method, msg.params);
      return true;
    }
    void this.answer(msg.id, msg.method, msg.params);
    return true;
  }

  /** Reject everything pending (CANCELLED) and stop sending. */
  dispose(): void {
    this.disposed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new AnomalyLensError('CANCELLED', `'${p.method}' was cancelled: the channel closed`));
      this.pending.delete(id);
    }
  }

  private async answer(id: number, method: string, params: unknown): Promise<void> {
    const handler = (this.opts.handlers as Record<string, ((p: unknown) => unknown) | undefined> | undefined)?.[method];
    if (!handler) {
      this.replyError(id, { code: 'MESSAGE_INVALID', message: `unknown request method '${method}'` });
      return;
    }
    let result: unknown;
    try {
      result = await handler(params);
    } catch (err) {
      this.replyError(id, toErrorInfo(err));
      return;
    }
    if (this.disposed) return;
    this.opts.post({ type: 'response', id, ok: true, result }, this.opts.transferOf?.(result));
  }

  private replyError(id: number, error: ErrorInfo): void {
    if (!this.disposed) this.opts.post({ type: 'response', id, ok: false, error });
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Envelope-only check (used for messages from a trusted side, e.g. host → webview). */
export function checkEnvelope(raw: unknown): Check<Envelope> {
  if (!isObj(raw)) return { ok: false, reason: 'message is not an object' };
  const { type } = raw;
  if (type === 'response') {
    if (!isId(raw.id)) return { ok: false, reason: 'response id is not a non-negative integer' };
    if (raw.ok === true) return { ok: true, value: { type, id: raw.id, ok: true, result: raw.result } };
    if (raw.ok === false) {
      const e = raw.error;
      if (!isObj(e) || typeof e.code !== 'string' || typeof e.message !== 'string') {
        return { ok: false, reason: 'error response has no {code, message}' };
      }
      return { ok: true, value: { type, id: raw.id, ok: false, error: e as unknown as ErrorInfo } };
    }
    return { ok: false, reason: 'response.ok is not a boolean' };
  }
  if (type === 'request' || type === 'notification') {
    const id = type === 'request' ? raw.id : undefined;
    if (type === 'request' && !isId(id)) return { ok: false, reason: 'request id is not a non-negative integer' };
    if (typeof raw.method !== 'string' || raw.method === '') {
      return { ok: false, reason: `${type} has no method`, id: id as number | undefined };
    }
    return type === 'request'
      ? { ok: true, value: { type, id: id as number, method: raw.method, params: raw.params } }
      : { ok: true, value: { type, method: raw.method, params: raw.params } };
  }
  return { ok: false, reason: `unknown message type ${JSON.stringify(type)}` };
}
