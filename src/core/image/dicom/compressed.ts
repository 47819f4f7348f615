import type { SampleArray } from '../../../shared/image';
import { checkStreamHeader } from './codecHeader';
import { decodeHtj2k, decodeJ2k, decodeJpegBaseline, decodeJpegExtended, decodeJpegLossless, decodeJpegLs, stripJp2Boxes, type CodecFrame } from './codecs';
import { describeThrown, dicomError } from './errors';
import { normaliseCodecSamples } from './native';
import type { NativeCodecImage } from './nativeCodecs';
import type { PixelModule } from './pixelModule';
import type { TransferSyntax } from './transferSyntax';

export interface CompressedFrame {
  data: SampleArray;
  /** Colour space of `data` after the codec (JPEG and JPEG 2000 codecs convert YCbCr to RGB). */
  photometric: string;
}

function nativeImage(pm: PixelModule): NativeCodecImage {
  return {
    width: pm.columns,
    height: pm.rows,
    bitsAllocated: pm.bitsAllocated,
    bitsStored: pm.bitsStored,
    samplesPerPixel: pm.samplesPerPixel,
    signed: pm.signed,
    planar: false, // we want interleaved output whatever the data set says
    photometric: pm.photometric,
  };
}

/** Decode one compressed frame with the codec for its transfer syntax and check it against the header. */
export function decodeCompressedFrame(bytes: Uint8Array, pm: PixelModule, ts: TransferSyntax, index: number, file: string | undefined): CompressedFrame {
  let out: CodecFrame;
  let photometric = pm.photometric;
  const j2k = ts.encoding === 'j2k' || ts.encoding === 'htj2k';
  if (j2k) bytes = stripJp2Boxes(bytes);
  const header = checkStreamHeader(bytes, j2k ? 'j2k' : 'jpeg', pm, index, file);
  try {
    switch (ts.encoding) {
      case 'jpeg-progressive':
        // Spectral selection / full progression: only the IJG build decodes progressive 12-bit streams.
        out = decodeJpegExtended(bytes, nativeImage(pm), header.precision);
        if (pm.samplesPerPixel === 3 && photometric.startsWith('YBR')) photometric = 'RGB';
        break;
      case 'jpeg-baseline':
      case 'jpeg-extended': {
        const precision = header.precision;
        if (precision > 8) {
          if (precision !== 12) {
            throw dicomError('DICOM_UNSUPPORTED_TRANSFER_SYNTAX', `frame ${index + 1} is ${precision}-bit lossy JPEG (${ts.name}); only 8- and 12-bit lossy JPEG exist in DICOM`, file, 'the compressed pixel data is not valid DICOM JPEG; re-export it');
          }
          if (pm.bitsAllocated !== 16) {
            throw dicomError('DICOM_INVALID', `frame ${index + 1} is 12-bit lossy JPEG but Bits Allocated is ${pm.bitsAllocated}`, file, 'the image attributes contradict the compressed pixel data');
          }
          out = decodeJpegExtended(bytes, nativeImage(pm), precision);
        } else {
          out = decodeJpegBaseline(bytes);
        }
        // libjpeg converts YCbCr to RGB on output (both builds, as configured).
        if (pm.samplesPerPixel === 3 && photometric.startsWith('YBR')) photometric = 'RGB';
        break;
      }
      case 'jpeg-lossless':
        out = decodeJpegLossless(bytes, pm.bitsAllocated);
        break;
      case 'jpeg-ls':
        out = decodeJpegLs(bytes);
        break;
      case 'j2k':
        out = decodeJ2k(bytes);
        // OpenJPEG applies the inverse component transform itself.
        if (pm.samplesPerPixel === 3 && (photometric === 'YBR_ICT' || photometric === 'YBR_RCT')) photometric = 'RGB';
        break;
      case 'htj2k':
        out = decodeHtj2k(bytes);
        if (pm.samplesPerPixel === 3 && (photometric === 'YBR_ICT' || photometric === 'YBR_RCT')) photometric = 'RGB';
        break;
      default:
        throw dicomError('DICOM_UNSUPPORTED_TRANSFER_SYNTAX', `${ts.name} is not supported`, file);
    }
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e && (e as { name?: string }).name === 'AnomalyLensError') throw e;
    throw dicomError('DECODE_FAILED', `frame ${index + 1} could not be decoded as ${ts.name} (${describeThrown(e)})`, file, 'the compressed pixel data is corrupt or truncated', e);
  }
  if (out.width !== pm.columns || out.height !== pm.rows) {
    throw dicomError('DECODE_FAILED', `frame ${index + 1} decodes to ${out.width}x${out.height}; the header says ${pm.columns}x${pm.rows}`, file, 'the compressed pixel data does not match the image attributes');
  }
  if (out.components !== pm.samplesPerPixel) {
    throw dicomError('DECODE_FAILED', `frame ${index + 1} has ${out.components} component(s); the header says ${pm.samplesPerPixel}`, file, 'the compressed pixel data does not match the image attributes');
  }
  const expected = pm.rows * pm.columns * pm.samplesPerPixel;
  if (out.data.length < expected) {
    throw dicomError('DICOM_PIXEL_DATA_SHORT', `frame ${index + 1} decodes to ${out.data.length} of ${expected} samples`, file);
  }
  const data = out.data.length > expected ? out.data.subarray(0, expected) : out.data;
  return { data: normaliseCodecSamples(data, pm.bitsAllocated, pm.bitsStored, pm.signed), photometric };
}
