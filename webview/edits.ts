/**
 * The reviewer's edits in IMAGE pixel coordinates: one mask per defect class (brush/eraser)
 * plus polygons kept as polygons. Undo/redo is local; the app saves the resulting regions.
 */
import { decodeRle, encodeRle, maskArea, paintSegment, type PolygonRegion, type Region } from '../src/shared/regions';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Patch {
  cls: string;
  before: Uint8Array;
  after: Uint8Array;
}

type Op =
  | { t: 'pixels'; rect: Rect; patches: Patch[] }
  | { t: 'addPolygon'; region: PolygonRegion }
  | { t: 'removePolygon'; region: PolygonRegion; index: number }
  | { t: 'clearMask'; cls: string; before: Uint8Array };

interface Stroke {
  /** Class painted, or null for the eraser (erases every class). */
  cls: string | null;
  start: Map<string, Uint8Array>;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

let idCounter = 0;
export function newRegionId(prefix: string): string {
  idCounter++;
  return `${prefix}-${Date.now().toString(36)}-${idCounter.toString(36)}`;
}

export class EditModel {
  readonly masks = new Map<string, Uint8Array>();
  private readonly maskIds = new Map<string, string>();
  polygons: PolygonRegion[] = [];
  private undoStack: Op[] = [];
  private redoStack: Op[] = [];
  private stroke: Stroke | null = null;

  constructor(readonly width: number, readonly height: number) {}

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Replace everything with stored regions (history is cleared: it described other data). */
  load(regions: readonly Region[]): void {
    this.masks.clear();
    this.maskIds.clear();
    this.polygons = [];
    this.undoStack = [];
    this.redoStack = [];
    this.stroke = null;
    for (const r of regions) {
      if (r.kind === 'polygon') {
        this.polygons.push({ ...r, points: [...r.points] });
      } else if (r.rle.size[0] === this.height && r.rle.size[1] === this.width) {
        decodeRle(r.rle, this.maskFor(r.defectClass, r.id));
      }
    }
  }

  private maskFor(cls: string, id?: string): Uint8Array {
    let m = this.masks.get(cls);
    if (!m) {
      m = new Uint8Array(this.width * this.height);
      this.masks.set(cls, m);
      this.maskIds.set(cls, id ?? newRegionId('mask'));
    }
    return m;
  }

