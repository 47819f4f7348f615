/**
 * Pointer input on the stage: pan (hand tool, Space+drag, middle button) and click-to-select,
 * window/level (W/L tool or right-button drag), brush/eraser strokes on the selected region,
 * polygon drawing, length and ROI measurements, and the wheel (frames of a stack, or zoom). Edits are computed in
 * IMAGE pixel coordinates through the view's transform, so zoom never changes what is painted.
 */
import type { EditModel, Rect } from '../edits';
import type { Measurement } from '../measure';
import type { ToolId } from '../vscodeApi';
import type { ImageView } from './canvas';
import { css, type Rgb } from './colors';

export interface ToolContext {
  view: ImageView;
  edits(): EditModel | null;
  tool(): ToolId;
  brushSize(): number;
  defectClass(): string;
  selected(): string | null;
  select(id: string | null): void;
  readOnly(): boolean;
  classColor(cls: string): Rgb;
  /** Masks changed in `rect` (null: everything) and a save should follow when `commit`. */
  onEdited(rect: Rect | null, commit: boolean): void;
  onWindowDrag(dx: number, dy: number): void;
  onHover(ix: number, iy: number): void;
  /** Wheel over a stack: step frames; false when there is nothing to step (then the wheel zooms). */
  onScroll(steps: number): boolean;
  /** A measurement was drawn or is being drawn (final when `done`). */
  onMeasure(m: Measurement, done: boolean): void;
}

type Drag =
  | { kind: 'pan'; x: number; y: number; x0: number; y0: number }
  | { kind: 'wl'; x: number; y: number }
  | { kind: 'stroke'; ix: number; iy: number }
  | { kind: 'measure'; shape: Measurement['shape']; ix: number; iy: number };

const MEASURE_TOOLS: readonly ToolId[] = ['length', 'rect', 'ellipse'];

export class ToolController {
  private drag: Drag | null = null;
  private spaceHeld = false;
  private hover: [number, number] | null = null;
  /** Polygon in progress, image coordinates. */
  polygon: number[] = [];

