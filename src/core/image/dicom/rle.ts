import { dicomError } from './errors';

/**
 * RLE Lossless (PS3.5 Annex G). One frame: a 64-byte header (segment count + 15 offsets), then
 * one PackBits segment per byte plane, most significant byte first, sample by sample.
 * Returns the frame as native little-endian interleaved bytes so the native unpacker can finish.
 */
export function decodeRleFrame(frame: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number, file: string | undefined): Uint8Array {
  if (frame.length < 64) throw dicomError('DICOM_PIXEL_DATA_SHORT', `an RLE frame is ${frame.length} bytes, shorter than its 64-byte header`, file);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segmentCount = view.getUint32(0, true);
  const bytesPerSample = Math.ceil(bitsAllocated / 8);
  const expected = bytesPerSample * samplesPerPixel;
  if (segmentCount !== expected) {
    throw dicomError('DICOM_INVALID', `an RLE frame has ${segmentCount} segments; ${expected} expected for ${samplesPerPixel} sample(s) of ${bitsAllocated} bits`, file);
  }
  // 1-bit data is RLE-coded as its packed bytes (PS3.5 G.2: the byte stream is the native frame).
  const pixels = bitsAllocated === 1 ? Math.ceil((rows * columns) / 8) : rows * columns;
  const stride = expected;
  const out = new Uint8Array(pixels * stride);
  for (let s = 0; s < segmentCount; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segmentCount ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > frame.length || end < start || end > frame.length) {
      throw dicomError('DICOM_INVALID', `RLE segment ${s + 1} has an offset outside its frame`, file);
    }
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // MSB segment first -> LE high byte
    const written = unpackBitsInto(frame, start, end, out, sample * bytesPerSample + byteInSample, stride, pixels);
    if (written < pixels) {
      throw dicomError('DICOM_PIXEL_DATA_SHORT', `RLE segment ${s + 1} decodes to ${written} of ${pixels} bytes`, file, 'the compressed pixel data is truncated');
    }
  }
  return out;
}

/** PackBits into every `stride`-th byte of `out`, starting at `first`; stops when the plane is full. */
function unpackBitsInto(src: Uint8Array, start: number, end: number, out: Uint8Array, first: number, stride: number, count: number): number {
  let i = start;
  let n = 0;
  let o = first;
  while (i < end && n < count) {
    const h = src[i++];
    if (h < 128) {
      const len = Math.min(h + 1, count - n, end - i);
      for (let k = 0; k < len; k++, o += stride) out[o] = src[i + k];
      i += h + 1;
      n += len;
    } else if (h > 128) {
      if (i >= end) break;
      const v = src[i++];
      const len = Math.min(257 - h, count - n);
      for (let k = 0; k < len; k++, o += stride) out[o] = v;
      n += len;
    }
    // h === 128: no-op
  }
  return n;
}
