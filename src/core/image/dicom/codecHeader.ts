/**
 * What a codestream says about itself (JPEG SOF, JPEG-LS SOF55, J2K SIZ), read before any codec
 * runs: a stream that claims more pixels than the DICOM header would make the codec allocate for
 * its own claim, so a 6 KB file could otherwise ask for gigabytes.
 */
import { dicomError } from './errors';
import type { PixelModule } from './pixelModule';

export type StreamFamily = 'jpeg' | 'j2k';

export interface StreamHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** JPEG start-of-frame marker (0xC0..0xCF, 0xF7 for JPEG-LS); undefined for J2K. */
  sof?: number;
}

const isSof = (m: number): boolean => (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;

/** The first start-of-frame segment of a JPEG or JPEG-LS stream. */
export function readJpegHeader(bytes: Uint8Array): StreamHeader | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 3 < bytes.length) {
    if (bytes[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd8) || marker === 0x01) {
      p += 2;
      continue;
    }
    if (isSof(marker)) {
      if (p + 9 >= bytes.length) return undefined;
      return {
        sof: marker,
        precision: bytes[p + 4],
        height: (bytes[p + 5] << 8) | bytes[p + 6],
        width: (bytes[p + 7] << 8) | bytes[p + 8],
        components: bytes[p + 9],
      };
    }
    // Scan data before any frame header: not a stream we can size.
    if (marker === 0xda || marker === 0xd9) return undefined;
    p += 2 + ((bytes[p + 2] << 8) | bytes[p + 3]);
  }
  return undefined;
}

/** The SIZ segment that must follow SOC in a JPEG 2000 / HTJ2K codestream. */
export function readJ2kHeader(bytes: Uint8Array): StreamHeader | undefined {
  if (bytes.length < 42 || bytes[0] !== 0xff || bytes[1] !== 0x4f || bytes[2] !== 0xff || bytes[3] !== 0x51) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const xsiz = v.getUint32(8);
  const ysiz = v.getUint32(12);
  const xo = v.getUint32(16);
  const yo = v.getUint32(20);
  const components = v.getUint16(40);
  const precision = bytes.length > 42 ? (bytes[42] & 0x7f) + 1 : 0;
  return { width: xsiz - xo, height: ysiz - yo, components, precision };
}

/** Which family a stream belongs to by its first bytes (encapsulated data whatever the header says). */
export function sniffStreamFamily(bytes: Uint8Array): StreamFamily | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (bytes[0] === 0xff && bytes[1] === 0x4f) return 'j2k';
  return undefined;
}

/**
 * Refuses a frame whose codestream disagrees with Rows, Columns and Samples per Pixel, so that no
 * codec ever allocates beyond the frame's own byte budget (Rows x Columns x samples x bytes).
 */
export function checkStreamHeader(bytes: Uint8Array, family: StreamFamily, pm: PixelModule, index: number, file: string | undefined): StreamHeader {
  const h = family === 'jpeg' ? readJpegHeader(bytes) : readJ2kHeader(bytes);
  const what = family === 'jpeg' ? 'JPEG start-of-frame' : 'JPEG 2000 SIZ';
  if (!h) {
    throw dicomError('DECODE_FAILED', `frame ${index + 1} has no readable ${what} header`, file, 'the compressed pixel data is corrupt or truncated');
  }
  if (h.width !== pm.columns || h.height !== pm.rows) {
    throw dicomError('DECODE_FAILED', `frame ${index + 1}'s ${what} says ${h.width}x${h.height}; the header says ${pm.columns}x${pm.rows}`, file, 'the compressed pixel data does not match the image attributes; it was not decoded');
  }
  if (h.components !== pm.samplesPerPixel) {
    throw dicomError('DECODE_FAILED', `frame ${index + 1}'s ${what} has ${h.components} component(s); the header says ${pm.samplesPerPixel}`, file, 'the compressed pixel data does not match the image attributes; it was not decoded');
  }
  if (h.precision < 1 || h.precision > 16) {
    throw dicomError('DECODE_FAILED', `frame ${index + 1}'s ${what} says ${h.precision}-bit samples`, file, 'the compressed pixel data is corrupt');
  }
  return h;
}
