/**
 * The reviewer's regions in IMAGE pixel coordinates, each one object with its own class: masks
 * (brush/eraser) and polygons. Strokes act on one region (the selected one) so fixing one region
 * never cuts another. Undo/redo is local; the app saves the resulting regions and stashes the
 * history with the host so it survives closing and reopening the image.
 */
import { decodeRle, encodeRle, maskArea, paintSegment, rasterizePolygon, type Region } from '../src/shared/regions';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MaskObject {
  kind: 'mask';
  id: string;
  defectClass: string;
  mask: Uint8Array;
}

export interface PolygonObject {
  kind: 'polygon';
  id: string;
  defectClass: string;
  points: number[];
}

export type RegionObject = MaskObject | PolygonObject;

/** One undo step. Plain data (typed arrays included) so the host can keep it between openings. */
export type Op =
  | { t: 'pixels'; id: string; rect: Rect; before: Uint8Array; after: Uint8Array }
  | { t: 'add'; region: RegionObject; index: number }
  | { t: 'remove'; region: RegionObject; index: number }
  | { t: 'class'; id: string; before: string; after: string }
  | { t: 'replace'; index: number; before: RegionObject; after: RegionObject }
  | { t: 'group'; ops: Op[] };

export interface History {
  undo: Op[];
  redo: Op[];
}

interface Stroke {
  value: 0 | 1;
  targets: Map<string, Uint8Array>;
  /** Steps taken when the stroke started (a new region, polygons turned into masks). */
  prelude: Op[];
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

const MAX_HISTORY = 200;

export class EditModel {
  regions: RegionObject[] = [];
  /** Editor-only state: hidden regions are not drawn or edited; locked ones are not edited. */
  readonly hidden = new Set<string>();
  readonly locked = new Set<string>();
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

  /** Replace everything with stored regions; a history is kept only when it belongs to them. */
  load(regions: readonly Region[], history?: History): void {
    this.regions = [];
    this.undoStack = history ? [...history.undo] : [];
    this.redoStack = history ? [...history.redo] : [];
    this.stroke = null;
    for (const r of regions) {
      if (r.kind === 'polygon') {
        this.regions.push({ kind: 'polygon', id: r.id, defectClass: r.defectClass, points: [...r.points] });
      } else if (r.rle.size[0] === this.height && r.rle.size[1] === this.width) {
        this.regions.push({ kind: 'mask', id: r.id, defectClass: r.defectClass, mask: decodeRle(r.rle) });
      }
    }
    for (const id of [...this.hidden, ...this.locked]) {
      if (!this.find(id)) {
        this.hidden.delete(id);
        this.locked.delete(id);
      }
    }
  }

  history(): History {
    return { undo: [...this.undoStack], redo: [...this.redoStack] };
  }

  find(id: string | null): RegionObject | undefined {
    return id === null ? undefined : this.regions.find((r) => r.id === id);
  }

  editable(id: string | null): boolean {
    return id !== null && !!this.find(id) && !this.locked.has(id) && !this.hidden.has(id);
  }

