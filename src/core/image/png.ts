// PNG through pngjs, keeping 16-bit samples (skipRescale) and the stored channel layout.
import { PNG } from 'pngjs';
import type { DecodedImage, SampleArray } from '../../shared/image';
import type { DecodeOptions } from './decodeOptions';
import { checkDimensions, decodeFailed, singleFrameImage, truncated } from './sniff';

interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
}

function readHeader(bytes: Uint8Array, opts: DecodeOptions): PngHeader {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + 13 bytes of fields.
  if (bytes.length < 33) throw truncated('PNG', opts, `only ${bytes.length} bytes, the IHDR header needs 33`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (type !== 'IHDR') throw decodeFailed('PNG', opts, `first chunk is "${type}", expected IHDR`);
  return { width: view.getUint32(16), height: view.getUint32(20), depth: bytes[24], colorType: bytes[25] };
}

function hasIend(bytes: Uint8Array): boolean {
  // IEND is the last chunk: "IEND" then its 4-byte CRC; tolerate a little trailing junk.
  const from = Math.max(0, bytes.length - 64);
  for (let i = bytes.length - 8; i >= from; i--) {
    if (bytes[i] === 0x49 && bytes[i + 1] === 0x45 && bytes[i + 2] === 0x4e && bytes[i + 3] === 0x44) return true;
  }
  return false;
}

/** Copies channel `first..first+count` of every RGBA pixel into a tightly packed array. */
function pick(src: Uint8Array | Uint16Array, pixels: number, count: number): SampleArray {
  const out = src instanceof Uint16Array ? new Uint16Array(pixels * count) : new Uint8Array(pixels * count);
  if (count === 1) {
    for (let p = 0, s = 0; p < pixels; p++, s += 4) out[p] = src[s];
  } else {
    for (let p = 0, s = 0, o = 0; p < pixels; p++, s += 4, o += 3) {
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return out;
}

function paletteIsGray(palette: unknown): boolean {
  if (!Array.isArray(palette)) return false;
  return palette.every((c: unknown) => Array.isArray(c) && c[0] === c[1] && c[1] === c[2] && (c[3] === undefined || c[3] === 255));
}

/** pngjs' errors in our words (its own texts are terse, and one is misspelt). */
export function pngFailure(detail: string): string {
  if (/read requests waiti?ng on finished stream|unexpected end/i.test(detail)) return 'the data stops before the image is complete';
  if (/crc/i.test(detail)) return 'a chunk checksum (CRC) does not match: the bytes were altered';
  if (/unrecognised content at end of stream/i.test(detail)) return 'the compressed image data runs past the end of the image';
  if (/invalid|incorrect header check|zlib|inflate|distance|block type/i.test(detail)) return 'the compressed image data (zlib) is corrupt';
  if (/filter/i.test(detail)) return 'a row uses an undefined filter type';
  if (/palette|plte|trns/i.test(detail)) return 'the palette is missing or invalid';
  return 'the chunk structure is invalid';
}

/**
 * Channel policy: gray → 1; gray+alpha → 1 (alpha dropped: it carries no intensity, and keeping
 * it would store a gray image as 4 channels); RGB → 3; RGBA → 4 (preprocessing drops alpha);
 * palette → 1 when the palette is all gray and opaque, else 3 (4 when it has transparency).
 * Sub-8-bit gray keeps its stored values with bitDepth 1/2/4.
 */
export function decodePng(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const header = readHeader(bytes, opts);
  checkDimensions('PNG', header.width, header.height, opts);
  let png: ReturnType<typeof PNG.sync.read> & { palette?: unknown };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (err) {
    const detail = pngFailure(err instanceof Error ? err.message : String(err));
    if (!hasIend(bytes)) throw truncated('PNG', opts, `no IEND chunk (${detail})`, err);
    throw decodeFailed('PNG', opts, detail, err);
  }
  const { width, height } = png;
  const pixels = width * height;
  const rgba = png.data as unknown as Uint8Array | Uint16Array;
  if (!rgba || rgba.length < pixels * 4) throw truncated('PNG', opts, 'pixel data is shorter than the header says');

  let channels: 1 | 3 | 4;
  let data: SampleArray;
  switch (header.colorType) {
    case 0:
    case 4:
      channels = 1;
      data = pick(rgba, pixels, 1);
      break;
    case 2:
      channels = 3;
      data = pick(rgba, pixels, 3);
      break;
    case 3:
      if (png.alpha) {
        channels = 4;
        data = new Uint8Array(rgba.buffer, rgba.byteOffset, pixels * 4).slice();
      } else if (paletteIsGray(png.palette)) {
        channels = 1;
        data = pick(rgba, pixels, 1);
      } else {
        channels = 3;
        data = pick(rgba, pixels, 3);
      }
      break;
    case 6:
      channels = 4;
      data = rgba instanceof Uint16Array ? rgba : new Uint8Array(rgba.buffer, rgba.byteOffset, pixels * 4);
      break;
    default:
      throw decodeFailed('PNG', opts, `colour type ${header.colorType} is not defined by the PNG standard`);
  }
  const bitDepth = header.colorType === 3 ? 8 : header.depth;
  return singleFrameImage('png', width, height, channels, bitDepth, data);
}
