// DICOM decoder: Part 10 or bare data sets, every common transfer syntax, stored values out.
// See docs/dicom.md for the pixel pipeline and the mapping choices.
import type { DataSet } from 'dicom-parser';
import type { DecodedImage, DisplayWindow, ImageFrame, ImageMetadata, SampleArray } from '../../../shared/image';
import { AnomalyLensError } from '../../../shared/errors';
import type { DecodeOptions } from '../decodeOptions';
import { decimals, firstItem, str } from './attributes';
import { decodeCompressedFrame } from './compressed';
import { applyPalette, expandYbr422, planarToInterleaved, readPalette, ybrFullToRgb } from './color';
import { describeThrown, dicomError } from './errors';
import { frameBytes, splitFrames } from './frames';
import { unpackSamples } from './native';
import { nativeFrames } from './nativeFrames';
import { asPlainBytes, hasPreamble, inflate, parseDicomBytes, sniffRawSyntax } from './parse';
import { readPixelModule, type PixelModule } from './pixelModule';
import { decodeRleFrame } from './rle';
import { findTransferSyntax, transferSyntaxName, type TransferSyntax } from './transferSyntax';
import { readJpegHeader, sniffStreamFamily } from './codecHeader';
import { minMaxWindow, readModalityLut, readRescale, readVoiLuts, readWindows, windowForLut } from './voi';

export { transferSyntaxName } from './transferSyntax';

/**
 * Optional warm-up: compile every codec now (synchronously, a short pause) instead of on the first file
 * that needs it. Decoding never requires it; every codec loads synchronously on first use.
 */
export { loadAllCodecs as loadDicomCodecs } from './codecs';

/** DICOM Part 10 (DICM at 128) or a bare data set that starts with a plausible element. */
export function isDicom(bytes: Uint8Array): boolean {
  return hasPreamble(bytes) || (bytes.length >= 16 && sniffRawSyntax(bytes) !== undefined);
}

export function decodeDicom(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const file = opts.path;
  try {
    return decode(asPlainBytes(bytes), opts);
  } catch (e) {
    if (e instanceof AnomalyLensError) throw file ? e.withFile(file) : e;
    throw dicomError('DECODE_FAILED', `the DICOM file could not be decoded (${describeThrown(e)})`, file, undefined, e);
  }
}

function decode(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const file = opts.path;
  const maxInflated = Math.min(opts.maxPixels * 12 + 2 ** 24, 2 ** 31 - 1);
  const { dataSet: ds, transferSyntax: ts, transferSyntaxUid } = parseDicomBytes(bytes, file, maxInflated);
  const pm = readPixelModule(ds, file);
  if (!ts) {
    throw dicomError('DICOM_UNSUPPORTED_TRANSFER_SYNTAX', `transfer syntax ${transferSyntaxUid} (${transferSyntaxName(transferSyntaxUid)}) is not supported`, file, 'convert the file to an uncompressed or standard compressed transfer syntax (e.g. with dcmconv or gdcmconv)');
  }
  const totalPixels = pm.rows * pm.columns * pm.frameCount;
  if (totalPixels > opts.maxPixels) {
    throw dicomError('IMAGE_TOO_LARGE', `the image has ${pm.columns}x${pm.rows} pixels x ${pm.frameCount} frame(s) = ${totalPixels}, over the limit of ${opts.maxPixels}`, file, 'raise the pixel limit in the settings if this image is expected');
  }
  const stored = decodeFrames(ds, pm, ts, file);
  return assemble(ds, pm, ts, stored, file);
}

/** Stored values per frame, interleaved, still in the file's colour space (YBR converted later). */
interface StoredFrames {
  frames: SampleArray[];
  /** Colour space of `frames`: codecs that colour-convert themselves report RGB. */
  photometric: string;
  warnings?: string[];
}