  /**
   * Start a brush (value 1) or eraser (value 0) stroke. Painting goes into `targetId` when it is
   * an editable region, else into a new mask region of `newClass`; erasing cuts `targetId` only,
   * or every visible unlocked region when nothing is selected. Returns the region painted into.
   */
  beginStroke(value: 0 | 1, targetId: string | null, newClass: string): string | null {
    const prelude: Op[] = [];
    const ids: string[] = [];
    if (targetId !== null && this.editable(targetId)) ids.push(targetId);
    else if (value === 1) {
      const region: MaskObject = { kind: 'mask', id: newRegionId('mask'), defectClass: newClass, mask: new Uint8Array(this.width * this.height) };
      this.regions.push(region);
      prelude.push({ t: 'add', region, index: this.regions.length - 1 });
      ids.push(region.id);
    } else if (targetId === null) {
      for (const r of this.regions) if (this.editable(r.id)) ids.push(r.id);
    }
    const targets = new Map<string, Uint8Array>();
    for (const id of ids) {
      const m = this.asMask(id, prelude);
      if (m) targets.set(id, m.mask.slice());
    }
    this.stroke = { value, targets, prelude, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    return value === 1 ? (ids[0] ?? null) : null;
  }

  /** A polygon to be painted or erased becomes a mask (one undoable step within the stroke). */
  private asMask(id: string, prelude: Op[]): MaskObject | undefined {
    const index = this.regions.findIndex((r) => r.id === id);
    const r = this.regions[index];
    if (!r) return undefined;
    if (r.kind === 'mask') return r;
    const after: MaskObject = { kind: 'mask', id: r.id, defectClass: r.defectClass, mask: rasterizePolygon(r.points, this.width, this.height) };
    this.regions[index] = after;
    prelude.push({ t: 'replace', index, before: r, after });
    return after;
  }

  get stroking(): boolean {
    return this.stroke !== null;
  }

  /** Paint (or erase) a segment; returns the image rect that may have changed. */
  strokeTo(x0: number, y0: number, x1: number, y1: number, diameter: number): Rect | null {
    const s = this.stroke;
    if (!s) return null;
    for (const id of s.targets.keys()) {
      const r = this.find(id);
      if (r?.kind === 'mask') paintSegment(r.mask, this.width, this.height, x0, y0, x1, y1, diameter, s.value);
    }
    const rad = diameter / 2 + 1;
    const rect = this.clip(Math.min(x0, x1) - rad, Math.min(y0, y1) - rad, Math.max(x0, x1) + rad, Math.max(y0, y1) + rad);
    if (!rect) return null;
    s.minX = Math.min(s.minX, rect.x);
    s.minY = Math.min(s.minY, rect.y);
    s.maxX = Math.max(s.maxX, rect.x + rect.width);
    s.maxY = Math.max(s.maxY, rect.y + rect.height);
    return rect;
  }

  /** Finish the stroke; true when it changed any pixel (and became one undo step). */
  endStroke(): boolean {
    const s = this.stroke;
    this.stroke = null;
    if (!s) return false;
    const ops: Op[] = [];
    if (s.maxX > s.minX) {
      const rect = { x: s.minX, y: s.minY, width: s.maxX - s.minX, height: s.maxY - s.minY };
      for (const [id, start] of s.targets) {
        const r = this.find(id);
        if (r?.kind !== 'mask') continue;
        const before = crop(start, this.width, rect);
        const after = crop(r.mask, this.width, rect);
        if (!equal(before, after)) ops.push({ t: 'pixels', id, rect, before, after });
      }
    }
    const touched = new Set(ops.map((o) => (o.t === 'pixels' ? o.id : '')));
    // Steps of the prelude that nothing used are rolled back (an unpainted new region, an untouched polygon).
    const kept: Op[] = [];
    for (const op of [...s.prelude].reverse()) {
      const id = op.t === 'add' ? op.region.id : op.t === 'replace' ? op.after.id : '';
      if (touched.has(id)) kept.unshift(op);
      else this.apply(op, true);
    }
    if (ops.length === 0) return false;
    this.push({ t: 'group', ops: [...kept, ...ops] });
    return true;
  }

  addPolygon(points: number[], cls: string): PolygonObject {
    const region: PolygonObject = { kind: 'polygon', id: newRegionId('poly'), defectClass: cls, points };
    this.regions.push(region);
    this.push({ t: 'add', region, index: this.regions.length - 1 });
    return region;
  }

  /** Delete a region as one undoable step. */
  removeRegion(id: string): boolean {
    const index = this.regions.findIndex((r) => r.id === id);
    if (index < 0 || this.locked.has(id)) return false;
    const [region] = this.regions.splice(index, 1);
    this.push({ t: 'remove', region, index });
    return true;
  }

  /** Change a region's class as one undoable step. */
  setClass(id: string, cls: string): boolean {
    const r = this.find(id);
    if (!r || r.defectClass === cls || this.locked.has(id)) return false;
    this.push({ t: 'class', id, before: r.defectClass, after: cls });
    r.defectClass = cls;
    return true;
  }

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

  /** Regions to save: polygons as polygons, each non-empty mask as one RLE region. */
  toRegions(): Region[] {
    const out: Region[] = [];
    for (const r of this.regions) {
      if (r.kind === 'polygon') out.push({ kind: 'polygon', id: r.id, defectClass: r.defectClass, points: [...r.points] });
      else if (maskArea(r.mask) > 0) out.push({ kind: 'mask', id: r.id, defectClass: r.defectClass, rle: encodeRle(r.mask, this.width, this.height) });
    }
    return out;
  }

  /** The topmost visible mask region covering pixel index i (for drawing). */
  maskAt(i: number): MaskObject | undefined {
    for (let k = this.regions.length - 1; k >= 0; k--) {
      const r = this.regions[k];
      if (r.kind === 'mask' && r.mask[i] && !this.hidden.has(r.id)) return r;
    }
    return undefined;
  }

  /** The topmost visible region under an image point (for selecting by click). */
  hitTest(ix: number, iy: number): RegionObject | undefined {
    const x = Math.floor(ix);
    const y = Math.floor(iy);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return undefined;
    for (let k = this.regions.length - 1; k >= 0; k--) {
      const r = this.regions[k];
      if (this.hidden.has(r.id)) continue;
      if (r.kind === 'mask' ? r.mask[y * this.width + x] : pointInPolygon(r.points, ix, iy)) return r;
    }
    return undefined;
  }

  private push(op: Op): void {
    this.undoStack.push(op);
    this.redoStack = [];
    if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
  }

  private apply(op: Op, undo: boolean): void {
    switch (op.t) {
      case 'pixels': {
        const r = this.find(op.id);
        if (r?.kind === 'mask') paste(r.mask, this.width, op.rect, undo ? op.before : op.after);
        break;
      }
      case 'add':
      case 'remove': {
        const insert = (op.t === 'add') !== undo;
        if (insert) this.regions.splice(Math.min(op.index, this.regions.length), 0, op.region);
        else this.regions = this.regions.filter((r) => r.id !== op.region.id);
        break;
      }
      case 'class': {
        const r = this.find(op.id);
        if (r) r.defectClass = undo ? op.before : op.after;
        break;
      }
      case 'replace': {
        const i = this.regions.findIndex((r) => r.id === op.before.id);
        if (i >= 0) this.regions[i] = undo ? op.before : op.after;
        break;
      }
      case 'group': {
        const ops = undo ? [...op.ops].reverse() : op.ops;
        for (const o of ops) this.apply(o, undo);
        break;
      }
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

/** Even-odd test in continuous image coordinates. */
export function pointInPolygon(pts: readonly number[], x: number, y: number): boolean {
  let inside = false;
  const n = Math.floor(pts.length / 2);
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = pts[2 * i];
    const yi = pts[2 * i + 1];
    const xj = pts[2 * j];
    const yj = pts[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
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
