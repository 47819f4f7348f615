// Format detection from magic bytes only (file extensions lie, headers do not), and the small
// helpers every decoder shares: errors, dimension checks, the default window, the decoded value.
import { AnomalyLensError } from '../../shared/errors';
import type { DecodeOptions } from './decodeOptions';
import type { DecodedImage, DisplayWindow, SampleArray } from '../../shared/image';

export type SniffedFormat = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'dicom';

export const SUPPORTED_FORMATS = 'PNG, JPEG, TIFF, BMP and DICOM';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

/** DICOM Part 10 files carry "DICM" after a 128-byte preamble; the preamble may itself look like TIFF. */
function hasDicomPreamble(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x44, 0x49, 0x43, 0x4d], 128);
}

/**
 * Which decoder should read these bytes, or undefined when nothing matches. Order: DICOM with
 * its preamble first (dual-personality DICOM/TIFF files exist), then the raster magics. The
 * caller (decode.ts) asks the DICOM module's own check only when nothing matched here, which
 * keeps this module and the raster codecs free of the DICOM decoder.
 */
export function sniffFormat(bytes: Uint8Array): SniffedFormat | undefined {
  if (hasDicomPreamble(bytes)) return 'dicom';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  // BigTIFF (version 43) is recognised so the TIFF decoder can say it is unsupported.
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length >= 26) return 'bmp';
  return undefined;
}

// ---- Header-level checks shared by the decoders (run before any pixel is decoded). ----

/** Refuses empty and oversized images from header values, so a decompression bomb is never inflated. */
export function checkDimensions(format: string, width: number, height: number, opts: DecodeOptions, frames = 1): void {
  if (!Number.isFinite(width) || !Number.isFinite(height) || width <= 0 || height <= 0) {
    throw new AnomalyLensError('IMAGE_EMPTY', `${format} header says the image is ${width}x${height} pixels`, {
      file: opts.path,
      hint: 'The file has no pixels; re-export it from the source application.',
    });
  }
  const pixels = width * height * frames;
  if (pixels > opts.maxPixels) {
    const what = frames > 1 ? `${frames} frames of ${width}x${height}` : `${width}x${height}`;
    throw new AnomalyLensError('IMAGE_TOO_LARGE', `${format} image is ${what} = ${pixels} pixels, over the limit of ${opts.maxPixels}`, {
      file: opts.path,
      hint: 'Downscale or tile the image, or raise the maximum image size setting.',
    });
  }
}

export function truncated(format: string, opts: DecodeOptions, detail: string, cause?: unknown): AnomalyLensError {
  return new AnomalyLensError('FILE_TRUNCATED', `${format} file ends early: ${detail}`, {
    file: opts.path,
    hint: 'The file was cut short (interrupted copy or download); copy it again from the source.',
    cause,
  });
}

export function decodeFailed(format: string, opts: DecodeOptions, detail: string, cause?: unknown): AnomalyLensError {
  return new AnomalyLensError('DECODE_FAILED', `${format} file could not be decoded: ${detail}`, {
    file: opts.path,
    hint: 'The file may be corrupt or use an unsupported variant; re-save it as an 8/16-bit PNG or TIFF.',
    cause,
  });
}

/** Full stored range for integer depths up to 8 bits; the data's min–max for deeper or float data. */
export function defaultWindow(data: SampleArray, channels: number, bitDepth: number): DisplayWindow {
  if (bitDepth <= 8 && (data instanceof Uint8Array)) {
    // Window [center - width/2, center + width/2] maps linearly to [0, 1]: here exactly v / max.
    const max = 2 ** bitDepth - 1;
    return { center: max / 2, width: max, label: 'full range' };
  }
  let lo = Infinity;
  let hi = -Infinity;
  const step = channels === 4 ? 4 : 1;
  const colour = channels === 4 ? 3 : 1;
  for (let i = 0; i < data.length; i += step) {
    for (let c = 0; c < colour; c++) {
      const v = data[i + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) return { center: 0.5, width: 1, label: 'min–max' };
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1e-6), label: 'min–max' };
}

/** The decoded value for a plain single-frame image: identity rescale, default window, not inverted. */
export function singleFrameImage(
  format: DecodedImage['format'],
  width: number,
  height: number,
  channels: DecodedImage['channels'],
  bitDepth: number,
  data: SampleArray,
): DecodedImage {
  return {
    format,
    width,
    height,
    channels,
    bitDepth,
    frameCount: 1,
    frames: [{ data }],
    rescale: { slope: 1, intercept: 0 },
    windows: [defaultWindow(data, channels, bitDepth)],
    invert: false,
    meta: { rows: height, columns: width, bitsStored: bitDepth },
  };
}
