/**
 * The undo history handed back by the host. It is the webview's own earlier data, but it crossed
 * a process boundary: steps are checked for shape before use, and a history recorded at another
 * revision of the annotation (changed since) is dropped.
 */
import type { EditHistory } from '../src/shared/protocol';
import type { History, Op } from './edits';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const isRect = (v: unknown): boolean => isObj(v) && ['x', 'y', 'width', 'height'].every((k) => Number.isInteger(v[k]) && (v[k] as number) >= 0);

function isRegion(v: unknown): boolean {
  if (!isObj(v) || typeof v.id !== 'string' || typeof v.defectClass !== 'string') return false;
  return v.kind === 'mask' ? v.mask instanceof Uint8Array : v.kind === 'polygon' && Array.isArray(v.points);
}

function isOp(v: unknown): v is Op {
  if (!isObj(v)) return false;
  switch (v.t) {
    case 'pixels': {
      if (typeof v.id !== 'string' || !isRect(v.rect) || !(v.before instanceof Uint8Array) || !(v.after instanceof Uint8Array)) return false;
      const r = v.rect as { width: number; height: number };
      return v.before.length === r.width * r.height && v.after.length === v.before.length;
    }
    case 'add':
    case 'remove':
      return isRegion(v.region) && Number.isInteger(v.index);
    case 'class':
      return typeof v.id === 'string' && typeof v.before === 'string' && typeof v.after === 'string';
    case 'replace':
      return Number.isInteger(v.index) && isRegion(v.before) && isRegion(v.after);
    case 'group':
      return Array.isArray(v.ops) && v.ops.every(isOp);
    default:
      return false;
  }
}

export function historyFromHost(h: EditHistory | undefined, revision: string | null): History | undefined {
  if (!h || h.revision !== revision) return undefined;
  if (!h.undo.every(isOp) || !h.redo.every(isOp)) return undefined;
  return { undo: h.undo as Op[], redo: h.redo as Op[] };
}
