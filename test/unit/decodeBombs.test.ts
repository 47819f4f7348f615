// Decompression bombs: codestreams that claim more pixels than the DICOM header, and deflated
// data sets that inflate far beyond their pixel module. Every fixture is generated here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import jpeg from 'jpeg-js';
import { decodeDicom } from '../../src/core/image/dicom/index';
import { deflatedBudget } from '../../src/core/image/dicom/parse';
import { decoderHeapBytes } from '../../src/core/image/dicom/codecs';
import { setCodecHeapLimit } from '../../src/core/image/dicom/wasm';
import { encodeJpegNative, nativeCodecHeapBytes } from '../../src/core/image/dicom/nativeCodecs';
import { AnomalyLensError } from '../../src/shared/errors';
import { encodeJ2k, encodeJpegLs } from './codecEncoders';
import { TS, concat, encodeElements, imageElements, writeDicom } from './dicomWriter';

const W = 64;
const H = 64;
const opts = { path: 'bomb.dcm', maxPixels: 100_000_000 };
const gray16 = (): Uint16Array => Uint16Array.from({ length: W * H }, (_, i) => (i * 7) % 4096);
const info = { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false };

function wrap(ts: string, stream: Uint8Array, bits = 16): Uint8Array {
  return writeDicom({ transferSyntax: ts, elements: imageElements({ rows: H, columns: W, bitsAllocated: bits, bitsStored: bits === 16 ? 12 : 8 }), pixels: { frames: [[stream]], offsetTable: false } });
}

/** Rewrites a JPEG/JPEG-LS start-of-frame's height and width. */
function claimJpeg(stream: Uint8Array, sof: number, width: number, height: number): Uint8Array {
  const out = stream.slice();
  for (let p = 2; p + 9 < out.length; p++) {
    if (out[p] === 0xff && out[p + 1] === sof) {
      out[p + 5] = height >> 8;
      out[p + 6] = height & 0xff;
      out[p + 7] = width >> 8;
      out[p + 8] = width & 0xff;
      return out;
    }
  }
  throw new Error('no SOF in the test stream');
}

/** Rewrites a J2K SIZ's image size (Xsiz, Ysiz) and tile size, as a crafted file would. */
function claimJ2k(stream: Uint8Array, width: number, height: number): Uint8Array {
  const out = stream.slice();
  const v = new DataView(out.buffer);
  v.setUint32(8, width);
  v.setUint32(12, height);
  v.setUint32(24, width);
  v.setUint32(28, height);
  return out;
}

const refusedBeforeDecoding = (claim: RegExp) => (e: unknown) =>
  e instanceof AnomalyLensError && e.code === 'DECODE_FAILED' && claim.test(e.message) && /not decoded/.test(e.hint ?? '');

test('a J2K stream claiming 16000x16000 under a 64x64 header is refused from its SIZ, before decoding', () => {
  const bomb = claimJ2k(encodeJ2k(info, gray16()), 16000, 16000);
  assert.throws(() => decodeDicom(wrap(TS.j2kLossless, bomb), opts), refusedBeforeDecoding(/SIZ says 16000x16000; the header says 64x64/));
});

test('a JPEG-LS stream claiming 16000x16000 is refused from its SOF55 header', () => {
  const bomb = claimJpeg(encodeJpegLs(info, gray16()), 0xf7, 16000, 16000);
  assert.throws(() => decodeDicom(wrap(TS.jpegLsLossless, bomb), opts), refusedBeforeDecoding(/start-of-frame says 16000x16000/));
});

