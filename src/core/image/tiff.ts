// TIFF through utif2, keeping full bit depth. Every page with the size and layout of the first
// becomes a frame (reduced-resolution pages, e.g. thumbnails, are skipped).
//
// utif2 trusts the file: a looping or out-of-range IFD chain makes UTIF.decode spin forever.
// So the chain is walked here first (bounded, cycle-checked) and cut where it goes wrong, and
// strip/tile extents are checked against the file size before any pixel is decompressed.
import * as UTIF from 'utif2';
import type { DecodedImage, ImageFrame, SampleArray } from '../../shared/image';
import type { DecodeOptions } from './decodeOptions';
import { checkDimensions, decodeFailed, defaultWindow, truncated } from './sniff';

const MAX_PAGES = 4096;

type Ifd = UTIF.IFD & { isLE?: boolean };

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** SubIFDs, EXIF, GPS, DNG private data, Fuji: utif2 would follow them unguarded; frames never come from them. */
const NESTED_IFD_TAGS = new Set([330, 34665, 34853, 50740, 61440]);

/**
 * Makes the bytes safe for utif2 (a copy only when something had to change): the IFD chain is
 * terminated at its last valid directory (no cycles, nothing outside the file), entries whose
 * values lie outside the file get a count of 0 (utif2 would otherwise loop over billions of
 * values), and pointers to nested directories are renamed to an unused tag so they are not followed.
 */
function sanitize(bytes: Uint8Array, opts: DecodeOptions): { bytes: Uint8Array; pages: number } {
  if (bytes.length < 8) throw truncated('TIFF', opts, `only ${bytes.length} bytes, the header needs 8`);
  const le = bytes[0] === 0x49;
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(2, le);
  if (version === 43) throw decodeFailed('TIFF', opts, 'BigTIFF (64-bit offsets) is not supported');
  let out = bytes;
  let view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const writable = (): DataView => {
    if (out === bytes) {
      out = bytes.slice();
      view = new DataView(out.buffer);
    }
    return view;
  };
  let pointerAt = 4;
  let offset = view.getUint32(4, le);
  const seen = new Set<number>();
  let pages = 0;
  while (offset !== 0) {
    const bad = offset + 2 > bytes.length || seen.has(offset) || pages >= MAX_PAGES;
    const count = bad ? 0 : view.getUint16(offset, le);
    const next = offset + 2 + count * 12;
    if (bad || next + 4 > bytes.length) {
      if (pages === 0) throw truncated('TIFF', opts, `first image directory at byte ${offset} lies outside the file`);
      writable().setUint32(pointerAt, 0, le);
      break;
    }
    for (let e = offset + 2; e < next; e += 12) {
      const tagId = view.getUint16(e, le);
      const size = (TYPE_SIZE[view.getUint16(e + 2, le)] ?? 0) * view.getUint32(e + 4, le);
      if (size > 4 && view.getUint32(e + 8, le) + size > bytes.length) writable().setUint32(e + 4, 0, le);
      if (NESTED_IFD_TAGS.has(tagId)) writable().setUint16(e, 65000, le);
    }
    seen.add(offset);
    pages++;
    pointerAt = next;
    offset = view.getUint32(next, le);
  }
  return { bytes: out, pages };
}

function tag(ifd: Ifd, id: number, fallback: number): number {
  const v = ifd[`t${id}`];
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return fallback;
}

function tagArray(ifd: Ifd, id: number): number[] {
  const v = ifd[`t${id}`];
  return Array.isArray(v) ? (v as number[]).filter((x) => typeof x === 'number') : [];
}

interface PageLayout {
  width: number;
  height: number;
  bps: number;
  spp: number;
  photometric: number;
  sampleFormat: number;
  compression: number;
}

function layoutOf(ifd: Ifd): PageLayout {
  return {
    width: tag(ifd, 256, 0),
    height: tag(ifd, 257, 0),
    bps: tag(ifd, 258, 1),
    spp: tag(ifd, 277, 1),
    photometric: tag(ifd, 262, 1),
    sampleFormat: tag(ifd, 339, 1),
    compression: tag(ifd, 259, 1),
  };
}

/**
 * utif2's LZW decoder keeps its string table between calls and follows table links without
 * bounds: a code beyond the table (or a table that overflows without a clear code) can send it
 * into an endless loop on corrupt data, even on a later, valid file. This walks the code stream
 * (code widths and table size only, no pixel output) and rejects such streams up front.
 */
