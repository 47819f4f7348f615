// DICOM files a reference decoder reads, built here: each must decode, not be refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDicom } from '../../src/core/image/dicom/index';
import { encodeJ2k, encodeJpegLs } from './codecEncoders';
import { TS, imageElements, writeDicom } from './dicomWriter';

const W = 32;
const H = 24;
const opts = { path: 'refused.dcm', maxPixels: 1e8 };
const gray16 = (): Uint16Array => Uint16Array.from({ length: W * H }, (_, i) => (i * 13) % 4000);
const info = { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false };

test('encapsulated JPEG 2000 under a header saying Explicit VR Little Endian decodes by reading the codec from the stream', () => {
  const px = gray16();
  const dcm = writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16 }), pixels: { frames: [[encodeJ2k(info, px)]], offsetTable: false } });
  assert.deepEqual(Array.from(decodeDicom(dcm, opts).frames[0].data), Array.from(px));
});

test('encapsulated JPEG-LS under Explicit VR Little Endian decodes too', () => {
  const px = gray16();
  const dcm = writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16 }), pixels: { frames: [[encodeJpegLs(info, px)]], offsetTable: false } });
  assert.deepEqual(Array.from(decodeDicom(dcm, opts).frames[0].data), Array.from(px));
});

test('a Modality LUT Sequence takes precedence over Rescale Slope/Intercept', () => {
  const lut = Array.from({ length: 16 }, (_, i) => 1000 + i * 7);
  const dcm = writeDicom({
    transferSyntax: TS.explicitLE,
    elements: imageElements({
      rows: 2,
      columns: 2,
      bitsAllocated: 8,
      extra: [
        { tag: 0x00281052, vr: 'DS', value: '-1024' },
        { tag: 0x00281053, vr: 'DS', value: '2' },
        { tag: 0x00283000, vr: 'SQ', value: [[{ tag: 0x00283002, vr: 'US', value: [16, 0, 16] }, { tag: 0x00283006, vr: 'US', value: lut }]] },
      ],
    }),
    pixels: Uint8Array.from([0, 3, 7, 15]),
    pixelVr: 'OB',
  });
  const img = decodeDicom(dcm, opts);
  assert.ok(img.modalityLut, 'the LUT is applied');
  assert.deepEqual(Array.from(img.modalityLut.data), lut);
  assert.deepEqual(img.rescale, { slope: 1, intercept: 0 }, 'rescale is not applied on top of the LUT');
});

test('a multi-frame file with one short frame keeps the good frames; the short one is padded with a warning', () => {
  const px = gray16();
  const good = encodeJpegLs(info, px);
  const dcm = writeDicom({
    transferSyntax: TS.jpegLsLossless,
    elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, frames: 3 }),
    pixels: { frames: [[good], [good.subarray(0, 40)], [good]], offsetTable: true },
  });
  const img = decodeDicom(dcm, opts);
  assert.equal(img.frames.length, 3);
  assert.deepEqual(Array.from(img.frames[0].data), Array.from(px));
  assert.deepEqual(Array.from(img.frames[2].data), Array.from(px));
  assert.equal(img.frames[1].data.length, W * H);
  assert.ok(img.frames[1].data.every((v) => v === 0));
  assert.match(img.warnings?.[0] ?? '', /frame 2 of 3 could not be decoded and was padded/);
});

test('native multi-frame Pixel Data short of Rows x Columns x frames keeps the complete frames and pads the tail with a warning', () => {
  const frameCount = 6;
  const px = Array.from({ length: frameCount }, (_, f) => Uint16Array.from(gray16(), (v) => (v + f * 101) % 4096));
  const all = new Uint8Array(frameCount * W * H * 2);
  px.forEach((f, i) => all.set(new Uint8Array(f.buffer), i * W * H * 2));
  // Frame 4 stops half way; frames 5 and 6 are missing.
  const kept = all.subarray(0, 3 * W * H * 2 + W * H);
  const dcm = writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, frames: frameCount }), pixels: kept });
  const img = decodeDicom(dcm, opts);
  assert.equal(img.frames.length, frameCount);
  for (let i = 0; i < 3; i++) assert.deepEqual(Array.from(img.frames[i].data), Array.from(px[i]), `frame ${i + 1} decodes exactly`);
  assert.deepEqual(Array.from(img.frames[3].data.subarray(0, (W * H) / 2)), Array.from(px[3].subarray(0, (W * H) / 2)), 'the present half of frame 4');
  assert.ok(img.frames[3].data.subarray((W * H) / 2).every((v) => v === 0), 'the missing half of frame 4 is zeros');
  for (let i = 4; i < frameCount; i++) assert.ok(img.frames[i].data.length === W * H && img.frames[i].data.every((v) => v === 0));
  assert.equal(img.warnings?.length, 1);
  assert.match(img.warnings?.[0] ?? '', /frames 4-6 of 6 were padded with zeros/);
});

test('native Pixel Data shorter than one frame is still refused', () => {
  const dcm = writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: H, columns: W, bitsAllocated: 16, frames: 3 }), pixels: new Uint8Array(W * H) });
  assert.throws(() => decodeDicom(dcm, opts), (e: unknown) => (e as { code?: string }).code === 'DICOM_PIXEL_DATA_SHORT');
});
