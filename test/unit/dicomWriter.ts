// Test helper: a tiny DICOM Part 10 writer so the DICOM tests build every fixture themselves.
import * as zlib from 'node:zlib';
import { mulberry32 } from '../../src/core/rng';

export type Vr = 'AE' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'UI' | 'US' | 'SS' | 'UL' | 'OB' | 'OW' | 'SQ' | 'ZZ';

export interface El {
  tag: number; // 0xGGGGEEEE
  vr: Vr;
  value: string | string[] | number | number[] | Uint8Array | El[][];
}

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  mpeg2: '1.2.840.10008.1.2.4.100',
} as const;

const LONG_VRS = new Set(['OB', 'OW', 'SQ', 'UT', 'UN']);

class Out {
  chunks: number[] = [];
  constructor(readonly le: boolean) {}
  u16(v: number) {
    if (this.le) this.chunks.push(v & 0xff, (v >> 8) & 0xff);
    else this.chunks.push((v >> 8) & 0xff, v & 0xff);
  }
  u32(v: number) {
    if (this.le) this.chunks.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    else this.chunks.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  bytes(b: ArrayLike<number>) {
    for (let i = 0; i < b.length; i++) this.chunks.push(b[i]);
  }
}

function valueBytes(el: El, le: boolean, explicit: boolean): Uint8Array {
  const v = el.value;
  if (el.vr === 'US' || el.vr === 'SS') {
    const o = new Out(le);
    for (const n of ([] as number[]).concat(v as number | number[])) o.u16(n & 0xffff);
    return Uint8Array.from(o.chunks);
  }
  if (el.vr === 'UL') {
    const o = new Out(le);
    for (const n of ([] as number[]).concat(v as number | number[])) o.u32(n >>> 0);
    return Uint8Array.from(o.chunks);
  }
  if (v instanceof Uint8Array) return v.length % 2 ? Uint8Array.from([...v, 0]) : v;
  if (el.vr === 'SQ') {
    const o = new Out(le);
    for (const item of v as El[][]) {
      const body = encodeElements(item, le, explicit);
      o.u16(0xfffe);
      o.u16(0xe000);
      o.u32(body.length);
      o.bytes(body);
    }
    return Uint8Array.from(o.chunks);
  }
  let s = Array.isArray(v) ? v.join('\\') : String(v);
  if (s.length % 2) s += el.vr === 'UI' ? '\0' : ' ';
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}

export function encodeElements(els: El[], le: boolean, explicit: boolean): Uint8Array {
  const o = new Out(le);
  for (const el of [...els].sort((a, b) => a.tag - b.tag)) {
    const body = valueBytes(el, le, explicit);
    o.u16(el.tag >>> 16);
    o.u16(el.tag & 0xffff);
    if (explicit) {
      o.bytes(Buffer.from(el.vr, 'latin1'));
      if (LONG_VRS.has(el.vr)) {
        o.u16(0);
        o.u32(body.length);
      } else o.u16(body.length);
    } else o.u32(body.length);
    o.bytes(body);
  }
  return Uint8Array.from(o.chunks);
}

/** Encapsulated pixel data: basic offset table (optional) + one item per fragment + delimiter. */
export function encapsulate(frames: Uint8Array[][], withOffsetTable: boolean): Uint8Array {
  const o = new Out(true);
  const pad = (b: Uint8Array) => (b.length % 2 ? Uint8Array.from([...b, 0]) : b);
  const offsets: number[] = [];
  let pos = 0;
  for (const frags of frames) {
    offsets.push(pos);
    for (const f of frags) pos += 8 + pad(f).length;
  }
  o.u16(0x7fe0);
  o.u16(0x0010);
  o.bytes(Buffer.from('OB'));
  o.u16(0);
  o.u32(0xffffffff);
  o.u16(0xfffe);
  o.u16(0xe000);
  o.u32(withOffsetTable ? offsets.length * 4 : 0);
  if (withOffsetTable) for (const off of offsets) o.u32(off);
  for (const frags of frames) {
    for (const f of frags) {
      const p = pad(f);
      o.u16(0xfffe);
      o.u16(0xe000);
      o.u32(p.length);
      o.bytes(p);
    }
  }
  o.u16(0xfffe);
  o.u16(0xe0dd);
  o.u32(0);
  return Uint8Array.from(o.chunks);
}

export interface WriteOptions {
  transferSyntax: string;
  elements: El[];
  /** Native pixel bytes (already in the transfer syntax's byte order) or encapsulated frames. */
  pixels?: Uint8Array | { frames: Uint8Array[][]; offsetTable: boolean };
  pixelVr?: 'OB' | 'OW';
  preamble?: boolean;
}

export function writeDicom(opts: WriteOptions): Uint8Array {
  const ts = opts.transferSyntax;
  const le = ts !== TS.explicitBE;
  const explicit = ts !== TS.implicitLE;
  const metaBody = encodeElements(
    [
      { tag: 0x00020001, vr: 'OB', value: Uint8Array.from([0, 1]) },
      { tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: 0x00020003, vr: 'UI', value: '1.2.3.4.5.6.7' },
      { tag: 0x00020010, vr: 'UI', value: ts },
    ],
    true,
    true,
  );
  const groupLength = encodeElements([{ tag: 0x00020000, vr: 'UL', value: metaBody.length }], true, true);
  let body = encodeElements(opts.elements, le, explicit);
  if (opts.pixels instanceof Uint8Array) {
    body = concat(body, encodeElements([{ tag: 0x7fe00010, vr: opts.pixelVr ?? 'OW', value: opts.pixels }], le, explicit));
  } else if (opts.pixels) {
    body = concat(body, encapsulate(opts.pixels.frames, opts.pixels.offsetTable));
  }
  if (ts === TS.deflated) body = Uint8Array.from(zlib.deflateRawSync(body));
  const head = opts.preamble === false ? new Uint8Array(0) : concat(new Uint8Array(128), Uint8Array.from(Buffer.from('DICM')));
  return opts.preamble === false ? body : concat(head, groupLength, metaBody, body);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Little/big endian bytes of 16-bit samples. */
export function words(values: ArrayLike<number>, le = true): Uint8Array {
  const o = new Out(le);
  for (let i = 0; i < values.length; i++) o.u16(values[i] & 0xffff);
  return Uint8Array.from(o.chunks);
}

/** The Image Pixel module for a simple image. */
export function imageElements(p: {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored?: number;
  signed?: boolean;
  samples?: number;
  photometric?: string;
  frames?: number;
  planar?: number;
  extra?: El[];
}): El[] {
  const els: El[] = [
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: 0x00080018, vr: 'UI', value: '1.2.3.4.5.6.7' },
    { tag: 0x00080060, vr: 'CS', value: 'OT' },
    { tag: 0x00280002, vr: 'US', value: p.samples ?? 1 },
    { tag: 0x00280004, vr: 'CS', value: p.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: p.rows },
    { tag: 0x00280011, vr: 'US', value: p.columns },
    { tag: 0x00280100, vr: 'US', value: p.bitsAllocated },
    { tag: 0x00280101, vr: 'US', value: p.bitsStored ?? p.bitsAllocated },
    { tag: 0x00280102, vr: 'US', value: (p.bitsStored ?? p.bitsAllocated) - 1 },
    { tag: 0x00280103, vr: 'US', value: p.signed ? 1 : 0 },
  ];
  if (p.frames !== undefined) els.push({ tag: 0x00280008, vr: 'IS', value: String(p.frames) });
  if ((p.samples ?? 1) > 1) els.push({ tag: 0x00280006, vr: 'US', value: p.planar ?? 0 });
  return [...els, ...(p.extra ?? [])];
}

/** RLE Lossless encoder (PS3.5 Annex G) for one frame given as LE interleaved native bytes. */
export function encodeRleFrame(native: Uint8Array, pixels: number, samples: number, bytesPerSample: number): Uint8Array {
  const segments: Uint8Array[] = [];
  for (let s = 0; s < samples; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let i = 0; i < pixels; i++) plane[i] = native[(i * samples + s) * bytesPerSample + b];
      segments.push(packBits(plane));
    }
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let off = 64;
  segments.forEach((seg, i) => {
    view.setUint32(4 + 4 * i, off, true);
    off += seg.length;
  });
  return concat(header, ...segments);
}

function packBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && src[i + run] === src[i] && run < 128) run++;
    if (run >= 2) {
      out.push(257 - run, src[i]);
      i += run;
    } else {
      let lit = 1;
      while (i + lit < src.length && lit < 128 && !(i + lit + 1 < src.length && src[i + lit] === src[i + lit + 1])) lit++;
      out.push(lit - 1, ...src.subarray(i, i + lit));
      i += lit;
    }
  }
  if (out.length % 2) out.push(128); // pad segments to even length with a no-op
  return Uint8Array.from(out);
}

/** Seeded PRNG (the engine's mulberry32). */
export const rng = mulberry32;
