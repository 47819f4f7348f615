// BMP through bmp-js. bmp-js assumes a 40-byte info header with pixels straight after the
// palette, so files are first rewritten into that canonical layout (headers only, pixel bytes
// untouched). Output: 1 channel when the palette is all gray, else RGB; the 4th byte of 32-bit
// BMPs is dropped (most writers leave it 0, so it is not a trustworthy alpha).
import bmp from 'bmp-js';
import type { DecodedImage } from '../../shared/image';
import type { DecodeOptions } from './decodeOptions';
import { checkDimensions, decodeFailed, singleFrameImage, truncated } from './sniff';

interface BmpHeader {
  dataOffset: number;
  headerSize: number;
  width: number;
  height: number;
  bpp: number;
  compression: number;
  colors: number;
}

function readHeader(bytes: Uint8Array, opts: DecodeOptions): BmpHeader {
  if (bytes.length < 30) throw truncated('BMP', opts, `only ${bytes.length} bytes, the header needs at least 30`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = v.getUint32(14, true);
  if (headerSize < 40) throw decodeFailed('BMP', opts, `OS/2-style ${headerSize}-byte header is not supported`);
  if (bytes.length < 54) throw truncated('BMP', opts, `only ${bytes.length} bytes, the info header needs 54`);
  return {
    dataOffset: v.getUint32(10, true),
    headerSize,
    width: v.getInt32(18, true),
    height: v.getInt32(22, true),
    bpp: v.getUint16(28, true),
    compression: v.getUint32(30, true),
    colors: v.getUint32(46, true),
  };
}

/** Rebuilds the file as BITMAPINFOHEADER + palette/masks + pixel rows, which is what bmp-js reads. */
function canonical(bytes: Uint8Array, h: BmpHeader, opts: DecodeOptions): { buffer: Buffer; palette: Uint8Array } {
  const rowBytes = Math.floor((h.bpp * h.width + 31) / 32) * 4;
  const rows = Math.abs(h.height);
  // The last row's padding is often omitted by writers; require only the bytes that hold pixels.
  const needed = h.dataOffset + rowBytes * (rows - 1) + Math.ceil((h.bpp * h.width) / 8);
  if (needed > bytes.length) throw truncated('BMP', opts, `pixel rows need ${needed} bytes, the file has ${bytes.length}`);

  const paletteEntries = h.bpp <= 8 ? (h.colors > 0 && h.colors <= 1 << h.bpp ? h.colors : 1 << h.bpp) : 0;
  const paletteStart = 14 + h.headerSize;
  const palette = bytes.subarray(paletteStart, paletteStart + paletteEntries * 4);
  if (palette.length < paletteEntries * 4) throw truncated('BMP', opts, 'palette is cut short');

  let compression = h.compression;
  let masks = new Uint8Array(0);
  if (h.compression === 3 || h.compression === 6) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [r, g, b] = [v.getUint32(54, true), v.getUint32(58, true), v.getUint32(62, true)];
    if (h.bpp === 32) {
      // Standard BGRX/BGRA masks are plain 32-bit pixels; anything else would be mis-decoded.
      if (r !== 0xff0000 || g !== 0xff00 || b !== 0xff) throw decodeFailed('BMP', opts, 'non-standard 32-bit colour masks are not supported');
      compression = 0;
    } else if (h.bpp === 16) {
      masks = new Uint8Array(16);
      new DataView(masks.buffer).setUint32(0, r, true);
      new DataView(masks.buffer).setUint32(4, g, true);
      new DataView(masks.buffer).setUint32(8, b, true);
      compression = 3;
    } else {
      throw decodeFailed('BMP', opts, `bit-field compression with ${h.bpp} bits per pixel is not supported`);
    }
  }
  const pixelBytes = bytes.subarray(h.dataOffset, Math.min(bytes.length, h.dataOffset + rowBytes * rows));
  const out = Buffer.alloc(54 + palette.length + masks.length + rowBytes * rows);
  out.set(bytes.subarray(0, 54), 0);
  out.writeUInt32LE(54 + palette.length + masks.length, 10);
  out.writeUInt32LE(40, 14);
  out.writeUInt32LE(compression, 30);
  out.writeUInt32LE(paletteEntries, 46);
  out.set(palette, 54);
  out.set(masks, 54 + palette.length);
  out.set(pixelBytes, 54 + palette.length + masks.length);
  return { buffer: out, palette };
}

export function decodeBmp(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const h = readHeader(bytes, opts);
  checkDimensions('BMP', h.width, Math.abs(h.height), opts);
  if (![1, 4, 8, 16, 24, 32].includes(h.bpp)) throw decodeFailed('BMP', opts, `${h.bpp} bits per pixel is not a BMP depth`);
  if (h.compression === 1 || h.compression === 2) {
    throw decodeFailed('BMP', opts, 'run-length-encoded BMP is not supported; re-save it uncompressed');
  }
  if (![0, 3, 6].includes(h.compression)) throw decodeFailed('BMP', opts, `compression ${h.compression} (embedded JPEG/PNG) is not supported`);
  const { buffer, palette } = canonical(bytes, h, opts);

  let decoded: { width: number; height: number; data: Buffer };
  try {
    decoded = bmp.decode(buffer);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof RangeError) throw truncated('BMP', opts, detail, err);
    throw decodeFailed('BMP', opts, detail, err);
  }
  const width = decoded.width;
  const height = decoded.height;
  const pixels = width * height;
  const abgr = decoded.data;
  let gray = palette.length > 0;
  for (let i = 0; gray && i < palette.length; i += 4) gray = palette[i] === palette[i + 1] && palette[i + 1] === palette[i + 2];
  const channels: 1 | 3 = gray ? 1 : 3;
  const data = new Uint8Array(pixels * channels);
  if (gray) {
    for (let p = 0; p < pixels; p++) data[p] = abgr[p * 4 + 3];
  } else {
    for (let p = 0, s = 0, o = 0; p < pixels; p++, s += 4, o += 3) {
      data[o] = abgr[s + 3];
      data[o + 1] = abgr[s + 2];
      data[o + 2] = abgr[s + 1];
    }
  }
  return singleFrameImage('bmp', width, height, channels, 8, data);
}