function decodeFrames(ds: DataSet, pm: PixelModule, ts: TransferSyntax, file: string | undefined): StoredFrames {
  const el = pm.pixelElement;
  if (ts.encoding === 'native') {
    if (!el.encapsulatedPixelData) return { ...nativeFrames(ds, pm, ts.littleEndian, file), photometric: pm.photometric };
    // Encapsulated under a native syntax (a writer's mistake): the codec is read from the stream itself.
    const sniffed = streamSyntax(ds, el);
    if (!sniffed) {
      throw dicomError('DICOM_INVALID', `Pixel Data is encapsulated but the transfer syntax (${ts.name}) is native, and the stream is not JPEG, JPEG-LS or JPEG 2000`, file);
    }
    ts = sniffed;
  }
  if (!el.encapsulatedPixelData) {
    throw dicomError('DICOM_INVALID', `Pixel Data is not encapsulated but the transfer syntax (${ts.name}) is compressed`, file);
  }
  const split = splitFrames(ds, el, pm.frameCount, ts.encoding, file);
  const frames: SampleArray[] = [];
  const warnings: string[] = [];
  const broken: { index: number; error: AnomalyLensError }[] = [];
  let photometric = pm.photometric;
  for (let i = 0; i < pm.frameCount; i++) {
    // One damaged frame of a series does not cost the others: it is padded and reported (as DCMTK does).
    if (pm.frameCount > 1 && i < split.length) {
      try {
        photometric = decodeOneFrame(ds, pm, ts, split[i], i, file, frames);
      } catch (e) {
        if (!(e instanceof AnomalyLensError) || !PADDABLE.has(e.code)) throw e;
        broken.push({ index: i, error: e });
        frames.push(new Uint8Array(0));
      }
      continue;
    }
    photometric = decodeOneFrame(ds, pm, ts, split[i], i, file, frames);
  }
  if (broken.length > 0) {
    const good = frames.find((f) => f.length > 0);
    if (!good) throw broken[0].error;
    for (const b of broken) frames[b.index] = new (good.constructor as new (n: number) => SampleArray)(good.length);
    warnings.push(...broken.map((b) => `frame ${b.index + 1} of ${pm.frameCount} could not be decoded and was padded with zeros (${b.error.message})`));
  }
  return { frames, photometric, warnings };
}

const PADDABLE = new Set(['DICOM_PIXEL_DATA_SHORT', 'DECODE_FAILED', 'FILE_TRUNCATED']);

/** Decodes frame `i` onto `frames`; returns the colour space the codec left it in. */
function decodeOneFrame(ds: DataSet, pm: PixelModule, ts: TransferSyntax, frags: ReturnType<typeof splitFrames>[number], i: number, file: string | undefined, frames: SampleArray[]): string {
  let photometric = pm.photometric;
  {
    const bytes = frameBytes(ds, frags);
    const layout = { bitsAllocated: pm.bitsAllocated, bitsStored: pm.bitsStored, highBit: pm.highBit, signed: pm.signed, littleEndian: true };
    const samples = pm.rows * pm.columns * pm.samplesPerPixel;
    if (ts.encoding === 'deflate-frame') {
      // Each frame is a raw deflate stream of its native little endian bytes (1-bit data packed).
      const native = inflate(bytes, file, Math.ceil((samples * pm.bitsAllocated) / 8) + 16);
      if (native.length * 8 < samples * pm.bitsAllocated) {
        throw dicomError('DICOM_PIXEL_DATA_SHORT', `frame ${i + 1} inflates to ${native.length} bytes; ${Math.ceil((samples * pm.bitsAllocated) / 8)} needed`, file);
      }
      let f = unpackSamples(native, 0, samples, layout);
      if (pm.planar) f = planarToInterleaved(f, pm.rows * pm.columns);
      frames.push(f);
    } else if (ts.encoding === 'rle') {
      const le = decodeRleFrame(bytes, pm.rows, pm.columns, pm.samplesPerPixel, pm.bitsAllocated, file);
      frames.push(unpackSamples(le, 0, samples, layout));
    } else {
      const out = decodeCompressedFrame(bytes, pm, ts, i, file);
      frames.push(out.data);
      photometric = out.photometric;
    }
  }
  return photometric;
}

/** The transfer syntax an encapsulated stream's first bytes and start-of-frame marker imply. */
function streamSyntax(ds: DataSet, el: PixelModule['pixelElement']): TransferSyntax | undefined {
  const first = (el.fragments ?? []).find((f) => f.length > 0);
  if (!first) return undefined;
  const head = ds.byteArray.subarray(first.position, first.position + first.length);
  const family = sniffStreamFamily(head);
  if (family === 'j2k') {
    // Rsiz bit 14 marks an HTJ2K codestream.
    return findTransferSyntax(head.length > 5 && head[4] & 0x40 ? '1.2.840.10008.1.2.4.201' : '1.2.840.10008.1.2.4.90');
  }
  if (family !== 'jpeg') return undefined;
  const sof = readJpegHeader(head)?.sof;
  const uid =
    sof === 0xc3 ? '1.2.840.10008.1.2.4.70' : sof === 0xf7 ? '1.2.840.10008.1.2.4.80' : sof === 0xc2 ? '1.2.840.10008.1.2.4.55' : sof === 0xc1 ? '1.2.840.10008.1.2.4.51' : sof === 0xc0 ? '1.2.840.10008.1.2.4.50' : undefined;
  return uid ? findTransferSyntax(uid) : undefined;
}