function lzwProblem(data: Uint8Array, off: number, len: number): string | null {
  let bit = off * 8;
  const end = Math.min(off + len, data.length) * 8;
  let width = 9;
  let next = 258;
  const read = (): number => {
    const i = bit >>> 3;
    const word = (data[i] << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    return code;
  };
  while (bit < end) {
    let code = read();
    if (code === 257) return null;
    if (code === 256) {
      width = 9;
      next = 258;
      code = read();
      if (code === 257) return null;
      if (code > 256) return `code ${code} right after a clear code`;
      continue;
    }
    if (code > next) return `code ${code} beyond the string table (${next})`;
    next++;
    if (next + 1 === 1 << width && width !== 12) width++;
    if (next > 4096) return 'string table overflows without a clear code';
  }
  return null;
}

function checkExtents(ifd: Ifd, length: number, opts: DecodeOptions, data?: Uint8Array): void {
  const tiled = ifd.t324 !== undefined;
  const offsets = tagArray(ifd, tiled ? 324 : 273);
  const counts = tagArray(ifd, tiled ? 325 : 279);
  if (offsets.length === 0) throw decodeFailed('TIFF', opts, 'page has no strip or tile offsets');
  for (let i = 0; i < offsets.length; i++) {
    const end = offsets[i] + (counts[i] ?? 0);
    if (end > length) {
      throw truncated('TIFF', opts, `${tiled ? 'tile' : 'strip'} ${i} ends at byte ${end} but the file has ${length}`);
    }
    const problem = data && tag(ifd, 259, 1) === 5 ? lzwProblem(data, offsets[i], counts[i] ?? 0) : null;
    if (problem) throw decodeFailed('TIFF', opts, `corrupt LZW data in ${tiled ? 'tile' : 'strip'} ${i}: ${problem}`);
  }
}

function checkSupported(l: PageLayout, ifd: Ifd, opts: DecodeOptions): void {
  const okCompression = [1, 5, 8, 32946, 32773].includes(l.compression);
  if (!okCompression) {
    throw decodeFailed('TIFF', opts, `compression ${l.compression} is not supported (uncompressed, LZW, Deflate and PackBits are)`);
  }
  if (l.spp > 1 && tag(ifd, 284, 1) === 2) throw decodeFailed('TIFF', opts, 'separate colour planes (PlanarConfiguration 2) are not supported');
  const gray = l.photometric === 0 || l.photometric === 1;
  const rgb = l.photometric === 2;
  const palette = l.photometric === 3;
  if (!gray && !rgb && !palette) {
    throw decodeFailed('TIFF', opts, `photometric interpretation ${l.photometric} is not supported (gray, RGB and palette are)`);
  }
  const depths = palette ? [1, 2, 4, 8] : l.sampleFormat === 3 ? [32] : [1, 8, 16];
  if (!depths.includes(l.bps)) {
    throw decodeFailed('TIFF', opts, `${l.bps}-bit ${l.sampleFormat === 3 ? 'float ' : ''}samples are not supported`);
  }
  if (l.bps === 1 && l.spp !== 1) throw decodeFailed('TIFF', opts, '1-bit images with several samples per pixel are not supported');
  if (rgb && l.spp < 3) throw decodeFailed('TIFF', opts, `RGB page has ${l.spp} samples per pixel`);
}

const sameLayout = (a: PageLayout, b: PageLayout): boolean =>
  a.width === b.width && a.height === b.height && a.bps === b.bps && a.spp === b.spp && a.photometric === b.photometric &&
  a.sampleFormat === b.sampleFormat;

/** Output channels for a layout: gray → 1, RGB → 3, RGB + extra samples → 4 (first extra kept as alpha). */
function outChannels(l: PageLayout): 1 | 3 | 4 {
  if (l.photometric === 3) return 3;
  if (l.photometric === 2) return l.spp >= 4 ? 4 : 3;
  return 1;
}

/** Turns utif2's raw page bytes (rows padded to bytes, 16-bit already little-endian) into samples. */
function toSamples(raw: Uint8Array, l: PageLayout, ifd: Ifd, opts: DecodeOptions): SampleArray {
  const { width, height, bps, spp } = l;
  const channels = outChannels(l);
  const pixels = width * height;
  const rowBytes = Math.ceil((width * spp * bps) / 8);
  if (raw.length < rowBytes * height) throw truncated('TIFF', opts, `pixel data has ${raw.length} bytes, ${rowBytes * height} expected`);

  if (l.photometric === 3) {
    // Colour map: 3 × 2^bps 16-bit entries (all reds, then greens, then blues).
    const map = tagArray(ifd, 320);
    const n = 1 << bps;
    if (map.length < 3 * n) throw decodeFailed('TIFF', opts, 'palette image has no complete colour map');
    const out = new Uint8Array(pixels * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = x * bps;
        const idx = (raw[y * rowBytes + (bit >> 3)] >> (8 - bps - (bit & 7))) & (n - 1);
        const o = (y * width + x) * 3;
        out[o] = map[idx] >> 8;
        out[o + 1] = map[n + idx] >> 8;
        out[o + 2] = map[2 * n + idx] >> 8;
      }
    }
    return out;
  }
  if (bps === 1) {
    // Bilevel: 0/1 stored, widened to 0/255 so it behaves like an 8-bit image.
    const out = new Uint8Array(pixels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out[y * width + x] = (raw[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
    }
    return out;
  }
  const out: SampleArray =
    bps === 8 ? new Uint8Array(pixels * channels)
      : bps === 16 ? (l.sampleFormat === 2 ? new Int16Array(pixels * channels) : new Uint16Array(pixels * channels))
        : new Float32Array(pixels * channels);
  const bytesPer = bps / 8;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = ifd.isLE !== false;
  for (let y = 0; y < height; y++) {
    let s = y * rowBytes;
    let o = y * width * channels;
    for (let x = 0; x < width; x++, s += spp * bytesPer, o += channels) {
      for (let c = 0; c < channels; c++) {
        const at = s + c * bytesPer;
        if (bps === 8) out[o + c] = raw[at];
        // utif2 swaps 16-bit samples to little-endian; 32-bit floats stay in file order.
        else if (bps === 16) out[o + c] = l.sampleFormat === 2 ? view.getInt16(at, true) : view.getUint16(at, true);
        else out[o + c] = view.getFloat32(at, le);
      }
    }
  }
  return out;
}

export function decodeTiff(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const bounded = sanitize(bytes, opts);
  const buffer = bounded.bytes.buffer.slice(bounded.bytes.byteOffset, bounded.bytes.byteOffset + bounded.bytes.byteLength) as ArrayBuffer;
  let ifds: Ifd[];
  try {
    // parseMN off: maker notes are parsed by a nested, unguarded UTIF.decode.
    const decodeIfds = UTIF.decode as unknown as (b: ArrayBuffer, prm: { parseMN: boolean; debug: boolean }) => Ifd[];
    ifds = decodeIfds(buffer, { parseMN: false, debug: false });
  } catch (err) {
    throw decodeFailed('TIFF', opts, err instanceof Error ? err.message : String(err), err);
  }
  // Main pages only: skip directories without a size and reduced-resolution ones (NewSubfileType bit 0).
  const pages = ifds.filter((ifd) => ifd.t256 !== undefined && (tag(ifd, 254, 0) & 1) === 0);
  if (pages.length === 0) throw decodeFailed('TIFF', opts, 'no image directory with a width and height');
  const first = layoutOf(pages[0]);
  checkDimensions('TIFF', first.width, first.height, opts);
  const frames = pages.filter((p) => sameLayout(layoutOf(p), first));
  checkDimensions('TIFF', first.width, first.height, opts, frames.length);

  const decoded: ImageFrame[] = [];
  for (const ifd of frames) {
    const l = layoutOf(ifd);
    checkSupported(l, ifd, opts);
    checkExtents(ifd, buffer.byteLength, opts, new Uint8Array(buffer));
    try {
      UTIF.decodeImage(buffer, ifd);
    } catch (err) {
      throw decodeFailed('TIFF', opts, err instanceof Error ? err.message : String(err), err);
    }
    const raw = ifd.data as Uint8Array | undefined;
    if (!raw) throw decodeFailed('TIFF', opts, 'the decoder returned no pixels for a page');
    decoded.push({ data: toSamples(raw, l, ifd, opts) });
  }
  const channels = outChannels(first);
  const bitDepth = first.photometric === 3 || first.bps === 1 ? 8 : first.bps;
  const data0 = decoded[0].data;
  return {
    format: 'tiff',
    width: first.width,
    height: first.height,
    channels,
    bitDepth,
    frameCount: decoded.length,
    frames: decoded,
    rescale: { slope: 1, intercept: 0 },
    windows: [defaultWindow(data0, channels, bitDepth)],
    // WhiteIsZero: high stored values are dark, like DICOM MONOCHROME1.
    invert: first.photometric === 0,
    meta: {
      rows: first.height,
      columns: first.width,
      bitsStored: bitDepth,
      signed: first.sampleFormat === 2,
      photometricInterpretation: first.photometric === 0 ? 'WhiteIsZero' : first.photometric === 1 ? 'BlackIsZero' : first.photometric === 2 ? 'RGB' : 'Palette',
    },
  };
}
