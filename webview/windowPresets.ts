/**
 * Window/level choices for the menu and the number keys (with the W/L tool): the CT presets
 * radiologists know (OHIF / 3D Slicer / Radiopaedia values) for CT, the file's own windows,
 * Auto (1st–99th percentile of the frame) and Full range.
 */
import type { ImageInfo } from '../src/shared/protocol';
import type { Samples, Window } from './pixels';

export interface WindowChoice {
  id: string;
  label: string;
  /** Number key that picks it with the W/L tool, if any. */
  key?: string;
  window: Window;
}

/** Centre / width in HU. */
export const CT_PRESETS: readonly { id: string; label: string; center: number; width: number }[] = [
  { id: 'brain', label: 'Brain', center: 40, width: 80 },
  { id: 'subdural', label: 'Subdural', center: 75, width: 215 },
  { id: 'stroke', label: 'Stroke', center: 40, width: 40 },
  { id: 'bone', label: 'Bone', center: 400, width: 1800 },
  { id: 'lung', label: 'Lung', center: -600, width: 1500 },
  { id: 'abdomen', label: 'Abdomen', center: 50, width: 400 },
  { id: 'mediastinum', label: 'Mediastinum', center: 50, width: 350 },
  { id: 'liver', label: 'Liver', center: 30, width: 150 },
];

export const isCt = (info: ImageInfo): boolean => (info.modality ?? '').toUpperCase() === 'CT';

/** Window over the 1st–99th percentile of the frame's modality values (ignores padding and outliers). */
export function autoWindow(samples: Samples, info: ImageInfo, channels: number): Window {
  const n = Math.floor(samples.length / channels);
  const step = Math.max(1, Math.floor(n / 65536));
  const vals: number[] = [];
  for (let i = 0; i < n; i += step) vals.push(samples[i * channels] * info.rescale.slope + info.rescale.intercept);
  vals.sort((a, b) => a - b);
  const lo = vals[Math.floor(vals.length * 0.01)] ?? 0;
  const hi = vals[Math.min(vals.length - 1, Math.floor(vals.length * 0.99))] ?? 1;
  return { center: (lo + hi) / 2, width: Math.max(1, hi - lo) };
}

export function windowChoices(info: ImageInfo, range: { min: number; max: number }, samples: Samples, channels: number): WindowChoice[] {
  const out: WindowChoice[] = [];
  const fileWindows = info.windows.filter((w) => w.width > 0).map((w, i) => ({
    id: `file-${i}`, label: w.label ? `${w.label} (file)` : `C ${w.center} / W ${w.width} (file)`, window: { center: w.center, width: w.width },
  }));
  if (isCt(info)) {
    CT_PRESETS.forEach((p, i) => out.push({ id: p.id, label: p.label, key: String(i + 1), window: { center: p.center, width: p.width } }));
    out.push(...fileWindows);
  } else {
    fileWindows.slice(0, 8).forEach((w, i) => out.push({ ...w, key: String(i + 1) }));
    out.push(...fileWindows.slice(8));
  }
  out.push({ id: 'auto', label: 'Auto', key: '9', window: autoWindow(samples, info, channels) });
  out.push({ id: 'full', label: 'Full range', key: '0', window: { center: (range.min + range.max) / 2, width: Math.max(1, range.max - range.min) } });
  return out;
}

/** "C 40 W 80" with sensible rounding. */
export function windowText(w: Window): string {
  const r = (v: number): string => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));
  return `C ${r(w.center)} W ${r(w.width)}`;
}