  beginStroke(cls: string | null): void {
    const start = new Map<string, Uint8Array>();
    if (cls !== null) this.maskFor(cls);
    for (const [c, m] of this.masks) if (cls === null || c === cls) start.set(c, m.slice());
    this.stroke = { cls, start, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  }

  get stroking(): boolean {
    return this.stroke !== null;
  }

  /** Paint (or erase) a segment; returns the image rect that may have changed. */
  strokeTo(x0: number, y0: number, x1: number, y1: number, diameter: number): Rect | null {
    const s = this.stroke;
    if (!s) return null;
    for (const c of s.start.keys()) {
      paintSegment(this.masks.get(c)!, this.width, this.height, x0, y0, x1, y1, diameter, s.cls === null ? 0 : 1);
    }
    const r = diameter / 2 + 1;
    const rect = this.clip(Math.min(x0, x1) - r, Math.min(y0, y1) - r, Math.max(x0, x1) + r, Math.max(y0, y1) + r);
    if (!rect) return null;
    s.minX = Math.min(s.minX, rect.x);
    s.minY = Math.min(s.minY, rect.y);
    s.maxX = Math.max(s.maxX, rect.x + rect.width);
    s.maxY = Math.max(s.maxY, rect.y + rect.height);
    return rect;
  }

  /** Finish the stroke; true when it changed any pixel (and became an undo step). */
  endStroke(): boolean {
    const s = this.stroke;
    this.stroke = null;
    if (!s || s.maxX <= s.minX) return false;
    const rect = { x: s.minX, y: s.minY, width: s.maxX - s.minX, height: s.maxY - s.minY };
    const patches: Patch[] = [];
    for (const [c, start] of s.start) {
      const before = crop(start, this.width, rect);
      const after = crop(this.masks.get(c)!, this.width, rect);
      if (!equal(before, after)) patches.push({ cls: c, before, after });
    }
    if (patches.length === 0) return false;
    this.push({ t: 'pixels', rect, patches });
    return true;
  }

  addPolygon(points: number[], cls: string): PolygonRegion {
    const region: PolygonRegion = { kind: 'polygon', id: newRegionId('poly'), defectClass: cls, points };
    this.polygons.push(region);
    this.push({ t: 'addPolygon', region });
    return region;
  }

  /** Delete a region (a polygon, or a whole class mask) as one undoable step. */
  removeRegion(id: string): boolean {
    const index = this.polygons.findIndex((p) => p.id === id);
    if (index >= 0) {
      const [region] = this.polygons.splice(index, 1);
      this.push({ t: 'removePolygon', region, index });
      return true;
    }
    for (const [cls, mid] of this.maskIds) {
      if (mid !== id) continue;
      const m = this.masks.get(cls)!;
      const before = m.slice();
      m.fill(0);
      this.push({ t: 'clearMask', cls, before });
      return true;
    }
    return false;
  }

  /** Undo one step; returns false when there was nothing to undo. */
  undo(): boolean {
    const op = this.undoStack.pop();
    if (!op) return false;
    this.apply(op, true);
    this.redoStack.push(op);
    return true;
  }

  redo(): boolean {
    const op = this.redoStack.pop();
    if (!op) return false;
    this.apply(op, false);
    this.undoStack.push(op);
    return true;
  }

  /** Regions to save: polygons as polygons, each non-empty class mask as one RLE region. */
  toRegions(): Region[] {
    const out: Region[] = this.polygons.map((p) => ({ ...p, points: [...p.points] }));
    for (const [cls, m] of this.masks) {
      if (maskArea(m) === 0) continue;
      out.push({ kind: 'mask', id: this.maskIds.get(cls)!, defectClass: cls, rle: encodeRle(m, this.width, this.height) });
    }
    return out;
  }

  /** Class of the first mask covering pixel index i (for drawing). */
  classAt(i: number): string | undefined {
    for (const [cls, m] of this.masks) if (m[i]) return cls;
    return undefined;
  }

  private push(op: Op): void {
    this.undoStack.push(op);
    this.redoStack = [];
    if (this.undoStack.length > 200) this.undoStack.shift();
  }

  private apply(op: Op, undo: boolean): void {
    switch (op.t) {
      case 'pixels':
        for (const p of op.patches) paste(this.maskFor(p.cls), this.width, op.rect, undo ? p.before : p.after);
        break;
      case 'addPolygon':
        if (undo) this.polygons = this.polygons.filter((p) => p !== op.region);
        else this.polygons.push(op.region);
        break;
      case 'removePolygon':
        if (undo) this.polygons.splice(op.index, 0, op.region);
        else this.polygons = this.polygons.filter((p) => p !== op.region);
        break;
      case 'clearMask':
        if (undo) this.maskFor(op.cls).set(op.before);
        else this.maskFor(op.cls).fill(0);
        break;
    }
  }

  private clip(x0: number, y0: number, x1: number, y1: number): Rect | null {
    const x = Math.max(0, Math.floor(x0));
    const y = Math.max(0, Math.floor(y0));
    const xe = Math.min(this.width, Math.ceil(x1));
    const ye = Math.min(this.height, Math.ceil(y1));
    return xe > x && ye > y ? { x, y, width: xe - x, height: ye - y } : null;
  }
}

function crop(mask: Uint8Array, width: number, r: Rect): Uint8Array {
  const out = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) {
    const s = (r.y + y) * width + r.x;
    out.set(mask.subarray(s, s + r.width), y * r.width);
  }
  return out;
}

function paste(mask: Uint8Array, width: number, r: Rect, data: Uint8Array): void {
  for (let y = 0; y < r.height; y++) mask.set(data.subarray(y * r.width, (y + 1) * r.width), (r.y + y) * width + r.x);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
