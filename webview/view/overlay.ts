/**
 * The heatmap overlay, built once per heatmap at its own (reduced) resolution: a filled RGBA
 * canvas through the fixed LUT, or iso-contours at fixed score levels. Never per-image min–max.
 */
import type { HeatmapData } from '../../src/shared/protocol';
import { heatmapLut, lutIndex, scoreAlpha, scoreColor, css, type Rgb } from './colors';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Contour levels (normalised scores); 0.5 is the threshold. */
export const CONTOUR_LEVELS = [0.5, 0.625, 0.75, 0.875];

export interface Contour {
  level: number;
  color: Rgb;
  /** Segments x0,y0,x1,y1 in IMAGE pixel coordinates. */
  segments: Float32Array;
}

export interface HeatmapLayer {
  scores: Float32Array;
  width: number;
  height: number;
  bounds: Bounds;
  filled: HTMLCanvasElement;
  contours: Contour[];
}

export function buildHeatmapLayer(h: HeatmapData, imageWidth: number, imageHeight: number): HeatmapLayer {
  const scores = new Float32Array(h.data);
  const bounds = h.bounds ?? { x: 0, y: 0, width: imageWidth, height: imageHeight };
  const filled = document.createElement('canvas');
  filled.width = h.width;
  filled.height = h.height;
  const ctx = filled.getContext('2d')!;
  const img = ctx.createImageData(h.width, h.height);
  const lut = heatmapLut();
  for (let i = 0; i < scores.length; i++) {
    const l = lutIndex(scores[i]) * 4;
    img.data[i * 4] = lut[l];
    img.data[i * 4 + 1] = lut[l + 1];
    img.data[i * 4 + 2] = lut[l + 2];
    img.data[i * 4 + 3] = lut[l + 3];
  }
  ctx.putImageData(img, 0, 0);
  const sx = bounds.width / h.width;
  const sy = bounds.height / h.height;
  const contours = CONTOUR_LEVELS.map((level) => {
    const seg = isoSegments(scores, h.width, h.height, level);
    for (let i = 0; i < seg.length; i += 2) {
      seg[i] = bounds.x + seg[i] * sx;
      seg[i + 1] = bounds.y + seg[i + 1] * sy;
    }
    return { level, color: scoreColor(level), segments: seg };
  });
  return { scores, width: h.width, height: h.height, bounds, filled, contours };
}

/** Normalised score at an image pixel (nearest heatmap sample), or undefined outside the map. */
export function scoreAt(layer: HeatmapLayer, ix: number, iy: number): number | undefined {
  const hx = Math.floor(((ix - layer.bounds.x) / layer.bounds.width) * layer.width);
  const hy = Math.floor(((iy - layer.bounds.y) / layer.bounds.height) * layer.height);
  if (hx < 0 || hy < 0 || hx >= layer.width || hy >= layer.height) return undefined;
  return layer.scores[hy * layer.width + hx];
}

/**
 * Marching squares over sample centres (i + 0.5, j + 0.5), in heatmap pixel units.
 * Saddles are split by the cell mean, which keeps contours closed and consistent.
 */
export function isoSegments(v: Float32Array, w: number, h: number, level: number): Float32Array {
  const out: number[] = [];
  const lerp = (a: number, b: number): number => (a === b ? 0.5 : (level - a) / (b - a));
  for (let y = 0; y + 1 < h; y++) {
    for (let x = 0; x + 1 < w; x++) {
      const a = v[y * w + x]; // top-left
      const b = v[y * w + x + 1]; // top-right
      const c = v[(y + 1) * w + x + 1]; // bottom-right
      const d = v[(y + 1) * w + x]; // bottom-left
      const code = (a >= level ? 8 : 0) | (b >= level ? 4 : 0) | (c >= level ? 2 : 0) | (d >= level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      const cx = x + 0.5;
      const cy = y + 0.5;
      const top: [number, number] = [cx + lerp(a, b), cy];
      const right: [number, number] = [cx + 1, cy + lerp(b, c)];
      const bottom: [number, number] = [cx + lerp(d, c), cy + 1];
      const left: [number, number] = [cx, cy + lerp(a, d)];
      const seg = (p: [number, number], q: [number, number]): void => { out.push(p[0], p[1], q[0], q[1]); };
      switch (code) {
        case 1: case 14: seg(left, bottom); break;
        case 2: case 13: seg(bottom, right); break;
        case 3: case 12: seg(left, right); break;
        case 4: case 11: seg(top, right); break;
        case 6: case 9: seg(top, bottom); break;
        case 7: case 8: seg(left, top); break;
        case 5: case 10: {
          const centreHigh = (a + b + c + d) / 4 >= level;
          if ((code === 5) === centreHigh) { seg(left, top); seg(bottom, right); } else { seg(left, bottom); seg(top, right); }
          break;
        }
      }
    }
  }
  return Float32Array.from(out);
}

/** The legend: the fixed scale 0..1 with the threshold mark at 0.5. */
export function drawLegend(canvas: HTMLCanvasElement, markerColor: string): void {
  // Low scores are transparent on the image; the legend shows them faintly so the scale reads.
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 200;
  const h = canvas.clientHeight || 16;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  for (let x = 0; x < w; x++) {
    const v = x / Math.max(1, w - 1);
    ctx.fillStyle = css(scoreColor(v), Math.max(scoreAlpha(v), 0.25));
    ctx.fillRect(x, 0, 1, h);
  }
  const tx = Math.round((w - 1) * 0.5) + 0.5;
  ctx.strokeStyle = markerColor;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(tx, 0);
  ctx.lineTo(tx, h);
  ctx.stroke();
}