  constructor(private readonly ctx: ToolContext) {
    const c = ctx.view.canvas;
    c.addEventListener('pointerdown', (e) => this.down(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.up(e));
    c.addEventListener('pointercancel', (e) => this.up(e));
    c.addEventListener('pointerleave', () => { this.hover = null; ctx.view.invalidate(); });
    c.addEventListener('click', (e) => this.click(e));
    c.addEventListener('contextmenu', (e) => e.preventDefault());
    c.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    window.addEventListener('keydown', (e) => { if (e.code === 'Space') this.setSpace(true); });
    window.addEventListener('keyup', (e) => { if (e.code === 'Space') this.setSpace(false); });
    window.addEventListener('blur', () => this.setSpace(false));
    ctx.view.vectors.push((g) => this.drawFeedback(g));
    this.updateCursor();
  }

  /** Space is held: the next left drag pans (like image editors). */
  private setSpace(on: boolean): void {
    if (this.spaceHeld === on) return;
    this.spaceHeld = on;
    this.updateCursor();
  }

  updateCursor(): void {
    const t = this.ctx.tool();
    const cls = this.ctx.view.canvas.classList;
    cls.remove('tool-pan', 'tool-brush', 'tool-eraser', 'tool-polygon', 'tool-windowLevel', 'tool-length', 'tool-rect', 'tool-ellipse', 'panning');
    cls.add(this.spaceHeld ? 'tool-pan' : `tool-${t}`);
    if (this.drag?.kind === 'pan') cls.add('panning');
    this.ctx.view.invalidate();
  }

  private editable(): EditModel | null {
    return this.ctx.readOnly() ? null : this.ctx.edits();
  }

  private down(e: PointerEvent): void {
    const view = this.ctx.view;
    view.canvas.focus({ preventScroll: true });
    const [sx, sy] = view.eventPoint(e);
    const tool = this.ctx.tool();
    if (e.button === 1 || (e.button === 0 && (this.spaceHeld || tool === 'pan'))) {
      this.drag = { kind: 'pan', x: sx, y: sy, x0: sx, y0: sy };
    } else if (e.button === 2 || (e.button === 0 && tool === 'windowLevel')) {
      this.drag = { kind: 'wl', x: sx, y: sy };
    } else if (e.button === 0 && (tool === 'brush' || tool === 'eraser')) {
      const edits = this.editable();
      if (!edits) return;
      const [ix, iy] = view.toImage(sx, sy);
      const into = edits.beginStroke(tool === 'eraser' ? 0 : 1, this.ctx.selected(), this.ctx.defectClass());
      if (into !== null && into !== this.ctx.selected()) this.ctx.select(into);
      this.ctx.onEdited(edits.strokeTo(ix, iy, ix, iy, this.ctx.brushSize()), false);
      this.drag = { kind: 'stroke', ix, iy };
    } else if (e.button === 0 && MEASURE_TOOLS.includes(tool)) {
      const [ix, iy] = view.toImage(sx, sy);
      this.drag = { kind: 'measure', shape: tool as Measurement['shape'], ix, iy };
    } else {
      return;
    }
    e.preventDefault();
    view.canvas.setPointerCapture(e.pointerId);
    this.updateCursor();
  }

  private move(e: PointerEvent): void {
    const view = this.ctx.view;
    const [sx, sy] = view.eventPoint(e);
    const [ix, iy] = view.toImage(sx, sy);
    this.hover = [ix, iy];
    this.ctx.onHover(ix, iy);
    const d = this.drag;
    if (d?.kind === 'pan') {
      view.panBy(sx - d.x, sy - d.y);
      d.x = sx;
      d.y = sy;
    } else if (d?.kind === 'wl') {
      this.ctx.onWindowDrag(sx - d.x, sy - d.y);
      d.x = sx;
      d.y = sy;
    } else if (d?.kind === 'stroke') {
      const edits = this.ctx.edits();
      if (edits) this.ctx.onEdited(edits.strokeTo(d.ix, d.iy, ix, iy, this.ctx.brushSize()), false);
      d.ix = ix;
      d.iy = iy;
    } else if (d?.kind === 'measure') {
      this.ctx.onMeasure({ shape: d.shape, x0: d.ix, y0: d.iy, x1: ix, y1: iy }, false);
    }
    view.invalidate();
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    if (this.ctx.view.canvas.hasPointerCapture(e.pointerId)) this.ctx.view.canvas.releasePointerCapture(e.pointerId);
    if (d?.kind === 'stroke') {
      const edits = this.ctx.edits();
      if (edits?.endStroke()) this.ctx.onEdited(null, true);
      else this.ctx.onEdited(null, false);
    } else if (d?.kind === 'pan' && Math.hypot(d.x - d.x0, d.y - d.y0) < 3 && e.button === 0) {
      // A click without a drag selects the region under it (or clears the selection).
      const [ix, iy] = this.ctx.view.toImage(d.x, d.y);
      this.ctx.select(this.ctx.edits()?.hitTest(ix, iy)?.id ?? null);
    } else if (d?.kind === 'measure') {
      const [ix, iy] = this.ctx.view.toImage(...this.ctx.view.eventPoint(e));
      this.ctx.onMeasure({ shape: d.shape, x0: d.ix, y0: d.iy, x1: ix, y1: iy }, true);
    }
    this.updateCursor();
  }

  private click(e: MouseEvent): void {
    if (e.button !== 0 || this.ctx.tool() !== 'polygon' || this.spaceHeld || !this.editable()) return;
    // The second click of a double-click closes the polygon; its vertex is already there.
    if (e.detail >= 2) {
      this.closePolygon();
      return;
    }
    const [ix, iy] = this.ctx.view.toImage(...this.ctx.view.eventPoint(e));
    const w = this.ctx.view.imageWidth;
    const h = this.ctx.view.imageHeight;
    this.polygon.push(clamp(ix, 0, w), clamp(iy, 0, h));
    this.ctx.view.invalidate();
  }

  /** Close the polygon in progress (needs 3 vertices); true when a region was added. */
  closePolygon(): boolean {
    const edits = this.editable();
    const pts = dedupe(this.polygon);
    this.polygon = [];
    this.ctx.view.invalidate();
    if (!edits || pts.length < 6) return false;
    edits.addPolygon(pts.map((v) => Math.round(v * 100) / 100), this.ctx.defectClass());
    this.ctx.onEdited(null, true);
    return true;
  }

  /** Esc: drop the polygon in progress; true when there was one. */
  cancelPolygon(): boolean {
    const had = this.polygon.length > 0;
    this.polygon = [];
    this.ctx.view.invalidate();
    return had;
  }

  private wheelRest = 0;

  /** Over a stack the wheel steps frames (Ctrl/Cmd+wheel zooms); otherwise it zooms. */
  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    if (!e.ctrlKey && !e.metaKey) {
      // Trackpads send many small deltas: one frame per 50 px of scrolling, at least one per notch.
      this.wheelRest += delta;
      const steps = Math.abs(this.wheelRest) >= 50 || e.deltaMode === 1 ? Math.sign(this.wheelRest) * Math.max(1, Math.floor(Math.abs(this.wheelRest) / 50)) : 0;
      if (steps !== 0) this.wheelRest = 0;
      if (steps === 0 || this.ctx.onScroll(steps)) return;
    }
    const [sx, sy] = this.ctx.view.eventPoint(e);
    this.ctx.view.zoomBy(Math.exp(-delta * 0.0015), sx, sy);
  }

