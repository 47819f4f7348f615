/** Zoom and pan: screen = image * zoom + pan (CSS pixels of the stage). Pure functions. */
export interface Viewport {
  zoom: number;
  panX: number;
  panY: number;
}

export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 64;

const clampZoom = (z: number): number => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));

/** Whole image visible and centred. */
export function fitViewport(iw: number, ih: number, cw: number, ch: number): Viewport {
  const zoom = clampZoom(Math.min(cw / iw, ch / ih) * 0.98 || 1);
  return { zoom, panX: (cw - iw * zoom) / 2, panY: (ch - ih * zoom) / 2 };
}

/** Zoom by `factor` keeping the image point under (sx, sy) fixed. */
export function zoomAt(v: Viewport, factor: number, sx: number, sy: number): Viewport {
  const zoom = clampZoom(v.zoom * factor);
  const k = zoom / v.zoom;
  return { zoom, panX: sx - (sx - v.panX) * k, panY: sy - (sy - v.panY) * k };
}

/** 1:1 around the stage centre. */
export function actualSize(v: Viewport, cw: number, ch: number): Viewport {
  return zoomAt(v, 1 / v.zoom, cw / 2, ch / 2);
}

export function toImage(v: Viewport, sx: number, sy: number): [number, number] {
  return [(sx - v.panX) / v.zoom, (sy - v.panY) / v.zoom];
}

export function toScreen(v: Viewport, ix: number, iy: number): [number, number] {
  return [ix * v.zoom + v.panX, iy * v.zoom + v.panY];
}
