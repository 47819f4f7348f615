// One entry point for every supported file: sniff the magic bytes, hand off to the codec, and
// make sure whatever goes wrong comes back as an AnomalyLensError naming the file.
import { AnomalyLensError } from '../../shared/errors';
import type { DecodedImage } from '../../shared/image';
import type { DecodeOptions } from './decodeOptions';
import { decodeDicom, isDicom } from './dicom';
import { decodeBmp } from './bmp';
import { decodeJpeg } from './jpeg';
import { decodePng } from './png';
import { decodeTiff } from './tiff';
import { SUPPORTED_FORMATS, decodeFailed, sniffFormat, type SniffedFormat } from './sniff';

export { sniffFormat, SUPPORTED_FORMATS };
export type { SniffedFormat };

const DECODERS: Record<SniffedFormat, (bytes: Uint8Array, opts: DecodeOptions) => DecodedImage> = {
  png: decodePng,
  jpeg: decodeJpeg,
  tiff: decodeTiff,
  bmp: decodeBmp,
  dicom: decodeDicom,
};

/**
 * Decodes PNG, JPEG, TIFF, BMP or DICOM bytes (synchronous). Sizes are checked from the header
 * before pixels are decoded wherever the format allows, so oversized files are refused cheaply.
 */
export function decodeImage(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  if (bytes.length === 0) {
    throw new AnomalyLensError('FILE_EMPTY', 'the file is empty (0 bytes)', {
      file: opts.path,
      hint: 'The file may still be downloading or was truncated to nothing; check the source.',
    });
  }
  // Preamble-less DICOM is only tried when no other magic matched.
  const format = sniffFormat(bytes) ?? (isDicom(bytes) ? 'dicom' : undefined);
  if (!format) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new AnomalyLensError('UNKNOWN_FORMAT', `not a recognised image (first bytes: ${head})`, {
      file: opts.path,
      hint: `Supported formats are ${SUPPORTED_FORMATS}; the format is detected from the file content, not its extension.`,
    });
  }
  let img: DecodedImage;
  try {
    img = DECODERS[format](bytes, opts);
  } catch (err) {
    if (err instanceof AnomalyLensError) throw opts.path ? err.withFile(opts.path) : err;
    throw decodeFailed(format.toUpperCase(), opts, err instanceof Error ? err.message : String(err), err);
  }
  if (img.width <= 0 || img.height <= 0 || img.frames.length === 0) {
    throw new AnomalyLensError('IMAGE_EMPTY', `${format.toUpperCase()} image has no pixels (${img.width}x${img.height}, ${img.frames.length} frames)`, {
      file: opts.path,
    });
  }
  return img;
}
