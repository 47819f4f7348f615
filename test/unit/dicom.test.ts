import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDicom, isDicom } from '../../src/core/image/dicom/index';
import { AnomalyLensError, describeError } from '../../src/shared/errors';
import type { DecodedImage } from '../../src/shared/image';
import { TS, concat, encapsulate, encodeElements, encodeRleFrame, imageElements, rng, words, writeDicom, type El } from './dicomWriter';

const opts = { path: 'fixture.dcm', maxPixels: 10_000_000 };

function expectCode(fn: () => unknown, code: string): AnomalyLensError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AnomalyLensError, `expected AnomalyLensError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.file, 'fixture.dcm');
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

function randomInts(n: number, lo: number, hi: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}

test('implicit VR little endian, signed 16-bit CT with rescale and labelled windows', () => {
  const values = randomInts(5 * 7, -1024, 3000, 1);
  const bytes = writeDicom({
    transferSyntax: TS.implicitLE,
    elements: imageElements({
      rows: 5,
      columns: 7,
      bitsAllocated: 16,
      signed: true,
      extra: [
        { tag: 0x00080060, vr: 'CS', value: 'CT' },
        { tag: 0x00281052, vr: 'DS', value: '-1024' },
        { tag: 0x00281053, vr: 'DS', value: '1' },
        { tag: 0x00281050, vr: 'DS', value: ['40', '-600'] },
        { tag: 0x00281051, vr: 'DS', value: ['400', '1500'] },
        { tag: 0x00281055, vr: 'LO', value: ['BRAIN', 'LUNG'] },
        { tag: 0x00280030, vr: 'DS', value: ['0.5', '0.25'] },
      ],
    }).filter((e) => e.tag !== 0x00080060 || e.value === 'CT'),
    pixels: words(values),
  });
  assert.equal(isDicom(bytes), true);
  const img = decodeDicom(bytes, opts);
  assert.equal(img.format, 'dicom');
  assert.deepEqual([img.width, img.height, img.channels, img.frameCount, img.bitDepth], [7, 5, 1, 1, 16]);
  assert.ok(img.frames[0].data instanceof Int16Array);
  assert.deepEqual(Array.from(img.frames[0].data), values);
  assert.deepEqual(img.rescale, { slope: 1, intercept: -1024 });
  assert.deepEqual(img.windows, [
    { center: 40, width: 400, label: 'BRAIN' },
    { center: -600, width: 1500, label: 'LUNG' },
  ]);
  assert.equal(img.invert, false);
  assert.deepEqual(img.meta, {
    rows: 5,
    columns: 7,
    photometricInterpretation: 'MONOCHROME2',
    transferSyntaxUid: TS.implicitLE,
    bitsStored: 16,
    signed: true,
    modality: 'CT',
    sopInstanceUid: '1.2.3.4.5.6.7',
    pixelSpacing: [0.5, 0.25],
  });
});

test('explicit VR big endian: 12 of 16 bits stored are masked and MONOCHROME1 inverts', () => {
  const values = randomInts(4 * 3, 0, 4095, 2);
  const garbage = values.map((v, i) => v | ((i % 16) << 12)); // overlay bits above HighBit
  const bytes = writeDicom({
    transferSyntax: TS.explicitBE,
    elements: imageElements({ rows: 4, columns: 3, bitsAllocated: 16, bitsStored: 12, photometric: 'MONOCHROME1' }),
    pixels: words(garbage, false),
  });
  const img = decodeDicom(bytes, opts);
  assert.ok(img.frames[0].data instanceof Uint16Array);
  assert.deepEqual(Array.from(img.frames[0].data), values);
  assert.equal(img.invert, true);
  assert.equal(img.bitDepth, 12);
  // No window in the file: min-max over modality values.
  const min = Math.min(...values);
  const max = Math.max(...values);
  assert.equal(img.windows.length, 1);
  assert.equal(img.windows[0].width, max - min + 1);
  assert.equal(img.windows[0].center, (min + max) / 2 + 0.5);
});

test('signed 12-bit stored in 16 bits is sign-extended from bit 11', () => {
  const values = [-2048, -1, 0, 1, 2047, -100];
  const raw = values.map((v) => v & 0x0fff);
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 2, columns: 3, bitsAllocated: 16, bitsStored: 12, signed: true }), pixels: words(raw) }),
    opts,
  );
  assert.deepEqual(Array.from(img.frames[0].data), values);
});

test('deflated explicit VR little endian decodes like the plain one', () => {
  const values = randomInts(9 * 11, 0, 255, 3);
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.deflated, elements: imageElements({ rows: 9, columns: 11, bitsAllocated: 8 }), pixels: Uint8Array.from(values), pixelVr: 'OB' }),
    opts,
  );
  assert.ok(img.frames[0].data instanceof Uint8Array);
  assert.deepEqual(Array.from(img.frames[0].data), values);
  assert.equal(img.meta.transferSyntaxUid, TS.deflated);
});

test('RGB planar configuration 1 becomes interleaved; odd width kept', () => {
  const w = 3;
  const h = 2;
  const rgb = randomInts(w * h * 3, 0, 255, 4);
  const planar = [0, 1, 2].flatMap((c) => Array.from({ length: w * h }, (_, i) => rgb[3 * i + c]));
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: h, columns: w, bitsAllocated: 8, samples: 3, photometric: 'RGB', planar: 1 }), pixels: Uint8Array.from(planar), pixelVr: 'OB' }),
    opts,
  );
  assert.equal(img.channels, 3);
  assert.deepEqual(Array.from(img.frames[0].data), rgb);
  assert.deepEqual(img.windows, [{ center: 128, width: 256, label: 'full range' }]);
});

test('YBR_FULL and YBR_FULL_422 convert to RGB', () => {
  // Pure grey (Cb = Cr = 128) must stay grey; pure red YCbCr (76, 85, 255) -> ~(255, 0, 0).
  const ybr = [100, 128, 128, 76, 85, 255];
  const full = decodeDicom(
    writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 1, columns: 2, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL' }), pixels: Uint8Array.from(ybr), pixelVr: 'OB' }),
    opts,
  );
  const d = Array.from(full.frames[0].data);
  assert.deepEqual(d.slice(0, 3), [100, 100, 100]);
  assert.ok(d[3] >= 253 && d[4] <= 2 && d[5] <= 2, `red came out as ${d.slice(3)}`);
  // 422: Y0 Y1 Cb Cr for a pixel pair.
  const y422 = decodeDicom(
    writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 1, columns: 2, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL_422' }), pixels: Uint8Array.from([50, 200, 128, 128]), pixelVr: 'OB' }),
    opts,
  );
  assert.deepEqual(Array.from(y422.frames[0].data), [50, 50, 50, 200, 200, 200]);
});

function paletteElements(bits: 8 | 16, lutValues: number[][], first: number): El[] {
  return [0, 1, 2].flatMap((c) => [
    { tag: 0x00281101 + c, vr: 'US' as const, value: [lutValues[c].length, first, bits] },
    { tag: 0x00281201 + c, vr: 'OW' as const, value: words(lutValues[c]) },
  ]);
}

test('PALETTE COLOR with 8-bit and 16-bit LUT entries maps to RGB, clamping out-of-range indices', () => {
  const indices = [10, 11, 12, 13, 5, 200];
  const lut8 = [[0, 50, 100, 150], [10, 20, 30, 40], [255, 254, 253, 252]];
  const img8 = decodeDicom(
    writeDicom({
      transferSyntax: TS.explicitLE,
      elements: imageElements({ rows: 2, columns: 3, bitsAllocated: 8, photometric: 'PALETTE COLOR', extra: paletteElements(8, lut8, 10) }),
      pixels: Uint8Array.from(indices),
      pixelVr: 'OB',
    }),
    opts,
  );
  assert.equal(img8.channels, 3);
  assert.equal(img8.bitDepth, 8);
  assert.ok(img8.frames[0].data instanceof Uint8Array);
  const expect8 = indices.flatMap((i) => {
    const k = Math.min(3, Math.max(0, i - 10));
    return [lut8[0][k], lut8[1][k], lut8[2][k]];
  });
  assert.deepEqual(Array.from(img8.frames[0].data), expect8);

  const lut16 = [[0, 65535], [1000, 2000], [40000, 30000]];
  const img16 = decodeDicom(
    writeDicom({
      transferSyntax: TS.explicitLE,
      elements: imageElements({ rows: 1, columns: 2, bitsAllocated: 16, photometric: 'PALETTE COLOR', extra: paletteElements(16, lut16, 0) }),
      pixels: words([1, 0]),
    }),
    opts,
  );
  assert.equal(img16.bitDepth, 16);
  assert.deepEqual(Array.from(img16.frames[0].data), [65535, 2000, 30000, 0, 1000, 40000]);
});

test('multi-frame native: every frame addressable', () => {
  const frames = [0, 1, 2].map((f) => randomInts(4 * 4, 0, 60000, 10 + f));
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 4, columns: 4, bitsAllocated: 16, frames: 3 }), pixels: words(frames.flat()) }),
    opts,
  );
  assert.equal(img.frameCount, 3);
  assert.equal(img.frames.length, 3);
  frames.forEach((f, i) => assert.deepEqual(Array.from(img.frames[i].data), f));
});

test('1-bit segmentation frames are unpacked bit by bit across byte boundaries', () => {
  // 3x3 = 9 bits per frame: frame 2 starts mid-byte.
  const bits = [1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0];
  const packed = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => (packed[i >> 3] |= b << (i & 7)));
  const img = decodeDicom(
    writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 3, columns: 3, bitsAllocated: 1, frames: 2 }), pixels: packed, pixelVr: 'OB' }),
    opts,
  );
  assert.deepEqual(Array.from(img.frames[0].data), bits.slice(0, 9));
  assert.deepEqual(Array.from(img.frames[1].data), bits.slice(9));
});

for (const offsetTable of [true, false]) {
  test(`RLE lossless, 16-bit signed and 8-bit RGB, multi-frame, ${offsetTable ? 'with' : 'without'} offset table`, () => {
    const w = 5;
    const h = 3;
    const gray = [0, 1].map((f) => randomInts(w * h, -30000, 30000, 20 + f));
    const grayImg = decodeDicom(
      writeDicom({
        transferSyntax: TS.rle,
        elements: imageElements({ rows: h, columns: w, bitsAllocated: 16, signed: true, frames: 2 }),
        pixels: { frames: gray.map((f) => [encodeRleFrame(words(f), w * h, 1, 2)]), offsetTable },
      }),
      opts,
    );
    gray.forEach((f, i) => assert.deepEqual(Array.from(grayImg.frames[i].data), f));

    const rgb = [0, 1].map((f) => randomInts(w * h * 3, 0, 255, 30 + f));
    const rgbImg = decodeDicom(
      writeDicom({
        transferSyntax: TS.rle,
        elements: imageElements({ rows: h, columns: w, bitsAllocated: 8, samples: 3, photometric: 'RGB', frames: 2 }),
        // Split frame 1 over two fragments to exercise fragment boundaries.
        pixels: {
          frames: rgb.map((f, i) => {
            const enc = encodeRleFrame(Uint8Array.from(f), w * h, 3, 1);
            return i === 1 ? [enc.subarray(0, 40), enc.subarray(40)] : [enc];
          }),
          offsetTable,
        },
      }),
      opts,
    );
    rgb.forEach((f, i) => assert.deepEqual(Array.from(rgbImg.frames[i].data), f));
  });
}

test('VOI LUT sequence is returned and gives a default window; modality LUT too', () => {
  const lut = Array.from({ length: 256 }, (_, i) => Math.min(255, i * 2));
  const img = decodeDicom(
    writeDicom({
      transferSyntax: TS.explicitLE,
      elements: imageElements({
        rows: 1,
        columns: 4,
        bitsAllocated: 16,
        bitsStored: 12,
        extra: [
          {
            tag: 0x00283010,
            vr: 'SQ',
            value: [[
              { tag: 0x00283002, vr: 'US', value: [256, 100, 8] },
              { tag: 0x00283003, vr: 'LO', value: 'DOUBLE' },
              { tag: 0x00283006, vr: 'OW', value: words(lut) },
            ]],
          },
        ],
      }),
      pixels: words([0, 100, 200, 4095]),
    }),
    opts,
  );
  assert.equal(img.voiLuts?.length, 1);
  assert.equal(img.voiLuts?.[0].firstMapped, 100);
  assert.equal(img.voiLuts?.[0].label, 'DOUBLE');
  assert.deepEqual(Array.from(img.voiLuts?.[0].data ?? []), lut);
  assert.deepEqual(img.windows, [{ center: 228, width: 256, label: 'DOUBLE' }]);
});

test('a file without meta header (bare implicit data set) still decodes', () => {
  const values = randomInts(6, 0, 1000, 5);
  const bytes = writeDicom({ transferSyntax: TS.implicitLE, elements: imageElements({ rows: 2, columns: 3, bitsAllocated: 16 }), pixels: words(values), preamble: false });
  assert.equal(isDicom(bytes), true);
  assert.deepEqual(Array.from(decodeDicom(bytes, opts).frames[0].data), values);
});

/** Preamble + meta header declaring `ts`, followed by a data set written implicit VR little endian. */
function implicitBodyUnder(ts: string, elements: El[], pixels: Uint8Array | Uint8Array[][]): Uint8Array {
  const head = writeDicom({ transferSyntax: ts, elements: [] });
  if (pixels instanceof Uint8Array) return concat(head, writeDicom({ transferSyntax: TS.implicitLE, elements, pixels, preamble: false }));
  // Encapsulated Pixel Data in implicit VR: tag + undefined length, then the items.
  const implicitHeader = Uint8Array.from([0xe0, 0x7f, 0x10, 0x00, 0xff, 0xff, 0xff, 0xff]);
  return concat(head, encodeElements(elements, true, false), implicitHeader, encapsulate(pixels, false).subarray(12));
}

test('an explicit VR transfer syntax over an implicit VR data set is read as implicit (native and RLE)', () => {
  const values = randomInts(12, 0, 4000, 7);
  const native = decodeDicom(implicitBodyUnder(TS.explicitLE, imageElements({ rows: 3, columns: 4, bitsAllocated: 16 }), words(values)), opts);
  assert.deepEqual(Array.from(native.frames[0].data), values);
  assert.equal(native.meta.transferSyntaxUid, TS.explicitLE);
  const frames = [randomInts(12, 0, 60000, 8), randomInts(12, 0, 60000, 9)];
  const rle = decodeDicom(
    implicitBodyUnder(TS.rle, imageElements({ rows: 3, columns: 4, bitsAllocated: 16, frames: 2 }), frames.map((f) => [encodeRleFrame(words(f), 12, 1, 2)])),
    opts,
  );
  assert.equal(rle.meta.transferSyntaxUid, TS.rle);
  frames.forEach((f, i) => assert.deepEqual(Array.from(rle.frames[i].data), f));
});

test('a bare data set preceded by a stray byte -> DICOM_INVALID saying so', () => {
  const body = writeDicom({ transferSyntax: TS.explicitLE, elements: small(), pixels: new Uint8Array(32), preamble: false });
  assert.equal(decodeDicom(body, opts).width, 4);
  const e = expectCode(() => decodeDicom(concat(Uint8Array.from([0x20]), body), opts), 'DICOM_INVALID');
  assert.match(e.message, /1 stray byte/);
});

// ---- errors ----

const small = () => imageElements({ rows: 4, columns: 4, bitsAllocated: 16 });

test('no pixel data (e.g. a structured report) -> DICOM_NO_PIXEL_DATA', () => {
  expectCode(() => decodeDicom(writeDicom({ transferSyntax: TS.explicitLE, elements: [{ tag: 0x00080060, vr: 'CS', value: 'SR' }] }), opts), 'DICOM_NO_PIXEL_DATA');
});

test('unsupported transfer syntax -> DICOM_UNSUPPORTED_TRANSFER_SYNTAX naming it', () => {
  const e = expectCode(
    () => decodeDicom(writeDicom({ transferSyntax: TS.mpeg2, elements: small(), pixels: { frames: [[new Uint8Array(10)]], offsetTable: false } }), opts),
    'DICOM_UNSUPPORTED_TRANSFER_SYNTAX',
  );
  assert.match(e.message, /MPEG2/);
});

test('pixel data shorter than rows x columns x bits -> DICOM_PIXEL_DATA_SHORT', () => {
  const e = expectCode(() => decodeDicom(writeDicom({ transferSyntax: TS.explicitLE, elements: small(), pixels: new Uint8Array(20) }), opts), 'DICOM_PIXEL_DATA_SHORT');
  assert.match(e.message, /20 bytes/);
});

test('file cut inside pixel data -> FILE_TRUNCATED', () => {
  const whole = writeDicom({ transferSyntax: TS.explicitLE, elements: small(), pixels: new Uint8Array(32) });
  expectCode(() => decodeDicom(whole.subarray(0, whole.length - 10), opts), 'FILE_TRUNCATED');
});

test('every truncation point gives a typed error or a valid image, never a crash', () => {
  const whole = writeDicom({ transferSyntax: TS.explicitLE, elements: small(), pixels: new Uint8Array(32) });
  for (let n = 0; n < whole.length; n += 7) {
    try {
      decodeDicom(whole.subarray(0, n), opts);
    } catch (e) {
      assert.ok(e instanceof AnomalyLensError, `cut at ${n}: ${String(e)}`);
    }
  }
});

test('an invalid VR -> DICOM_BAD_VR', () => {
  const els: El[] = [...small(), { tag: 0x00091001, vr: 'ZZ', value: 'AB' }];
  expectCode(() => decodeDicom(writeDicom({ transferSyntax: TS.explicitLE, elements: els, pixels: new Uint8Array(32) }), opts), 'DICOM_BAD_VR');
});

test('over the pixel limit -> IMAGE_TOO_LARGE before decoding', () => {
  const bytes = writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 4, columns: 4, bitsAllocated: 16, frames: 3 }), pixels: new Uint8Array(96) });
  expectCode(() => decodeDicom(bytes, { path: 'fixture.dcm', maxPixels: 47 }), 'IMAGE_TOO_LARGE');
  assert.equal(decodeDicom(bytes, { path: 'fixture.dcm', maxPixels: 48 }).frameCount, 3);
});

test('not DICOM at all -> DICOM_INVALID; empty -> FILE_EMPTY', () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0]);
  assert.equal(isDicom(png), false);
  expectCode(() => decodeDicom(png, opts), 'DICOM_INVALID');
  expectCode(() => decodeDicom(new Uint8Array(0), opts), 'FILE_EMPTY');
});

test('a corrupt RLE frame -> typed error', () => {
  const frame = encodeRleFrame(words(randomInts(16, 0, 9, 6)), 16, 1, 2);
  expectCode(
    () => decodeDicom(writeDicom({ transferSyntax: TS.rle, elements: small(), pixels: { frames: [[frame.subarray(0, 70)]], offsetTable: false } }), opts),
    'DICOM_PIXEL_DATA_SHORT',
  );
});

test('patient-identifying values never appear in the decoded image or in any error', () => {
  const secret = ['Doe^Jane^Secret', 'PID-99887766', '19700101', 'Hospital Of Secrets', 'Dr^Who^Referrer'];
  const identifying: El[] = [
    { tag: 0x00100010, vr: 'PN', value: secret[0] },
    { tag: 0x00100020, vr: 'LO', value: secret[1] },
    { tag: 0x00100030, vr: 'DA', value: secret[2] },
    { tag: 0x00080080, vr: 'LO', value: secret[3] },
    { tag: 0x00080090, vr: 'PN', value: secret[4] },
  ];
  const check = (s: string) => secret.forEach((v) => assert.ok(!s.includes(v), `leaked ${v}`));
  const img: DecodedImage = decodeDicom(writeDicom({ transferSyntax: TS.explicitLE, elements: [...small(), ...identifying], pixels: new Uint8Array(32) }), opts);
  check(JSON.stringify({ ...img, frames: [] }));
  const broken = [
    writeDicom({ transferSyntax: TS.explicitLE, elements: [...small(), ...identifying], pixels: new Uint8Array(10) }),
    writeDicom({ transferSyntax: TS.explicitLE, elements: identifying }),
    writeDicom({ transferSyntax: TS.mpeg2, elements: [...small(), ...identifying], pixels: { frames: [[new Uint8Array(4)]], offsetTable: false } }),
    writeDicom({ transferSyntax: TS.explicitLE, elements: [...small(), ...identifying, { tag: 0x00091001, vr: 'ZZ', value: 'AB' }], pixels: new Uint8Array(32) }),
  ];
  const whole = writeDicom({ transferSyntax: TS.explicitLE, elements: [...small(), ...identifying], pixels: new Uint8Array(32) });
  for (let n = 140; n < whole.length; n += 5) broken.push(whole.subarray(0, n));
  broken.push(concat(whole.subarray(0, 200), new Uint8Array(5).fill(0xff), whole.subarray(205)));
  let errors = 0;
  for (const b of broken) {
    try {
      const out = decodeDicom(b, opts);
      check(JSON.stringify({ ...out, frames: [] }));
    } catch (e) {
      errors++;
      assert.ok(e instanceof AnomalyLensError);
      check(describeError(e));
      check(String(e.stack));
      check(String((e.cause as Error | undefined)?.message ?? ''));
    }
  }
  assert.ok(errors >= 4);
});
