// Test helper: compressed DICOM frames made by the encoders shipped in the same codec packages.
import { loadCodecModule } from '../../src/core/image/dicom/wasm';

export interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  isUsingColorTransform?: boolean;
}

interface WasmEncoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setDecompositions?(n: number): void;
  delete(): void;
}

export function encodeWith(pkg: string, js: string, wasm: string, cls: string, info: FrameInfo, samples: Uint8Array | Uint16Array | Int16Array): Uint8Array {
  const mod = loadCodecModule(`${pkg}/wasmjs`, js, `${pkg}/wasm`, wasm);
  const Ctor = mod[cls] as new () => WasmEncoder;
  const enc = new Ctor();
  try {
    const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    enc.getDecodedBuffer(info).set(bytes);
    if (enc.setDecompositions) enc.setDecompositions(2);
    enc.encode();
    return enc.getEncodedBuffer().slice();
  } finally {
    enc.delete();
  }
}

export const encodeJpegLs = (info: FrameInfo, samples: Uint16Array | Int16Array | Uint8Array): Uint8Array =>
  encodeWith('@cornerstonejs/codec-charls', 'charlswasm.js', 'charlswasm.wasm', 'JpegLSEncoder', info, samples);
export const encodeJ2k = (info: FrameInfo, samples: Uint16Array | Int16Array | Uint8Array): Uint8Array =>
  encodeWith('@cornerstonejs/codec-openjpeg', 'openjpegwasm.js', 'openjpegwasm.wasm', 'J2KEncoder', info, samples);
export const encodeHtj2k = (info: FrameInfo, samples: Uint16Array | Int16Array | Uint8Array): Uint8Array =>
  encodeWith('@cornerstonejs/codec-openjph', 'openjphjs.js', 'openjphjs.wasm', 'HTJ2KEncoder', { ...info, isUsingColorTransform: false }, samples);
