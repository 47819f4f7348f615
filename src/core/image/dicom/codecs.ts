import { createRequire } from 'node:module';
import * as path from 'node:path';
import { readJpegHeader } from './codecHeader';
import { decodeJpegNative, loadNativeCodecs, type NativeCodecImage, type NativeDecoded } from './nativeCodecs';
import { loadCodecModule, moduleHeapBytes, recycleCodecModule, type EmscriptenModule } from './wasm';

/** What every codec hands back: interleaved samples plus the codestream's own description. */
export interface CodecFrame {
  data: Uint8Array | Uint16Array | Int16Array;
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  signed: boolean;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  readHeader?(): void;
  delete(): void;
}

type DecoderCtor = new () => WasmDecoder;

const CODECS = {
  jpeg: ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'libjpegturbowasm_decode.js', '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm', 'libjpegturbowasm_decode.wasm', 'JPEGDecoder'],
  jls: ['@cornerstonejs/codec-charls/decodewasmjs', 'charlswasm_decode.js', '@cornerstonejs/codec-charls/decodewasm', 'charlswasm_decode.wasm', 'JpegLSDecoder'],
  j2k: ['@cornerstonejs/codec-openjpeg/decodewasmjs', 'openjpegwasm_decode.js', '@cornerstonejs/codec-openjpeg/decodewasm', 'openjpegwasm_decode.wasm', 'J2KDecoder'],
  htj2k: ['@cornerstonejs/codec-openjph', 'openjphjs.js', '@cornerstonejs/codec-openjph/wasm', 'openjphjs.wasm', 'HTJ2KDecoder'],
} as const;

function decoderClass(kind: keyof typeof CODECS): DecoderCtor {
  const [js, jsFile, wasm, wasmFile, cls] = CODECS[kind];
  const mod: EmscriptenModule = loadCodecModule(js, jsFile, wasm, wasmFile);
  const ctor = mod[cls];
  if (typeof ctor !== 'function') throw new Error(`the ${kind} codec did not initialise`);
  return ctor as DecoderCtor;
}

/** Compile every WebAssembly codec now rather than on first use (each is otherwise loaded lazily). */
export function loadAllCodecs(): void {
  for (const kind of Object.keys(CODECS) as (keyof typeof CODECS)[]) decoderClass(kind);
  loadNativeCodecs();
}

/** Bytes of WebAssembly heap the decoder modules hold now. */
export function decoderHeapBytes(): number {
  return (Object.keys(CODECS) as (keyof typeof CODECS)[]).reduce((n, kind) => n + moduleHeapBytes(CODECS[kind][0]), 0);
}

function runWasm(kind: keyof typeof CODECS, bytes: Uint8Array): CodecFrame {
  const Ctor = decoderClass(kind);
  const decoder = new Ctor();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const raw = decoder.getDecodedBuffer().slice(); // copy out of wasm memory before delete()
    const interleave = decoder.getInterleaveMode ? decoder.getInterleaveMode() : 2;
    let data = typed(raw, info.bitsPerSample, info.isSigned === true);
    if (info.componentCount > 1 && interleave === 0) data = planarToInterleaved(data, info.width * info.height, info.componentCount);
    return { data, width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, signed: info.isSigned === true };
  } finally {
    decoder.delete();
    recycleCodecModule(CODECS[kind][0]);
  }
}

function typed(raw: Uint8Array, bits: number, signed: boolean): Uint8Array | Uint16Array | Int16Array {
  if (bits <= 8) return raw;
  const n = raw.length >> 1;
  return signed ? new Int16Array(raw.buffer, raw.byteOffset, n) : new Uint16Array(raw.buffer, raw.byteOffset, n);
}

function planarToInterleaved<T extends Uint8Array | Uint16Array | Int16Array>(data: T, pixels: number, comps: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let c = 0; c < comps; c++) for (let i = 0; i < pixels; i++) out[i * comps + c] = data[c * pixels + i];
  return out;
}

export function decodeJpegBaseline(bytes: Uint8Array): CodecFrame {
  return runWasm('jpeg', bytes);
}

/** 12-bit lossy JPEG (process 2/4) through the IJG build of dcmjs-codecs (libjpeg-turbo here is 8-bit only). */
export function decodeJpegExtended(bytes: Uint8Array, image: NativeCodecImage, precision: number): CodecFrame {
  return nativeFrame(decodeJpegNative(bytes, image), precision);
}

function nativeFrame(out: NativeDecoded, bitsPerSample: number): CodecFrame {
  const data = out.bitsAllocated <= 8 ? out.bytes : new Uint16Array(out.bytes.buffer, 0, out.bytes.length >> 1);
  return { data, width: out.width, height: out.height, components: out.components, bitsPerSample, signed: false };
}

export function decodeJpegLs(bytes: Uint8Array): CodecFrame {
  return runWasm('jls', bytes);
}

export function decodeJ2k(bytes: Uint8Array): CodecFrame {
  return runWasm('j2k', stripJp2Boxes(bytes));
}

export function decodeHtj2k(bytes: Uint8Array): CodecFrame {
  return runWasm('htj2k', stripJp2Boxes(bytes));
}

/** Some writers wrap the codestream in a JP2 file; the codecs want the bare codestream (from SOC). */
export function stripJp2Boxes(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0xff && bytes[1] === 0x4f) return bytes;
  for (let i = 0; i + 1 < Math.min(bytes.length, 4096); i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0x4f && bytes[i + 2] === 0xff && bytes[i + 3] === 0x51) return bytes.subarray(i);
  }
  return bytes;
}

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  xDim: number;
  yDim: number;
  numComp: number;
  precision: number;
}

let losslessCtor: (new () => LosslessDecoder) | undefined;

/** JPEG lossless (process 14, any predictor) via @cornerstonejs/jpeg-lossless-decoder-js (pure JS; fixes the upstream last-pixel bug). */
export function decodeJpegLossless(bytes: Uint8Array, bitsAllocated: number): CodecFrame {
  if (!losslessCtor) {
    const req = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));
    losslessCtor = (req('@cornerstonejs/jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder }).Decoder;
  }
  const decoder = new losslessCtor();
  const copy = bytes.slice();
  const out = decoder.decode(copy.buffer, 0, copy.byteLength, bitsAllocated <= 8 ? 1 : 2);
  const data = out instanceof Uint8Array || out instanceof Uint16Array ? out : new Uint16Array(out as ArrayBuffer);
  return { data, width: decoder.xDim, height: decoder.yDim, components: decoder.numComp, bitsPerSample: decoder.precision, signed: false };
}

/** SOF marker's sample precision, to route 12-bit lossy JPEG before the 8-bit codec fails on it. */
export function jpegPrecision(bytes: Uint8Array): number | undefined {
  const header = readJpegHeader(bytes);
  return header && header.sof !== 0xf7 ? header.precision : undefined;
}
