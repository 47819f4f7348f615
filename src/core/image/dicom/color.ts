import type { DataSet } from 'dicom-parser';
import type { SampleArray } from '../../../shared/image';
import { us, valueBytes } from './attributes';
import { dicomError } from './errors';

/** Planar (RRR..GGG..BBB) to interleaved (RGBRGB..). */
export function planarToInterleaved(data: SampleArray, pixels: number): SampleArray {
  const Ctor = data.constructor as new (n: number) => SampleArray;
  const out = new Ctor(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    out[3 * i] = data[i];
    out[3 * i + 1] = data[pixels + i];
    out[3 * i + 2] = data[2 * pixels + i];
  }
  return out;
}

/** YBR_FULL (PS3.3 C.7.6.3.1.2, full range ITU-R BT.601) to RGB, in place. */
export function ybrFullToRgb(data: SampleArray, bits: number): SampleArray {
  const max = 2 ** bits - 1;
  const half = 2 ** (bits - 1);
  for (let i = 0; i + 2 < data.length; i += 3) {
    const y = data[i];
    const cb = data[i + 1] - half;
    const cr = data[i + 2] - half;
    data[i] = clamp(Math.round(y + 1.402 * cr), max);
    data[i + 1] = clamp(Math.round(y - 0.344136 * cb - 0.714136 * cr), max);
    data[i + 2] = clamp(Math.round(y + 1.772 * cb), max);
  }
  return data;
}

/** YBR_FULL_422 native layout: Y0 Y1 Cb Cr for each horizontal pixel pair; upsample to Y Cb Cr per pixel. */
export function expandYbr422(data: SampleArray, rows: number, columns: number): SampleArray {
  const Ctor = data.constructor as new (n: number) => SampleArray;
  const out = new Ctor(rows * columns * 3);
  let src = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c += 2) {
      const y0 = data[src];
      const y1 = data[src + 1];
      const cb = data[src + 2];
      const cr = data[src + 3];
      src += 4;
      const o = (r * columns + c) * 3;
      out[o] = y0;
      out[o + 1] = cb;
      out[o + 2] = cr;
      if (c + 1 < columns) {
        out[o + 3] = y1;
        out[o + 4] = cb;
        out[o + 5] = cr;
      }
    }
  }
  return out;
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}

/** One colour channel of a palette: `data[index - firstMapped]`, clamped at both ends. */
interface PaletteChannel {
  firstMapped: number;
  bits: number;
  data: Uint16Array;
}

export interface Palette {
  red: PaletteChannel;
  green: PaletteChannel;
  blue: PaletteChannel;
  /** 8 when all channels have 8-bit entries, else 16. */
  bits: 8 | 16;
}

/** Read the Palette Color LUTs (PS3.3 C.7.6.3.1.5-6), plain or segmented (C.7.9.2). */
export function readPalette(ds: DataSet, signed: boolean, file: string | undefined): Palette {
  const channel = (descTag: string, dataTag: string, segTag: string, name: string): PaletteChannel => {
    const entries = us(ds, descTag, 0);
    const firstRaw = us(ds, descTag, 1);
    const bits = us(ds, descTag, 2);
    if (entries === undefined || firstRaw === undefined || bits === undefined) {
      throw dicomError('DICOM_INVALID', `PALETTE COLOR image without a ${name} palette descriptor`, file, 'the palette colour lookup tables are missing; re-export the file');
    }
    const n = entries === 0 ? 65536 : entries;
    const firstMapped = signed && firstRaw > 0x7fff ? firstRaw - 0x10000 : firstRaw;
    const plain = ds.elements[dataTag];
    const seg = ds.elements[segTag];
    let data: Uint16Array;
    if (plain && plain.length > 0) data = readLutWords(ds, valueBytes(ds, plain), n, bits);
    else if (seg && seg.length > 0) data = expandSegmented(readWords(ds, valueBytes(ds, seg)), n);
    else throw dicomError('DICOM_INVALID', `PALETTE COLOR image without ${name} palette data`, file, 'the palette colour lookup tables are missing; re-export the file');
    return { firstMapped, bits: bits <= 8 ? 8 : 16, data };
  };
  const red = channel('x00281101', 'x00281201', 'x00281221', 'red');
  const green = channel('x00281102', 'x00281202', 'x00281222', 'green');
  const blue = channel('x00281103', 'x00281203', 'x00281223', 'blue');
  const bits = red.bits === 8 && green.bits === 8 && blue.bits === 8 ? 8 : 16;
  return { red, green, blue, bits };
}

