import type { SampleArray } from '../../../shared/image';

/** How stored samples are laid out in a byte buffer. */
export interface SampleLayout {
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  littleEndian: boolean;
}

/**
 * Unpack `count` samples starting at bit `bitOffset` of `bytes` into stored values:
 * shift by HighBit, mask to BitsStored, sign-extend when signed (PS3.5 §8.1.1).
 */
export function unpackSamples(bytes: Uint8Array, bitOffset: number, count: number, layout: SampleLayout): SampleArray {
  const { bitsAllocated } = layout;
  if (bitsAllocated === 1) return unpackBits(bytes, bitOffset, count);
  const byteOffset = bitOffset / 8;
  if (bitsAllocated === 8) return unpack8(bytes.subarray(byteOffset, byteOffset + count), layout);
  if (bitsAllocated === 16) return unpack16(bytes.subarray(byteOffset, byteOffset + count * 2), count, layout);
  return unpack32(bytes.subarray(byteOffset, byteOffset + count * 4), count, layout);
}

function unpackBits(bytes: Uint8Array, bitOffset: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = bitOffset + i;
    out[i] = (bytes[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}

function shiftOf(l: SampleLayout): number {
  return l.highBit + 1 - l.bitsStored;
}

function unpack8(src: Uint8Array, l: SampleLayout): Uint8Array | Int16Array {
  const shift = shiftOf(l);
  const mask = (1 << l.bitsStored) - 1;
  if (!l.signed) {
    if (l.bitsStored === 8) return src.slice();
    const out = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = (src[i] >> shift) & mask;
    return out;
  }
  const out = new Int16Array(src.length);
  const sx = 32 - l.bitsStored;
  for (let i = 0; i < src.length; i++) out[i] = ((((src[i] >> shift) & mask) << sx) >> sx);
  return out;
}

/** Copy into an aligned buffer in machine (little-endian) order. */
function alignedCopy(src: Uint8Array, width: 2 | 4, littleEndian: boolean): ArrayBuffer {
  const copy = src.slice();
  if (!littleEndian) {
    if (width === 2) {
      for (let i = 0; i + 1 < copy.length; i += 2) {
        const t = copy[i];
        copy[i] = copy[i + 1];
        copy[i + 1] = t;
      }
    } else {
      for (let i = 0; i + 3 < copy.length; i += 4) {
        let t = copy[i];
        copy[i] = copy[i + 3];
        copy[i + 3] = t;
        t = copy[i + 1];
        copy[i + 1] = copy[i + 2];
        copy[i + 2] = t;
      }
    }
  }
  return copy.buffer;
}

function unpack16(src: Uint8Array, count: number, l: SampleLayout): Uint16Array | Int16Array {
  const buffer = alignedCopy(src, 2, l.littleEndian);
  const shift = shiftOf(l);
  if (l.bitsStored === 16) return l.signed ? new Int16Array(buffer, 0, count) : new Uint16Array(buffer, 0, count);
  const raw = new Uint16Array(buffer, 0, count);
  const mask = (1 << l.bitsStored) - 1;
  if (!l.signed) {
    for (let i = 0; i < count; i++) raw[i] = (raw[i] >> shift) & mask;
    return raw;
  }
  const out = new Int16Array(buffer, 0, count);
  const sx = 32 - l.bitsStored;
  for (let i = 0; i < count; i++) out[i] = (((raw[i] >> shift) & mask) << sx) >> sx;
  return out;
}

function unpack32(src: Uint8Array, count: number, l: SampleLayout): Int32Array | Float32Array {
  const buffer = alignedCopy(src, 4, l.littleEndian);
  const shift = shiftOf(l);
  const bits = l.bitsStored;
  if (l.signed) {
    const out = new Int32Array(buffer, 0, count);
    if (bits < 32) {
      const sx = 32 - bits;
      for (let i = 0; i < count; i++) out[i] = ((out[i] >>> shift) << sx) >> sx;
    }
    return out;
  }
  const raw = new Uint32Array(buffer, 0, count);
  if (bits < 32 || shift > 0) {
    const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    for (let i = 0; i < count; i++) raw[i] = (raw[i] >>> shift) & mask;
  }
  let max = 0;
  for (let i = 0; i < count; i++) if (raw[i] > max) max = raw[i];
  // SampleArray has no Uint32Array: values that fit int32 stay exact; larger ones become float32.
  if (max <= 0x7fffffff) return new Int32Array(buffer, 0, count);
  return Float32Array.from(raw);
}

/** Float Pixel Data (7FE0,0008) and Double Float Pixel Data (7FE0,0009). */
export function unpackFloats(bytes: Uint8Array, byteOffset: number, count: number, bits: 32 | 64, littleEndian: boolean): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * (bits / 8));
  if (bits === 32) for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
  else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
  return out;
}

/** Codec output (unsigned bit patterns or already-signed values) to stored values of the data set's type. */
export function normaliseCodecSamples(data: ArrayLike<number>, bitsAllocated: number, bitsStored: number, signed: boolean): SampleArray {
  const n = data.length;
  if (!signed) {
    if (bitsAllocated <= 8 && data instanceof Uint8Array) return data;
    if (bitsAllocated <= 8) return Uint8Array.from(data);
    if (data instanceof Uint16Array) return data;
    if (bitsAllocated <= 16) return Uint16Array.from(data);
    return Int32Array.from(data);
  }
  // Sign-extend from BitsStored: fixes codecs that return unsigned patterns for signed data
  // and leaves already-signed values in range unchanged.
  const sx = 32 - Math.min(bitsStored, 32);
  const out = bitsStored <= 16 ? new Int16Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (data[i] << sx) >> sx;
  return out;
}