  private drawFeedback(g: CanvasRenderingContext2D): void {
    const view = this.ctx.view;
    const edits = this.ctx.edits();
    if (edits && !view.overlaysHidden && !view.otherSlice) {
      const selected = this.ctx.selected();
      for (const p of edits.regions) {
        if (p.kind !== 'polygon' || edits.hidden.has(p.id)) continue;
        this.path(g, p.points, true, this.ctx.classColor(p.defectClass), p.id === selected ? 0.4 : 0.22);
        if (p.id === selected) {
          g.setLineDash([4, 3]);
          this.path(g, p.points, true, [255, 255, 255], 0);
          g.setLineDash([]);
        }
      }
    }
    if (this.polygon.length > 0) {
      const pts = this.hover ? [...this.polygon, ...this.hover] : this.polygon;
      const color = this.ctx.classColor(this.ctx.defectClass());
      this.path(g, pts, false, color, 0);
      g.fillStyle = css(color);
      for (let i = 0; i < this.polygon.length; i += 2) {
        const [x, y] = view.toScreen(this.polygon[i], this.polygon[i + 1]);
        g.fillRect(x - 3, y - 3, 6, 6);
      }
    }
    const tool = this.ctx.tool();
    if (this.hover && !this.spaceHeld && (tool === 'brush' || tool === 'eraser')) {
      const [x, y] = view.toScreen(this.hover[0], this.hover[1]);
      const r = Math.max(1.5, (this.ctx.brushSize() / 2) * view.viewport.zoom);
      g.lineWidth = 1;
      g.strokeStyle = 'rgba(0, 0, 0, 0.8)';
      g.beginPath();
      g.arc(x, y, r + 1, 0, Math.PI * 2);
      g.stroke();
      g.strokeStyle = tool === 'eraser' ? 'rgba(255, 255, 255, 0.95)' : css(this.ctx.classColor(this.ctx.defectClass()));
      g.beginPath();
      g.arc(x, y, r, 0, Math.PI * 2);
      g.stroke();
    }
  }

  private path(g: CanvasRenderingContext2D, pts: readonly number[], closed: boolean, color: Rgb, fillAlpha: number): void {
    if (pts.length < 4) return;
    const view = this.ctx.view;
    g.beginPath();
    for (let i = 0; i < pts.length; i += 2) {
      const [x, y] = view.toScreen(pts[i], pts[i + 1]);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    }
    if (closed) g.closePath();
    if (fillAlpha > 0) {
      g.fillStyle = css(color, fillAlpha);
      g.fill();
    }
    g.lineWidth = 2;
    g.strokeStyle = css(color);
    g.stroke();
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Drop consecutive duplicate vertices (a double-click lands twice on the same point). */
function dedupe(pts: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < pts.length; i += 2) {
    const n = out.length;
    if (n >= 2 && Math.abs(out[n - 2] - pts[i]) < 1e-6 && Math.abs(out[n - 1] - pts[i + 1]) < 1e-6) continue;
    out.push(pts[i], pts[i + 1]);
  }
  return out;
}
