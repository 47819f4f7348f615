/**
 * Runtime validation of every message the webview posts to the host ("validated, not cast").
 * No dependencies. Each rejection names the field and what is wrong, so a bad message shows up
 * in the log with a reason, and a malformed request still gets an error reply (its id is kept).
 */
import type { ErrorInfo } from './errors';
import {
  HISTORY_MAX_STEPS,
  MAX_STACK_FILES,
  PROTOCOL_VERSION,
  WEBVIEW_NOTIFICATION_METHODS,
  WEBVIEW_REQUEST_METHODS,
  type WebviewToHostMessage,
} from './protocol';
import type { Region } from './regions';
import { checkRle } from './regions';
import type { Check } from './rpc';

export const LIMITS = {
  regions: 10_000,
  polygonVertices: 100_000,
  idLength: 128,
  classLength: 128,
  textLength: 10_000,
  /** Largest mask side accepted in an RLE (matches the largest image we decode). */
  maskSide: 65_536,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const fail = (reason: string, id?: number): { ok: false; reason: string; id?: number } => ({ ok: false, reason, id });

/** Validate one message from the webview. On success the value is the message, typed. */
export function validateWebviewMessage(raw: unknown): Check<WebviewToHostMessage> {
  if (!isObj(raw)) return fail('message is not an object');
  switch (raw.type) {
    case 'request':
      return validateRequest(raw);
    case 'notification':
      return validateNotification(raw);
    case 'response':
      return validateResponse(raw);
    default:
      return fail(`unknown message type ${JSON.stringify(raw.type)}`);
  }
}

function validateRequest(m: Obj): Check<WebviewToHostMessage> {
  if (!isId(m.id)) return fail('request id is not a non-negative integer');
  const id = m.id;
  const method = m.method;
  if (typeof method !== 'string' || !(WEBVIEW_REQUEST_METHODS as readonly string[]).includes(method)) {
    return fail(`unknown request method ${JSON.stringify(method)}`, id);
  }
  const p = m.params;
  if (!isObj(p)) return fail(`${method}: params is not an object`, id);
  const bad = checkParams(method, p);
  if (bad) return fail(`${method}: ${bad}`, id);
  return { ok: true, value: { type: 'request', id, method, params: p } as WebviewToHostMessage };
}

function checkParams(method: string, p: Obj): string | undefined {
  switch (method) {
    case 'ready':
      if (p.protocolVersion !== PROTOCOL_VERSION) {
        return `params.protocolVersion is ${JSON.stringify(p.protocolVersion)}, this host speaks ${PROTOCOL_VERSION}`;
      }
      return undefined;
    case 'getFrame':
      return isId(p.frame) ? undefined : 'params.frame is not a non-negative integer';
    case 'getSlice':
      return isId(p.index) && p.index < MAX_STACK_FILES ? undefined : `params.index is not an integer in [0, ${MAX_STACK_FILES})`;
    case 'accept':
    case 'reject':
      return checkRevision(p.baseRevision);
    case 'saveRegions': {
      const r = checkRevision(p.baseRevision);
      if (r) return r;
      if (!Array.isArray(p.regions)) return 'params.regions is not an array';
      if (p.regions.length > LIMITS.regions) return `params.regions has ${p.regions.length} entries (limit ${LIMITS.regions})`;
      const ids = new Set<string>();
      for (let i = 0; i < p.regions.length; i++) {
        const why = checkRegion(p.regions[i]);
        if (why) return `params.regions[${i}]${why}`;
        const rid = (p.regions[i] as Region).id;
        if (ids.has(rid)) return `params.regions[${i}].id ${JSON.stringify(rid)} is used twice`;
        ids.add(rid);
      }
      return undefined;
    }
    case 'navigate':
      return p.direction === 'next' || p.direction === 'previous'
        ? undefined
        : `params.direction is ${JSON.stringify(p.direction)}, expected 'next' or 'previous'`;
    case 'addDefectClass':
      if (typeof p.name !== 'string' || p.name.trim() === '' || p.name.length > LIMITS.classLength) {
        return 'params.name is not a non-empty string (≤ 128 chars)';
      }
      return /[\u0000-\u001f]/.test(p.name) ? 'params.name contains control characters' : undefined;
    case 'scanFolder':
      return Object.keys(p).length === 0 ? undefined : 'params is not an empty object';
    default:
      return `no validator for '${method}'`;
  }
}

function checkRevision(v: unknown): string | undefined {
  if (v === null) return undefined;
  if (typeof v !== 'string' || v.length > LIMITS.textLength) return 'params.baseRevision is not a string or null';
  return undefined;
}

/** Why a value is not a well-formed Region (suffix for a path like "regions[2]"), or undefined. */
export function checkRegion(r: unknown): string | undefined {
  if (!isObj(r)) return ' is not an object';
  if (typeof r.id !== 'string' || r.id === '' || r.id.length > LIMITS.idLength) return '.id is not a non-empty string (≤ 128 chars)';
  if (typeof r.defectClass !== 'string' || r.defectClass.trim() === '' || r.defectClass.length > LIMITS.classLength) {
    return '.defectClass is not a non-empty string (≤ 128 chars)';
  }
  if (r.kind === 'polygon') {
    const pts = r.points;
    if (!Array.isArray(pts)) return '.points is not an array';
    if (pts.length < 6 || pts.length % 2 !== 0) return `.points has ${pts.length} numbers; expected an even count ≥ 6 (3 vertices)`;
    if (pts.length > 2 * LIMITS.polygonVertices) return `.points has more than ${LIMITS.polygonVertices} vertices`;
    for (let i = 0; i < pts.length; i++) {
      if (typeof pts[i] !== 'number' || !Number.isFinite(pts[i])) return `.points[${i}] is not a finite number`;
    }
    return undefined;
  }
  if (r.kind === 'mask') {
    const rle = r.rle;
    if (!isObj(rle)) return '.rle is not an object';
    const size = rle.size;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isSafeInteger(s) && s > 0 && s <= LIMITS.maskSide)) {
      return '.rle.size is not [height, width] of positive integers';
    }
    if (!Array.isArray(rle.counts)) return '.rle.counts is not an array';
    const [h, w] = size as number[];
    if (rle.counts.length > w * h + 1) return '.rle.counts has more runs than pixels';
    const why = checkRle({ size: [h, w], counts: rle.counts as number[] }, w, h);
    return why ? `.rle: ${why}` : undefined;
  }
  return `.kind is ${JSON.stringify(r.kind)}, expected 'polygon' or 'mask'`;
}

