/**
 * Measurements on the displayed frame: a length, and rectangle / ellipse ROIs with the mean and
 * standard deviation of the modality values (HU for CT) and the area, in mm when the image has a
 * Pixel Spacing, in pixels otherwise.
 */
import type { FramePixels, ImageInfo } from '../src/shared/protocol';
import type { Samples } from './pixels';

export interface Measurement {
  shape: 'length' | 'rect' | 'ellipse';
  /** Image coordinates of the drag start and end. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface MeasureResult {
  text: string;
  length?: number;
  mean?: number;
  sd?: number;
  area?: number;
  pixels?: number;
  unit: 'mm' | 'px';
}

const round = (v: number, digits = 1): string => v.toFixed(Math.abs(v) >= 1000 ? 0 : digits);

/** The unit of modality values: HU for CT, none otherwise. */
export function valueUnit(info: ImageInfo): string {
  return (info.modality ?? '').toUpperCase() === 'CT' ? ' HU' : '';
}

export function measure(m: Measurement, f: FramePixels, samples: Samples, info: ImageInfo): MeasureResult {
  const sp = info.pixelSpacing;
  const unit = sp ? 'mm' : 'px';
  // Pixel Spacing is [row spacing (y), column spacing (x)].
  const sx = sp ? sp[1] : 1;
  const sy = sp ? sp[0] : 1;
  if (m.shape === 'length') {
    const length = Math.hypot((m.x1 - m.x0) * sx, (m.y1 - m.y0) * sy);
    return { text: `Length ${round(length, 2)} ${unit}`, length, unit };
  }
  const xa = Math.min(m.x0, m.x1);
  const xb = Math.max(m.x0, m.x1);
  const ya = Math.min(m.y0, m.y1);
  const yb = Math.max(m.y0, m.y1);
  const cx = (xa + xb) / 2;
  const cy = (ya + yb) / 2;
  const rx = (xb - xa) / 2;
  const ry = (yb - ya) / 2;
  const { slope, intercept } = info.rescale;
  const ch = f.channels;
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = Math.max(0, Math.floor(ya)); y < Math.min(f.height, Math.ceil(yb)); y++) {
    for (let x = Math.max(0, Math.floor(xa)); x < Math.min(f.width, Math.ceil(xb)); x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      if (px < xa || px > xb || py < ya || py > yb) continue;
      if (m.shape === 'ellipse' && (rx <= 0 || ry <= 0 || ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 > 1)) continue;
      const i = (y * f.width + x) * ch;
      // Colour images: the mean of the colour channels.
      let v = 0;
      for (let c = 0; c < Math.min(ch, 3); c++) v += samples[i + c];
      v = (v / Math.min(ch, 3)) * slope + intercept;
      n++;
      sum += v;
      sum2 += v * v;
    }
  }
  const area = n * sx * sy;
  if (n === 0) return { text: 'ROI is empty', pixels: 0, area: 0, unit };
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
  const vu = valueUnit(info);
  const areaText = unit === 'mm' ? `${round(area, 1)} mm²` : `${n} px`;
  return { text: `Mean ${round(mean)}${vu} · SD ${round(sd)}${vu} · Area ${areaText}`, mean, sd, area, pixels: n, unit };
}
