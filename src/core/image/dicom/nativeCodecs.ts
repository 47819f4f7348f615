import * as fs from 'node:fs';
import { codecHeapLimit, resolveCodecAsset } from './wasm';

/**
 * The IJG libjpeg build inside `dcmjs-codecs` (MIT): the only maintained npm codec with a 12-bit
 * DCT decoder (JPEG extended, process 2/4). Its `.wasm` is a standalone (WASI reactor) module
 * with a plain C API, so we instantiate it ourselves with the synchronous WebAssembly API and a
 * few import stubs instead of the package's asynchronous `initializeAsync`; decoding stays
 * synchronous and the package's JavaScript (and its dcmjs dependency) is never loaded.
 */

/** The image attributes the codec needs (it validates the codestream against them). */
export interface NativeCodecImage {
  width: number;
  height: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: number;
  signed: boolean;
  planar: boolean;
  photometric: string;
}

export interface JpegEncodeOptions {
  quality?: number;
}

// Index = the enum value the C side expects (same order as the package's PhotometricInterpretation).
const PHOTOMETRIC = ['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT', 'CMYK', 'ARGB', 'HSV', 'XYB'];

type Fn = (...args: number[]) => number;

export interface Api {
  memory: WebAssembly.Memory;
  CreateCodecsContext: Fn;
  ReleaseCodecsContext: Fn;
  CreateDecoderParameters: Fn;
  ReleaseDecoderParameters: Fn;
  SetConvertColorspaceToRgb: Fn;
  CreateEncoderParameters: Fn;
  ReleaseEncoderParameters: Fn;
  SetLossy: Fn;
  SetQuality: Fn;
  SetSampleFactor: Fn;
  SetSmoothingFactor: Fn;
  SetPredictor: Fn;
  SetPointTransform: Fn;
  SetColumns: Fn;
  SetRows: Fn;
  SetBitsAllocated: Fn;
  SetBitsStored: Fn;
  SetSamplesPerPixel: Fn;
  SetPixelRepresentation: Fn;
  SetPlanarConfiguration: Fn;
  SetPhotometricInterpretation: Fn;
  GetColumns: Fn;
  GetRows: Fn;
  GetSamplesPerPixel: Fn;
  GetBitsAllocated: Fn;
  GetPhotometricInterpretation: Fn;
  GetEncodedBuffer: Fn;
  GetEncodedBufferSize: Fn;
  SetEncodedBufferSize: Fn;
  GetDecodedBuffer: Fn;
  GetDecodedBufferSize: Fn;
  SetDecodedBufferSize: Fn;
  DecodeJpeg: Fn;
  EncodeJpeg: Fn;
  emscripten_stack_get_current: Fn;
  _emscripten_stack_restore: Fn;
}

let api: Api | undefined;
let messages: string[] | undefined;

/** libjpeg only warns when the entropy-coded data ends early and pads the image with grey; we refuse it. */
const TRUNCATED = /premature end of (data segment|JPEG file)/i;

function text(memory: WebAssembly.Memory, ptr: number, len: number): string {
  return Buffer.from(memory.buffer, ptr, len).toString('utf8');
}

/** Thrown by the C side through `onCodecsException`; the message is the codec's own (no pixel values). */
class NativeCodecError extends Error {}

/** Compile and instantiate the module now (synchronously; ~4 MB of wasm, done once per process). */
export function loadNativeCodecs(): Api {
  if (api) return api;
  const wasmPath = resolveCodecAsset('dcmjs-codecs/build/dcmjs-native-codecs.wasm', 'dcmjs-native-codecs.wasm');
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  // The imports need the instance's memory, which exists only once the instance does.
  const holder: { memory?: WebAssembly.Memory } = {};
  const mem = (): WebAssembly.Memory => {
    if (!holder.memory) throw new Error('codec memory used before instantiation');
    return holder.memory;
  };
  const ERRNO_BADF = 8;
  const imports: WebAssembly.Imports = {
    env: {
      onCodecsException: (ptr: number, len: number) => {
        throw new NativeCodecError(text(mem(), ptr, len));
      },
      // libjpeg's messages, warnings included; kept only while a decode listens for them.
      onCodecsInfo: (ptr: number, len: number) => {
        if (messages) messages.push(text(mem(), ptr, len));
      },
      onCodecsTrace: () => undefined,
      emscripten_notify_memory_growth: () => undefined,
    },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new NativeCodecError(`the codec exited with code ${code}`);
      },
      clock_time_get: (_id: number, _precision: bigint, out: number) => {
        new DataView(mem().buffer).setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true);
        return 0;
      },
      // libjpeg warnings go to stderr; count them as written and drop them.
      fd_write: (fd: number, iovs: number, count: number, written: number) => {
        if (fd !== 1 && fd !== 2) return ERRNO_BADF;
        const view = new DataView(mem().buffer);
        let n = 0;
        for (let i = 0; i < count; i++) n += view.getUint32(iovs + i * 8 + 4, true);
        view.setUint32(written, n, true);
        return 0;
      },
      fd_close: () => 0,
      fd_seek: () => 0,
      environ_sizes_get: (countPtr: number, sizePtr: number) => {
        const view = new DataView(mem().buffer);
        view.setUint32(countPtr, 0, true);
        view.setUint32(sizePtr, 0, true);
        return 0;
      },
      environ_get: () => 0,
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  const exports = instance.exports as unknown as Api & { _initialize?: () => void };
  holder.memory = exports.memory;
  exports._initialize?.();
  api = exports;
  return api;
}