function validateNotification(m: Obj): Check<WebviewToHostMessage> {
  const method = m.method;
  if (typeof method !== 'string' || !(WEBVIEW_NOTIFICATION_METHODS as readonly string[]).includes(method)) {
    return fail(`unknown notification method ${JSON.stringify(method)}`);
  }
  const p = m.params;
  if (!isObj(p)) return fail(`${method}: params is not an object`);
  if (method === 'stashHistory') {
    // Opaque to the host (it only hands it back to the webview); bounded in size.
    const r = checkRevision(p.revision);
    if (r) return fail(`${method}: ${r.replace('baseRevision', 'revision')}`);
    for (const k of ['undo', 'redo'] as const) {
      const steps = p[k];
      if (!Array.isArray(steps) || steps.length > HISTORY_MAX_STEPS) return fail(`${method}: params.${k} is not an array of ≤ ${HISTORY_MAX_STEPS} steps`);
      if (!steps.every(isObj)) return fail(`${method}: params.${k} holds a step that is not an object`);
    }
    return { ok: true, value: { type: 'notification', method, params: { revision: p.revision as string | null, undo: p.undo as unknown[], redo: p.redo as unknown[] } } };
  }
  if (typeof p.message !== 'string' || p.message.length > LIMITS.textLength) return fail(`${method}: params.message is not a string (≤ 10000 chars)`);
  if (p.detail !== undefined && (typeof p.detail !== 'string' || p.detail.length > LIMITS.textLength)) {
    return fail(`${method}: params.detail is not a string (≤ 10000 chars)`);
  }
  return { ok: true, value: { type: 'notification', method: 'reportError', params: { message: p.message, detail: p.detail as string | undefined } } };
}

function validateResponse(m: Obj): Check<WebviewToHostMessage> {
  if (!isId(m.id)) return fail('response id is not a non-negative integer');
  if (m.ok === true) {
    // The only host → webview request is `flush`, whose result is { saved: boolean }.
    const r = m.result;
    if (!isObj(r) || typeof r.saved !== 'boolean') return fail('response.result is not { saved: boolean }');
    return { ok: true, value: { type: 'response', id: m.id, ok: true, result: { saved: r.saved } } };
  }
  if (m.ok === false) {
    const e = m.error;
    if (!isObj(e) || typeof e.code !== 'string' || typeof e.message !== 'string') return fail('response.error is not { code, message }');
    const error: ErrorInfo = { code: e.code as ErrorInfo['code'], message: e.message.slice(0, LIMITS.textLength) };
    return { ok: true, value: { type: 'response', id: m.id, ok: false, error } };
  }
  return fail('response.ok is not a boolean');
}