function readWords(ds: DataSet, bytes: Uint8Array): Uint16Array {
  const n = bytes.length >> 1;
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = ds.byteArrayParser.readUint16(bytes, 2 * i);
  return out;
}

/** LUT data of `n` entries; 8-bit entries may be packed one per byte or one per 16-bit word. */
export function readLutWords(ds: DataSet, bytes: Uint8Array, n: number, bits: number): Uint16Array {
  if (bits <= 8 && bytes.length >= n && bytes.length < 2 * n) return Uint16Array.from(bytes.subarray(0, n));
  const words = readWords(ds, bytes).subarray(0, n);
  if (bits > 8) return words.slice();
  // 8-bit entries in 16-bit words: normally in the low byte; some writers use the high byte.
  let lowUsed = false;
  for (let i = 0; i < words.length && !lowUsed; i++) if (words[i] & 0xff) lowUsed = true;
  return words.map((w) => (lowUsed ? w & 0xff : w >> 8));
}

/** Segmented palette LUT: discrete (0), linear (1) and indirect (2) segments. */
export function expandSegmented(words: Uint16Array, n: number): Uint16Array {
  const out: number[] = [];
  const segStarts: number[] = [];
  let i = 0;
  while (i + 1 < words.length && out.length < n) {
    const op = words[i];
    const len = words[i + 1];
    segStarts.push(out.length);
    if (op === 0) {
      for (let k = 0; k < len && i + 2 + k < words.length; k++) out.push(words[i + 2 + k]);
      i += 2 + len;
    } else if (op === 1) {
      const y0 = out.length ? out[out.length - 1] : 0;
      const y1 = words[i + 2];
      for (let k = 1; k <= len; k++) out.push(Math.round(y0 + ((y1 - y0) * k) / len));
      i += 3;
    } else if (op === 2) {
      // Indirect: copy `len` earlier segments starting at the segment whose word offset is given.
      const offset = (words[i + 2] | (words[i + 3] << 16)) >>> 0;
      let p = 0;
      let seg = 0;
      const copyFrom: number[][] = [];
      while (p < offset && seg < segStarts.length) {
        p += words[p] === 1 ? 3 : words[p] === 0 ? 2 + words[p + 1] : 4;
        seg++;
      }
      for (let k = 0; k < len && seg + k < segStarts.length - 1; k++) {
        copyFrom.push(out.slice(segStarts[seg + k], segStarts[seg + k + 1]));
      }
      for (const c of copyFrom) out.push(...c);
      i += 4;
    } else {
      break;
    }
  }
  const result = new Uint16Array(n);
  for (let k = 0; k < n; k++) result[k] = out[Math.min(k, out.length - 1)] ?? 0;
  return result;
}

/** Map palette indices to interleaved RGB. */
export function applyPalette(indices: SampleArray, palette: Palette): Uint8Array | Uint16Array {
  const n = indices.length;
  const out = palette.bits === 8 ? new Uint8Array(n * 3) : new Uint16Array(n * 3);
  const chans = [palette.red, palette.green, palette.blue];
  for (let c = 0; c < 3; c++) {
    const { firstMapped, data } = chans[c];
    // A 16-bit table feeding 8-bit output never happens (bits is 16 if any channel is).
    const scale = palette.bits === 16 && chans[c].bits === 8 ? 257 : 1;
    const last = data.length - 1;
    for (let i = 0; i < n; i++) {
      let k = indices[i] - firstMapped;
      if (k < 0) k = 0;
      else if (k > last) k = last;
      out[3 * i + c] = data[k] * scale;
    }
  }
  return out;
}