/**
 * Run one codec call with a context set up from `image`. The C side reports errors by calling
 * `onCodecsException`, whose JS exception unwinds straight through the wasm frames; so the wasm
 * stack pointer is restored and the context released afterwards whatever happens.
 */
function withContext<T>(image: NativeCodecImage, run: (a: Api, ctx: number) => T): T {
  const a = loadNativeCodecs();
  const sp = a.emscripten_stack_get_current();
  const ctx = a.CreateCodecsContext();
  try {
    a.SetColumns(ctx, image.width);
    a.SetRows(ctx, image.height);
    a.SetBitsAllocated(ctx, image.bitsAllocated);
    a.SetBitsStored(ctx, image.bitsStored);
    a.SetSamplesPerPixel(ctx, image.samplesPerPixel);
    a.SetPixelRepresentation(ctx, image.signed ? 1 : 0);
    a.SetPlanarConfiguration(ctx, image.planar ? 1 : 0);
    const pi = PHOTOMETRIC.indexOf(image.photometric);
    a.SetPhotometricInterpretation(ctx, pi >= 0 ? pi : image.samplesPerPixel === 3 ? PHOTOMETRIC.indexOf('RGB') : PHOTOMETRIC.indexOf('MONOCHROME2'));
    return run(a, ctx);
  } finally {
    a._emscripten_stack_restore(sp);
    a.ReleaseCodecsContext(ctx);
    // The heap never shrinks: a large frame leaves the module to the garbage collector.
    if (a.memory.buffer.byteLength > codecHeapLimit()) api = undefined;
  }
}

/** Bytes of WebAssembly heap the IJG module holds now (0 when not loaded). */
export function nativeCodecHeapBytes(): number {
  return api ? api.memory.buffer.byteLength : 0;
}

export interface NativeDecoded {
  /** Little endian samples, interleaved, 1 or 2 bytes each (by BitsAllocated); copied out of wasm memory. */
  bytes: Uint8Array;
  width: number;
  height: number;
  components: number;
  bitsAllocated: number;
}

/** Decode a JPEG codestream (baseline or extended, 8 or 12 bit); YCbCr comes out as RGB. */
export function decodeJpegNative(bytes: Uint8Array, image: NativeCodecImage): NativeDecoded {
  return withContext(image, (a, ctx) => {
    a.SetEncodedBufferSize(ctx, bytes.length);
    new Uint8Array(a.memory.buffer, a.GetEncodedBuffer(ctx), bytes.length).set(bytes);
    const params = a.CreateDecoderParameters();
    messages = [];
    try {
      a.SetConvertColorspaceToRgb(params, 1); // YCbCr -> RGB, like the 8-bit codec
      a.DecodeJpeg(ctx, params);
      const early = messages.find((m) => TRUNCATED.test(m));
      if (early) throw new NativeCodecError(`the JPEG stream is truncated (${early.replace(/^.*::/, '')})`);
    } finally {
      messages = undefined;
      a.ReleaseDecoderParameters(params);
    }
    return {
      bytes: new Uint8Array(a.memory.buffer, a.GetDecodedBuffer(ctx), a.GetDecodedBufferSize(ctx)).slice(),
      width: a.GetColumns(ctx),
      height: a.GetRows(ctx),
      components: a.GetSamplesPerPixel(ctx),
      bitsAllocated: a.GetBitsAllocated(ctx),
    };
  });
}

/** Encode samples as lossy JPEG (8 or 12 bit by BitsStored); used by the tests to build fixtures. */
export function encodeJpegNative(samples: Uint8Array, image: NativeCodecImage, opts: JpegEncodeOptions = {}): Uint8Array {
  return withContext(image, (a, ctx) => {
    a.SetDecodedBufferSize(ctx, samples.length);
    new Uint8Array(a.memory.buffer, a.GetDecodedBuffer(ctx), samples.length).set(samples);
    const params = a.CreateEncoderParameters();
    try {
      a.SetLossy(params, 1);
      a.SetQuality(params, opts.quality ?? 90);
      a.SetSmoothingFactor(params, 0);
      a.SetSampleFactor(params, 0); // 4:4:4
      a.SetPredictor(params, 1);
      a.SetPointTransform(params, 0);
      a.EncodeJpeg(ctx, params);
    } finally {
      a.ReleaseEncoderParameters(params);
    }
    return new Uint8Array(a.memory.buffer, a.GetEncodedBuffer(ctx), a.GetEncodedBufferSize(ctx)).slice();
  });
}

export { NativeCodecError };
