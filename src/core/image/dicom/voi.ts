import type { DataSet } from 'dicom-parser';
import type { DisplayWindow, LookupTable, SampleArray } from '../../../shared/image';
import { decimals, firstItem, items, strings, str, us, valueBytes } from './attributes';
import { readLutWords } from './color';

/** Where per-image values live: the top level, or an enhanced object's shared/per-frame functional groups. */
function functionalGroup(ds: DataSet, macroTag: string): DataSet | undefined {
  return firstItem(firstItem(ds, 'x52009229'), macroTag) ?? firstItem(firstItem(ds, 'x52009230'), macroTag);
}

/** Modality LUT (PS3.3 C.11.1): RescaleSlope/Intercept, from the data set or the Pixel Value Transformation macro. */
export function readRescale(ds: DataSet): { slope: number; intercept: number } {
  const source = ds.elements.x00281053 || ds.elements.x00281052 ? ds : functionalGroup(ds, 'x00289145');
  const slope = source ? decimals(source, 'x00281053')[0] : undefined;
  const intercept = source ? decimals(source, 'x00281052')[0] : undefined;
  return { slope: slope === undefined || slope === 0 ? 1 : slope, intercept: intercept ?? 0 };
}

/** Every WindowCenter/Width pair (first is the default), labelled by WindowCenterWidthExplanation. */
export function readWindows(ds: DataSet): DisplayWindow[] {
  const source = ds.elements.x00281050 ? ds : functionalGroup(ds, 'x00289132');
  if (!source) return [];
  const centers = decimals(source, 'x00281050');
  const widths = decimals(source, 'x00281051');
  const labels = strings(source, 'x00281055');
  const out: DisplayWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (!(widths[i] > 0)) continue;
    const label = labels[i] || undefined;
    out.push(label ? { center: centers[i], width: widths[i], label } : { center: centers[i], width: widths[i] });
  }
  return out;
}

function readLut(item: DataSet, signedInput: boolean): LookupTable | undefined {
  const entries = us(item, 'x00283002', 0);
  const firstRaw = us(item, 'x00283002', 1);
  const bits = us(item, 'x00283002', 2);
  const dataEl = item.elements.x00283006;
  if (entries === undefined || firstRaw === undefined || bits === undefined || !dataEl) return undefined;
  const n = entries === 0 ? 65536 : entries;
  const data = readLutWords(item, valueBytes(item, dataEl), n, bits);
  if (data.length === 0) return undefined;
  const firstMapped = signedInput && firstRaw > 0x7fff ? firstRaw - 0x10000 : firstRaw;
  const label = str(item, 'x00283003');
  return label ? { firstMapped, bitsPerEntry: bits, data, label } : { firstMapped, bitsPerEntry: bits, data };
}

export function readVoiLuts(ds: DataSet, signedInput: boolean): LookupTable[] {
  return items(ds, 'x00283010').map((it) => readLut(it, signedInput)).filter((l): l is LookupTable => l !== undefined);
}

export function readModalityLut(ds: DataSet, signed: boolean): LookupTable | undefined {
  const item = items(ds, 'x00283000')[0];
  return item ? readLut(item, signed) : undefined;
}

/** A linear window spanning a VOI LUT's input range: the closest DisplayWindow to the table. */
export function windowForLut(lut: LookupTable): DisplayWindow {
  const width = Math.max(1, lut.data.length);
  const w: DisplayWindow = { center: lut.firstMapped + width / 2, width };
  return lut.label ? { ...w, label: lut.label } : w;
}

/** Min–max window over modality values of all frames (PS3.3 C.11.2.1.2 form: center - 0.5, width - 1). */
export function minMaxWindow(frames: SampleArray[], slope: number, intercept: number, lut?: LookupTable): DisplayWindow {
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of frames) {
    for (let i = 0; i < f.length; i++) {
      const v = f[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return { center: 0, width: 1, label: 'min-max' };
  let a: number;
  let b: number;
  if (lut) {
    a = lutValue(lut, lo);
    b = lutValue(lut, hi);
  } else {
    a = lo * slope + intercept;
    b = hi * slope + intercept;
  }
  const min = Math.min(a, b);
  const max = Math.max(a, b);
  // Linear window maps [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] to the output range.
  return { center: (min + max) / 2 + 0.5, width: Math.max(1, max - min + 1), label: 'min-max' };
}

function lutValue(lut: LookupTable, v: number): number {
  const k = Math.min(lut.data.length - 1, Math.max(0, Math.round(v) - lut.firstMapped));
  return lut.data[k];
}