function assemble(ds: DataSet, pm: PixelModule, ts: TransferSyntax, stored: StoredFrames, file: string | undefined): DecodedImage {
  const pixels = pm.rows * pm.columns;
  let frames = stored.frames;
  let channels: 1 | 3 = pm.samplesPerPixel === 3 ? 3 : 1;
  let bitDepth = pm.pixelTag === 'x7fe00010' ? pm.bitsStored : 32;
  const photometric = stored.photometric;
  if (channels === 3) {
    if (ts.encoding === 'native' && photometric === 'YBR_FULL_422') frames = frames.map((f) => expandYbr422(f, pm.rows, pm.columns));
    else if (ts.encoding === 'native' && pm.planar) frames = frames.map((f) => planarToInterleaved(f, pixels));
    if (photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422') frames = frames.map((f) => ybrFullToRgb(f, pm.bitsStored));
  } else if (photometric === 'PALETTE COLOR') {
    const palette = readPalette(ds, pm.signed, file);
    frames = frames.map((f) => applyPalette(f, palette));
    channels = 3;
    bitDepth = palette.bits;
  }
  const grayscale = channels === 1;
  // PS3.3 C.11.1: a Modality LUT Sequence, when present, is the modality transform; rescale is not applied.
  const modalityLut = grayscale ? readModalityLut(ds, pm.signed) : undefined;
  const rescale = grayscale && !modalityLut ? readRescale(ds) : { slope: 1, intercept: 0 };
  const voiLuts = grayscale ? readVoiLuts(ds, pm.signed || rescale.intercept < 0) : [];
  let windows: DisplayWindow[] = grayscale ? readWindows(ds) : [];
  if (windows.length === 0 && voiLuts.length > 0) windows = voiLuts.map(windowForLut);
  if (windows.length === 0) {
    windows = grayscale
      ? [minMaxWindow(frames, rescale.slope, rescale.intercept, modalityLut)]
      : [{ center: 2 ** bitDepth / 2, width: 2 ** bitDepth, label: 'full range' }];
  }
  const image: DecodedImage = {
    format: 'dicom',
    width: pm.columns,
    height: pm.rows,
    channels,
    bitDepth,
    frameCount: pm.frameCount,
    frames: frames.map((data): ImageFrame => ({ data })),
    rescale,
    windows,
    invert: pm.photometric === 'MONOCHROME1',
    meta: readMeta(ds, pm, ts),
  };
  if (voiLuts.length > 0) image.voiLuts = voiLuts;
  if (stored.warnings?.length) image.warnings = stored.warnings;
  if (modalityLut) image.modalityLut = modalityLut;
  return image;
}

/** The only tags that leave the decoder: none of them identifies a patient. */
function readMeta(ds: DataSet, pm: PixelModule, ts: TransferSyntax): ImageMetadata {
  const meta: ImageMetadata = {
    rows: pm.rows,
    columns: pm.columns,
    photometricInterpretation: pm.photometric,
    transferSyntaxUid: ts.uid,
    bitsStored: pm.bitsStored,
    signed: pm.signed,
  };
  const modality = str(ds, 'x00080060');
  if (modality) meta.modality = modality;
  const sop = str(ds, 'x00080018');
  if (sop && /^[0-9.]+$/.test(sop)) meta.sopInstanceUid = sop;
  const spacingSource = ds.elements.x00280030 ? ds : firstItem(firstItem(ds, 'x52009229'), 'x00289110') ?? firstItem(firstItem(ds, 'x52009230'), 'x00289110');
  const spacing = spacingSource ? decimals(spacingSource, 'x00280030') : decimals(ds, 'x00181164');
  const fallback = spacing.length >= 2 ? spacing : decimals(ds, 'x00181164');
  if (fallback.length >= 2 && fallback[0] > 0 && fallback[1] > 0) meta.pixelSpacing = [fallback[0], fallback[1]];
  return meta;
}
