/**
 * The image stage: one display canvas drawing, in order, the windowed image, the heatmap
 * overlay (fill or contours), the predicted-region outline, the reviewer's masks and vector
 * layers (polygons, tool feedback), all under one image→screen transform. The reviewer's work
 * is drawn last so it stays visible above the heatmap. Everything is kept at image (or heatmap) resolution and only
 * scaled at draw time, so edits stay in image pixel coordinates at any zoom.
 */
import type { OverlayMode } from '../../src/shared/protocol';
import { fitViewport, toImage, toScreen, zoomAt, actualSize, type Viewport } from '../viewport';
import { css, type Rgb } from './colors';
import type { HeatmapLayer } from './overlay';
import type { EditModel, Rect } from '../edits';

export interface OverlaySettings {
  visible: boolean;
  opacity: number;
  mode: OverlayMode;
}

/** Something drawn on top in screen space (polygons, brush cursor). */
export type VectorLayer = (ctx: CanvasRenderingContext2D, view: ImageView) => void;

export class ImageView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private imageLayer: HTMLCanvasElement | null = null;
  private editLayer: HTMLCanvasElement | null = null;
  heatmap: HeatmapLayer | null = null;
  overlay: OverlaySettings = { visible: true, opacity: 0.5, mode: 'filled' };
  /** Outline segments (x0,y0,x1,y1 in image pixels) of the model's predicted regions. */
  prediction: Float32Array | null = null;
  predictionVisible = true;
  /** The raw-image view: heatmap, region fills and outlines all off. */
  overlaysHidden = false;
  /** Another file of the series stack is shown: this file's heatmap and regions are not drawn. */
  otherSlice = false;
  readonly vectors: VectorLayer[] = [];
  viewport: Viewport = { zoom: 1, panX: 0, panY: 0 };
  imageWidth = 0;
  imageHeight = 0;
  private frame = 0;
  private cssWidth = 0;
  private cssHeight = 0;
  /** Called after the viewport changes (zoom label, persisted UI state). */
  onViewportChange: (v: Viewport) => void = () => undefined;

  constructor(readonly stage: HTMLElement) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'view';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('aria-label', 'Image with anomaly heatmap');
    stage.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d')!;
    this.resizeObserver.observe(stage);
    this.resize();
  }

  private readonly resizeObserver = new ResizeObserver(() => this.resize());

  /** Stop observing the stage (the app rebuilds the view on every init). */
  dispose(): void {
    this.resizeObserver.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  get width(): number {
    return this.cssWidth;
  }

  get height(): number {
    return this.cssHeight;
  }

  /** A new image size resets the edit layer; the view keeps its zoom when the size is unchanged. */
  setImage(rgba: ImageData): void {
    if (!this.imageLayer) this.imageLayer = document.createElement('canvas');
    const sizeChanged = rgba.width !== this.imageWidth || rgba.height !== this.imageHeight;
    this.imageWidth = rgba.width;
    this.imageHeight = rgba.height;
    this.imageLayer.width = rgba.width;
    this.imageLayer.height = rgba.height;
    this.imageLayer.getContext('2d')!.putImageData(rgba, 0, 0);
    if (sizeChanged) {
      this.editLayer = document.createElement('canvas');
      this.editLayer.width = rgba.width;
      this.editLayer.height = rgba.height;
    }
    this.invalidate();
  }

  get edits(): HTMLCanvasElement | null {
    return this.editLayer;
  }

  /** True until the user zooms or pans: a resized stage then fits the image again. */
  autoFit = true;

  setViewport(v: Viewport, fitted = false): void {
    this.autoFit = fitted;
    this.viewport = v;
    this.onViewportChange(v);
    this.invalidate();
  }

  fit(): void {
    if (this.imageWidth) this.setViewport(fitViewport(this.imageWidth, this.imageHeight, this.cssWidth, this.cssHeight), true);
  }

  oneToOne(): void {
    this.setViewport(actualSize(this.viewport, this.cssWidth, this.cssHeight));
  }

  zoomBy(factor: number, sx = this.cssWidth / 2, sy = this.cssHeight / 2): void {
    this.setViewport(zoomAt(this.viewport, factor, sx, sy));
  }

  panBy(dx: number, dy: number): void {
    this.setViewport({ ...this.viewport, panX: this.viewport.panX + dx, panY: this.viewport.panY + dy });
  }

  toImage(sx: number, sy: number): [number, number] {
    return toImage(this.viewport, sx, sy);
  }

  toScreen(ix: number, iy: number): [number, number] {
    return toScreen(this.viewport, ix, iy);
  }

  /** Stage-relative CSS pixel position of a pointer event. */
  eventPoint(e: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  invalidate(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draw now (tests and screenshots call this through invalidate + a frame). */
  draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.imageLayer) return;
    const v = this.viewport;
    const imageSpace = (): void => ctx.setTransform(ratio * v.zoom, 0, 0, ratio * v.zoom, ratio * v.panX, ratio * v.panY);
    imageSpace();
    // Pixels stay crisp when magnified (reviewers look at single pixels); smooth when reduced.
    ctx.imageSmoothingEnabled = v.zoom < 1;
    ctx.drawImage(this.imageLayer, 0, 0);
    const overlays = !this.overlaysHidden && !this.otherSlice;
    const hm = overlays && this.overlay.visible ? this.heatmap : null;
    if (hm && this.overlay.mode === 'filled') {
      ctx.globalAlpha = this.overlay.opacity;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(hm.filled, hm.bounds.x, hm.bounds.y, hm.bounds.width, hm.bounds.height);
      ctx.globalAlpha = 1;
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (hm && this.overlay.mode === 'contour') this.drawContours(hm);
    if (overlays && this.predictionVisible && this.prediction) this.drawPrediction(this.prediction);
    if (overlays && this.editLayer) {
      imageSpace();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.editLayer, 0, 0);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    }
    for (const layer of this.vectors) layer(ctx, this);
  }

  /** The model's regions as a dashed outline: provenance, not something the reviewer edits. */
  private drawPrediction(seg: Float32Array): void {
    const ctx = this.ctx;
    const { zoom, panX, panY } = this.viewport;
    ctx.beginPath();
    for (let i = 0; i < seg.length; i += 4) {
      ctx.moveTo(seg[i] * zoom + panX, seg[i + 1] * zoom + panY);
      ctx.lineTo(seg[i + 2] * zoom + panX, seg[i + 3] * zoom + panY);
    }
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.setLineDash([]);
    ctx.stroke();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.95)';
    ctx.setLineDash([5, 4]);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  private drawContours(hm: HeatmapLayer): void {
    const ctx = this.ctx;
    const { zoom, panX, panY } = this.viewport;
    ctx.globalAlpha = Math.max(0.35, this.overlay.opacity);
    for (const c of hm.contours) {
      const s = c.segments;
      if (s.length === 0) continue;
      ctx.strokeStyle = css(c.color);
      ctx.lineWidth = c.level === 0.5 ? 2.5 : 1.5;
      ctx.beginPath();
      for (let i = 0; i < s.length; i += 4) {
        ctx.moveTo(s[i] * zoom + panX, s[i + 1] * zoom + panY);
        ctx.lineTo(s[i + 2] * zoom + panX, s[i + 3] * zoom + panY);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  private resize(): void {
    const ratio = window.devicePixelRatio || 1;
    const w = this.stage.clientWidth;
    const h = this.stage.clientHeight;
    if (w === this.cssWidth && h === this.cssHeight) return;
    this.cssWidth = w;
    this.cssHeight = h;
    this.canvas.width = Math.max(1, Math.round(w * ratio));
    this.canvas.height = Math.max(1, Math.round(h * ratio));
    if (this.autoFit && this.imageWidth) this.fit();
    this.invalidate();
  }
}

/**
 * Paint the edit layer's pixels in `rect` from the region masks: a translucent fill in the class
 * colour and an opaque outline where a region meets anything else; the selected region is
 * brighter with a white outline so it reads above any heatmap.
 */
export function paintEditRect(
  layer: HTMLCanvasElement,
  edits: EditModel,
  colorOf: (cls: string) => Rgb,
  selected: string | null,
  rect: Rect,
): void {
  const ctx = layer.getContext('2d')!;
  const w = layer.width;
  const h = layer.height;
  // One pixel more on each side: outlines depend on neighbours.
  const x0 = Math.max(0, rect.x - 1);
  const y0 = Math.max(0, rect.y - 1);
  const x1 = Math.min(w, rect.x + rect.width + 1);
  const y1 = Math.min(h, rect.y + rect.height + 1);
  const rw = x1 - x0;
  const rh = y1 - y0;
  if (rw <= 0 || rh <= 0) return;
  const img = ctx.createImageData(rw, rh);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= w || y >= h ? undefined : edits.maskAt(y * w + x));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const r = at(x, y);
      if (!r) continue;
      const edge = at(x - 1, y) !== r || at(x + 1, y) !== r || at(x, y - 1) !== r || at(x, y + 1) !== r;
      const sel = r.id === selected;
      const [cr, cg, cb] = edge && sel ? [255, 255, 255] as Rgb : colorOf(r.defectClass);
      const o = ((y - y0) * rw + (x - x0)) * 4;
      img.data[o] = cr;
      img.data[o + 1] = cg;
      img.data[o + 2] = cb;
      img.data[o + 3] = edge ? 255 : sel ? 150 : 110;
    }
  }
  ctx.putImageData(img, x0, y0);
}
