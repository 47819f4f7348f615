/**
 * Frames of native (uncompressed) Pixel Data. A multi-frame element shorter than Rows x Columns x
 * frames keeps its complete frames: the missing tail is zeros and a warning names the frames
 * affected (DCMTK does the same). A single frame, or less than one whole frame, is refused.
 */
import type { DataSet } from 'dicom-parser';
import type { SampleArray } from '../../../shared/image';
import { dicomError } from './errors';
import { unpackFloats, unpackSamples } from './native';
import type { PixelModule } from './pixelModule';

export interface NativeFrames {
  frames: SampleArray[];
  warnings: string[];
}

export function nativeFrames(ds: DataSet, pm: PixelModule, littleEndian: boolean, file: string | undefined): NativeFrames {
  const el = pm.pixelElement;
  const pixels = pm.rows * pm.columns;
  const is422 = pm.photometric === 'YBR_FULL_422' && pm.samplesPerPixel === 3;
  const samples = is422 ? pixels * 2 : pixels * pm.samplesPerPixel;
  const bits = pm.pixelTag === 'x7fe00010' ? pm.bitsAllocated : pm.pixelTag === 'x7fe00008' ? 32 : 64;
  const frameBitCount = samples * bits;
  const needed = Math.ceil((frameBitCount * pm.frameCount) / 8);
  const end = el.dataOffset + el.length;
  if (end > ds.byteArray.length) {
    throw dicomError('FILE_TRUNCATED', `the file ends inside Pixel Data: ${ds.byteArray.length - el.dataOffset} of ${el.length} bytes present`, file, 'the file was cut short; copy or export it again');
  }
  const warnings: string[] = [];
  let bytes: Uint8Array;
  if (el.length >= needed) {
    bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + needed);
  } else {
    const whole = Math.floor((el.length * 8) / frameBitCount);
    if (pm.frameCount === 1 || whole === 0) {
      throw dicomError('DICOM_PIXEL_DATA_SHORT', `Pixel Data has ${el.length} bytes; ${pm.columns}x${pm.rows}x${pm.samplesPerPixel} samples of ${bits} bits x ${pm.frameCount} frame(s) need ${needed}`, file, 'the pixel data is truncated or the image attributes are wrong');
    }
    bytes = new Uint8Array(needed);
    bytes.set(ds.byteArray.subarray(el.dataOffset, end));
    const first = whole + 1;
    const frames = first === pm.frameCount ? `frame ${first}` : `frames ${first}-${pm.frameCount}`;
    warnings.push(`Pixel Data has ${el.length} of the ${needed} bytes ${pm.frameCount} frames need: ${frames} of ${pm.frameCount} ${first === pm.frameCount ? 'was' : 'were'} padded with zeros`);
  }
  if (!littleEndian && pm.bitsAllocated === 8 && el.vr === 'OW') bytes = swapPairs(bytes);
  const frames: SampleArray[] = [];
  for (let i = 0; i < pm.frameCount; i++) {
    if (pm.pixelTag !== 'x7fe00010') {
      frames.push(unpackFloats(bytes, (i * frameBitCount) / 8, samples, bits as 32 | 64, littleEndian));
    } else {
      const layout = { bitsAllocated: pm.bitsAllocated, bitsStored: pm.bitsStored, highBit: pm.highBit, signed: pm.signed, littleEndian };
      frames.push(unpackSamples(bytes, i * frameBitCount, samples, layout));
    }
  }
  return { frames, warnings };
}

/** Explicit big endian OW with 8-bit samples: bytes are swapped within each 16-bit word. */
function swapPairs(src: Uint8Array): Uint8Array {
  const out = src.slice();
  for (let i = 0; i + 1 < out.length; i += 2) {
    out[i] = src[i + 1];
    out[i + 1] = src[i];
  }
  return out;
}
