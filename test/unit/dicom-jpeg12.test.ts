import { test } from 'node:test';
import assert from 'node:assert/strict';
import jpeg from 'jpeg-js';
import { decodeDicom } from '../../src/core/image/dicom/index';
import { decodeJpegNative, encodeJpegNative, NativeCodecError } from '../../src/core/image/dicom/nativeCodecs';
import { jpegPrecision } from '../../src/core/image/dicom/codecs';
import { imageElements, rng, writeDicom } from './dicomWriter';

// 12-bit lossy JPEG goes through the IJG build of dcmjs-codecs, instantiated synchronously.
// No npm encoder writes 12-bit lossy JPEG (dcmjs-codecs refuses to), so real 12-bit decoding is
// covered by the conformance run over the shared corpus (NEMA JPLY, pydicom JPGExtended); here we
// test the binding with 8-bit streams from the same module, the routing and the error paths.

const opts = { path: 'jpeg12.dcm', maxPixels: 10_000_000 };
const W = 40;
const H = 24;
const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';

function gray8(seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = Math.min(255, 30 + x * 4 + y * 2 + Math.floor(r() * 6));
  return out;
}

const gray = { width: W, height: H, bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 1, signed: false, planar: false, photometric: 'MONOCHROME2' };

test('the dcmjs-codecs module loads synchronously and round-trips an 8-bit lossy JPEG', () => {
  const src = gray8(1);
  const encoded = encodeJpegNative(src, gray, { quality: 95 });
  assert.equal(jpegPrecision(encoded), 8);
  const out = decodeJpegNative(encoded, gray);
  assert.deepEqual([out.width, out.height, out.components, out.bitsAllocated], [W, H, 1, 8]);
  let maxErr = 0;
  for (let i = 0; i < src.length; i++) maxErr = Math.max(maxErr, Math.abs(out.bytes[i] - src[i]));
  assert.ok(maxErr <= 8, `max error ${maxErr}`);
});

test('codec errors are thrown as errors and leave the module usable (stack restored)', () => {
  const encoded = encodeJpegNative(gray8(2), gray);
  for (let i = 0; i < 500; i++) assert.throws(() => decodeJpegNative(encoded.subarray(0, 30), gray), NativeCodecError);
  assert.equal(decodeJpegNative(encoded, gray).bytes.length, W * H);
  assert.throws(() => encodeJpegNative(new Uint8Array(W * H * 2), { ...gray, bitsAllocated: 16, bitsStored: 12 }), /12/);
});

/**
 * A genuine 12-bit extended-sequential stream made from an 8-bit one: SOF0 becomes SOF1 with
 * precision 12. The entropy-coded DCT coefficients are valid 12-bit data (extended sequential allows
 * 8-bit quantisation and these Huffman tables); only the level shift changes, from 128 to 2048, so
 * every decoded sample is the 8-bit decode + 1920. No npm encoder writes 12-bit lossy JPEG directly.
 */
function as12Bit(stream8: Uint8Array, precision = 12): Uint8Array {
  const out = stream8.slice();
  for (let p = 2; p + 4 < out.length; ) {
    if (out[p] === 0xff && out[p + 1] === 0xc0) {
      out[p + 1] = 0xc1;
      out[p + 4] = precision;
      return out;
    }
    p += 2 + ((out[p + 2] << 8) | out[p + 3]);
  }
  throw new Error('no SOF0 marker in the 8-bit stream');
}

const SHIFT = 2048 - 128;

test('12-bit lossy JPEG (JPEG extended, MONOCHROME2, 2 frames) decodes to 16-bit stored values', () => {
  const sources = [gray8(3), gray8(4)];
  const streams8 = sources.map((s) => encodeJpegNative(s, gray, { quality: 95 }));
  const reference = streams8.map((s) => decodeJpegNative(s, gray).bytes); // same IDCT, 8-bit level shift
  const bytes = writeDicom({
    transferSyntax: JPEG_EXTENDED,
    elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, frames: 2 }),
    pixels: { frames: streams8.map((s) => [as12Bit(s)]), offsetTable: true },
  });
  const img = decodeDicom(bytes, opts);
  assert.equal(img.bitDepth, 12);
  assert.equal(img.frameCount, 2);
  for (let f = 0; f < 2; f++) {
    const data = img.frames[f].data;
    assert.ok(data instanceof Uint16Array);
    let maxErr = 0;
    for (let i = 0; i < W * H; i++) maxErr = Math.max(maxErr, Math.abs(data[i] - (reference[f][i] + SHIFT)));
    assert.ok(maxErr <= 1, `frame ${f + 1}: max difference from the 8-bit decode + ${SHIFT} is ${maxErr}`);
  }
});

test('12-bit lossy JPEG in colour (YBR_FULL_422) comes out as RGB', () => {
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) rgba.set([(i % W) * 5, Math.floor(i / W) * 8, 100, 255], 4 * i);
  const stream8 = new Uint8Array(jpeg.encode({ data: rgba, width: W, height: H }, 95).data);
  const img = decodeDicom(
    writeDicom({
      transferSyntax: JPEG_EXTENDED,
      elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, samples: 3, photometric: 'YBR_FULL_422' }),
      pixels: { frames: [[as12Bit(stream8)]], offsetTable: false },
    }),
    opts,
  );
  assert.equal(img.channels, 3);
  let maxErr = 0;
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) maxErr = Math.max(maxErr, Math.abs(img.frames[0].data[3 * i + c] - SHIFT - rgba[4 * i + c]));
  assert.ok(maxErr <= 12, `max error ${maxErr}`);
});

test('a truncated 12-bit frame fails with DECODE_FAILED naming the transfer syntax', () => {
  const stream = as12Bit(encodeJpegNative(gray8(5), gray));
  const bytes = writeDicom({
    transferSyntax: JPEG_EXTENDED,
    elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, bitsStored: 12 }),
    pixels: { frames: [[stream.subarray(0, 200)]], offsetTable: false },
  });
  assert.throws(
    () => decodeDicom(bytes, opts),
    (e: unknown) => (e as { code?: string }).code === 'DECODE_FAILED' && /JPEG Extended/.test((e as Error).message),
  );
});

test('lossy JPEG with a precision other than 8 or 12 -> DICOM_UNSUPPORTED_TRANSFER_SYNTAX', () => {
  const stream = as12Bit(encodeJpegNative(gray8(6), gray), 16);
  const bytes = writeDicom({
    transferSyntax: JPEG_EXTENDED,
    elements: imageElements({ rows: H, columns: W, bitsAllocated: 16 }),
    pixels: { frames: [[stream]], offsetTable: false },
  });
  assert.throws(() => decodeDicom(bytes, opts), (e: unknown) => (e as { code?: string }).code === 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX');
});