test('a baseline JPEG claiming 30000x30000 is refused from its SOF0 header', () => {
  const rgba = new Uint8Array(W * H * 4).fill(128);
  const stream = new Uint8Array(jpeg.encode({ data: rgba, width: W, height: H }, 90).data);
  // jpeg-js writes three components; the header says so too.
  const dcm = writeDicom({
    transferSyntax: TS.jpegBaseline,
    elements: imageElements({ rows: H, columns: W, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL_422' }),
    pixels: { frames: [[claimJpeg(stream, 0xc0, 30000, 30000)]], offsetTable: false },
  });
  assert.throws(() => decodeDicom(dcm, opts), refusedBeforeDecoding(/start-of-frame says 30000x30000/));
});

const gray8 = { width: W, height: H, bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 1, signed: false, planar: false, photometric: 'MONOCHROME2' };

test('a JPEG whose component count disagrees with Samples per Pixel is refused before decoding', () => {
  const stream = encodeJpegNative(new Uint8Array(W * H), gray8);
  const dcm = writeDicom({
    transferSyntax: '1.2.840.10008.1.2.4.51',
    elements: imageElements({ rows: H, columns: W, bitsAllocated: 8, samples: 3, photometric: 'RGB' }),
    pixels: { frames: [[stream]], offsetTable: false },
  });
  assert.throws(() => decodeDicom(dcm, opts), refusedBeforeDecoding(/1 component\(s\); the header says 3/));
});

/** Preamble + meta group of a deflated file (the writer's own, with an empty data set cut off). */
function deflatedMeta(): Uint8Array {
  const empty = writeDicom({ transferSyntax: TS.deflated, elements: [] });
  return empty.subarray(0, empty.length - zlib.deflateRawSync(new Uint8Array(0)).length);
}

test('a deflated data set with a 64x64 header and a 64 MB element is refused before it is inflated in full', () => {
  const header = encodeElements(imageElements({ rows: H, columns: W, bitsAllocated: 8 }), true, true);
  const bigLength = 64 * 2 ** 20;
  const big = new Uint8Array(12 + bigLength); // (0009,1010) OB, all zeros: deflates to ~64 KB
  big.set([0x09, 0x00, 0x10, 0x10, 0x4f, 0x42, 0, 0, bigLength & 0xff, (bigLength >> 8) & 0xff, (bigLength >> 16) & 0xff, bigLength >>> 24]);
  const pixels = encodeElements([{ tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(W * H) }], true, true);
  const body = zlib.deflateRawSync(concat(header, big, pixels));
  assert.ok(body.length < 200_000, 'the bomb itself is small');
  assert.equal(deflatedBudget(body), W * H + 2 ** 24);
  assert.throws(
    () => decodeDicom(concat(deflatedMeta(), body), opts),
    (e: unknown) => e instanceof AnomalyLensError && e.code === 'DICOM_INVALID' && /inflates beyond 16781312 bytes/.test(e.message),
  );
});

test('a deflated data set within its budget still decodes', () => {
  const px = Uint8Array.from({ length: W * H }, (_, i) => i & 0xff);
  const img = decodeDicom(writeDicom({ transferSyntax: TS.deflated, elements: imageElements({ rows: H, columns: W, bitsAllocated: 8 }), pixels: px, pixelVr: 'OB' }), opts);
  assert.deepEqual(Array.from(img.frames[0].data), Array.from(px));
});

test('a codec whose heap grew past the limit is dropped after the decode, and the next decode reloads it', () => {
  setCodecHeapLimit(1);
  try {
    const f = gray16();
    for (let round = 0; round < 2; round++) {
      const img = decodeDicom(wrap(TS.j2kLossless, encodeJ2k(info, f)), opts);
      assert.deepEqual(Array.from(img.frames[0].data), Array.from(f));
      assert.equal(decoderHeapBytes(), 0, 'no decoder heap is kept');
    }
    const stream = encodeJpegNative(new Uint8Array(W * H), gray8);
    assert.equal(nativeCodecHeapBytes(), 0, 'the IJG module is dropped after encoding too');
    // Full progression always goes through the IJG build, which reads baseline streams as well.
    decodeDicom(writeDicom({ transferSyntax: '1.2.840.10008.1.2.4.55', elements: imageElements({ rows: H, columns: W, bitsAllocated: 8 }), pixels: { frames: [[stream]], offsetTable: false } }), opts);
    assert.equal(nativeCodecHeapBytes(), 0);
  } finally {
    setCodecHeapLimit(undefined);
  }
});
