import { test } from 'node:test';
import assert from 'node:assert/strict';
import jpeg from 'jpeg-js';
import { decodeDicom } from '../../src/core/image/dicom/index';
import { encodeWith } from './codecEncoders';
import { TS, imageElements, rng, writeDicom } from './dicomWriter';

const opts = { path: 'codec.dcm', maxPixels: 10_000_000 };
const W = 64;
const H = 48;

function image16(seed: number, signed: boolean): Int16Array | Uint16Array {
  const r = rng(seed);
  const out = signed ? new Int16Array(W * H) : new Uint16Array(W * H);
  // Smooth gradient + noise, like a real slice.
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = (signed ? -1000 : 0) + x * 40 + y * 17 + Math.floor(r() * 50);
  return out;
}

test('JPEG-LS lossless 16-bit signed (CharLS) decodes exactly, multi-frame', () => {
  const frames = [image16(1, true), image16(2, true)];
  const encoded = frames.map((f) =>
    encodeWith('@cornerstonejs/codec-charls', 'charlswasm.js', 'charlswasm.wasm', 'JpegLSEncoder', { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: true }, f),
  );
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.jpegLsLossless, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, signed: true, frames: 2 }), pixels: { frames: encoded.map((e) => [e]), offsetTable: true } }),
    opts,
  );
  assert.ok(img.frames[0].data instanceof Int16Array);
  frames.forEach((f, i) => assert.deepEqual(Array.from(img.frames[i].data), Array.from(f)));
});

test('JPEG 2000 lossless 16-bit unsigned (OpenJPEG) decodes exactly', () => {
  const f = image16(3, false);
  const encoded = encodeWith('@cornerstonejs/codec-openjpeg', 'openjpegwasm.js', 'openjpegwasm.wasm', 'J2KEncoder', { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false }, f);
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.j2kLossless, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16 }), pixels: { frames: [[encoded]], offsetTable: false } }),
    opts,
  );
  assert.ok(img.frames[0].data instanceof Uint16Array);
  assert.deepEqual(Array.from(img.frames[0].data), Array.from(f));
});

test('HTJ2K lossless 16-bit unsigned (OpenJPH) decodes exactly', () => {
  const f = image16(4, false);
  const encoded = encodeWith(
    '@cornerstonejs/codec-openjph',
    'openjphjs.js',
    'openjphjs.wasm',
    'HTJ2KEncoder',
    { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false, isUsingColorTransform: false },
    f,
  );
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.htj2kLossless, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16 }), pixels: { frames: [[encoded]], offsetTable: false } }),
    opts,
  );
  assert.deepEqual(Array.from(img.frames[0].data), Array.from(f));
});

test('JPEG baseline 8-bit YBR_FULL_422 (jpeg-js encoder) decodes to RGB close to the source', () => {
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    const x = i % W;
    const y = Math.floor(i / W);
    rgba.set([x * 4, y * 5, 128, 255], 4 * i);
  }
  const encoded = new Uint8Array(jpeg.encode({ data: rgba, width: W, height: H }, 95).data);
  const img = decodeDicom(
    writeDicom({
      transferSyntax: TS.jpegBaseline,
      elements: imageElements({ rows: H, columns: W, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL_422' }),
      pixels: { frames: [[encoded.subarray(0, 100), encoded.subarray(100)]], offsetTable: false },
    }),
    opts,
  );
  assert.equal(img.channels, 3);
  let maxErr = 0;
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) maxErr = Math.max(maxErr, Math.abs(img.frames[0].data[3 * i + c] - rgba[4 * i + c]));
  assert.ok(maxErr <= 12, `max error ${maxErr}`);
});

test('a corrupt JPEG-LS frame gives DECODE_FAILED, not a crash', () => {
  const f = image16(5, false);
  const encoded = encodeWith('@cornerstonejs/codec-charls', 'charlswasm.js', 'charlswasm.wasm', 'JpegLSEncoder', { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false }, f);
  const broken = encoded.slice(0, 40);
  assert.throws(
    () => decodeDicom(writeDicom({ transferSyntax: TS.jpegLsLossless, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16 }), pixels: { frames: [[broken]], offsetTable: false } }), opts),
    (e: unknown) => (e as { code?: string }).code === 'DECODE_FAILED' || (e as { code?: string }).code === 'DICOM_PIXEL_DATA_SHORT',
  );
  // A frame whose size disagrees with the header is refused too.
  assert.throws(
    () => decodeDicom(writeDicom({ transferSyntax: TS.jpegLsLossless, elements: imageElements({ rows: H + 1, columns: W, bitsAllocated: 16 }), pixels: { frames: [[encoded]], offsetTable: false } }), opts),
    (e: unknown) => (e as { code?: string }).code === 'DECODE_FAILED',
  );
});
