// Decoding of PNG / JPEG / TIFF / BMP from fixtures generated here, and every error path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import bmp from 'bmp-js';
import * as UTIF from 'utif2';
import { decodeImage } from '../../src/core/image/decode';
import { AnomalyLensError } from '../../src/shared/errors';
import type { DecodeOptions } from '../../src/core/image/decodeOptions';
import { mulberry32 } from '../../src/core/rng';

const OPTS: DecodeOptions = { path: 'fixture.img', maxPixels: 10_000_000 };

const rng = mulberry32;

// ---------- fixture writers ----------

function pngRgba(width: number, height: number, rgba: ArrayLike<number>, colorType: 0 | 2 | 4 | 6): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(Uint8Array.from(rgba));
  return new Uint8Array(PNG.sync.write(png, { colorType }));
}

function png16Gray(width: number, height: number, values: number[]): Uint8Array {
  const png = new PNG({ width, height, bitDepth: 16, colorType: 0, inputColorType: 0 });
  png.data = Buffer.from(Uint16Array.from(values).buffer);
  return new Uint8Array(PNG.sync.write(png, { bitDepth: 16, colorType: 0, inputColorType: 0 }));
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A palette (colour type 3) PNG, which pngjs cannot write. */
function pngPalette(width: number, height: number, palette: [number, number, number][], indices: number[]): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 3;
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = indices[y * width + x];
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Uint8Array.from(palette.flat())),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]));
}

/** PNG with only a header (for size checks) followed by a tiny IDAT. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', new Uint8Array(0)),
  ]));
}

interface TiffPage {
  width: number;
  height: number;
  bps: number;
  spp: number;
  photometric: number;
  compression?: number;
  /** Strip bytes as stored (already compressed when compression != 1). */
  strip: Uint8Array;
  extra?: [number, number, number[]][]; // [tag, type, values]
}

/** Minimal little-endian TIFF writer: one strip per page, pages chained in order. */
function tiff(pages: TiffPage[], opts: { loopLastToFirst?: boolean } = {}): Uint8Array {
  const parts: number[] = [];
  const buf = new Uint8Array(1 << 20);
  const v = new DataView(buf.buffer);
  buf.set([0x49, 0x49, 42, 0], 0);
  let pos = 8;
  const ifdOffsets: number[] = [];
  const nextPointers: number[] = [];
  for (const page of pages) {
    const stripAt = pos;
    buf.set(page.strip, pos);
    pos += page.strip.length + (page.strip.length & 1);
    const entries: [number, number, number[]][] = [
      [256, 4, [page.width]],
      [257, 4, [page.height]],
      [258, 3, Array(page.spp).fill(page.bps)],
      [259, 3, [page.compression ?? 1]],
      [262, 3, [page.photometric]],
      [273, 4, [stripAt]],
      [277, 3, [page.spp]],
      [278, 4, [page.height]],
      [279, 4, [page.strip.length]],
      ...(page.extra ?? []),
    ].sort((a, b) => (a[0] as number) - (b[0] as number)) as [number, number, number[]][];
    // Out-of-line values first.
    const valueAt = new Map<number, number>();
    for (const [tag, type, values] of entries) {
      const size = (type === 3 ? 2 : 4) * values.length;
      if (size > 4) {
        valueAt.set(tag, pos);
        values.forEach((x, i) => (type === 3 ? v.setUint16(pos + 2 * i, x, true) : v.setUint32(pos + 4 * i, x, true)));
        pos += size + (size & 1);
      }
    }
    ifdOffsets.push(pos);
    v.setUint16(pos, entries.length, true);
    let e = pos + 2;
    for (const [tag, type, values] of entries) {
      v.setUint16(e, tag, true);
      v.setUint16(e + 2, type, true);
      v.setUint32(e + 4, values.length, true);
      const at = valueAt.get(tag);
      if (at !== undefined) v.setUint32(e + 8, at, true);
      else values.forEach((x, i) => (type === 3 ? v.setUint16(e + 8 + 2 * i, x, true) : v.setUint32(e + 8, x, true)));
      e += 12;
    }
    nextPointers.push(e);
    v.setUint32(e, 0, true);
    pos = e + 4;
  }
  v.setUint32(4, ifdOffsets[0], true);
  for (let i = 0; i + 1 < pages.length; i++) v.setUint32(nextPointers[i], ifdOffsets[i + 1], true);
  if (opts.loopLastToFirst) v.setUint32(nextPointers[pages.length - 1], ifdOffsets[0], true);
  void parts;
  return buf.slice(0, pos);
}

function packBits(data: Uint8Array): Uint8Array {
  // Literal runs of up to 128 bytes only: valid PackBits, enough to exercise the decoder.
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 128) {
    const n = Math.min(128, data.length - i);
    out.push(n - 1, ...data.subarray(i, i + n));
  }
  return Uint8Array.from(out);
}

/** Straightforward TIFF LZW encoder (MSB-first codes, early change), for the LZW path. */
function lzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let width = 9;
  const emit = (code: number) => {
    acc = (acc << width) | code;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 255);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  let dict = new Map<string, number>();
  let next = 258;
  const reset = () => {
    dict = new Map();
    for (let i = 0; i < 256; i++) dict.set(String.fromCharCode(i), i);
    next = 258;
    width = 9;
  };
  emit(256);
  reset();
  let w = '';
  for (const byte of data) {
    const wc = w + String.fromCharCode(byte);
    if (dict.has(wc)) {
      w = wc;
      continue;
    }
    emit(dict.get(w)!);
    dict.set(wc, next++);
    if (next + 1 >= 1 << width) width++;
    if (next >= 4093) {
      emit(256);
      reset();
    }
    w = String.fromCharCode(byte);
  }
  if (w) emit(dict.get(w)!);
  emit(257);
  if (bits > 0) out.push((acc << (8 - bits)) & 255);
  return Uint8Array.from(out);
}

function le16(values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values).buffer);
}

function bmp24(width: number, height: number, rgb: number[]): Uint8Array {
  const abgr = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    abgr[p * 4 + 1] = rgb[p * 3 + 2];
    abgr[p * 4 + 2] = rgb[p * 3 + 1];
    abgr[p * 4 + 3] = rgb[p * 3];
  }
  return new Uint8Array(bmp.encode({ data: abgr, width, height }).data);
}

/** 8-bit palette BMP (bottom-up, gray palette), written by hand: bmp-js encodes 24-bit only. */
function bmp8Gray(width: number, height: number, values: number[]): Uint8Array {
  const row = Math.ceil(width / 4) * 4;
  const offset = 14 + 40 + 256 * 4;
  const b = Buffer.alloc(offset + row * height);
  b.write('BM', 0, 'ascii');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(8, 28);
  b.writeUInt32LE(256, 46);
  for (let i = 0; i < 256; i++) b.set([i, i, i, 0], 54 + i * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) b[offset + (height - 1 - y) * row + x] = values[y * width + x];
  return new Uint8Array(b);
}

function expectError(fn: () => unknown, code: string): AnomalyLensError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AnomalyLensError, `expected AnomalyLensError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.file, OPTS.path, 'the error names the file');
    return err;
  }
  assert.fail(`expected ${code}, but decoding succeeded`);
}

// ---------- PNG ----------

test('PNG 8-bit gray decodes to 1 channel with exact values and a 0..255 window', () => {
  const values = [0, 17, 128, 255, 3, 200];
  const img = decodeImage(pngRgba(3, 2, values.flatMap((g) => [g, g, g, 255]), 0), OPTS);
  assert.equal(img.format, 'png');
  assert.deepEqual([img.width, img.height, img.channels, img.bitDepth, img.frameCount], [3, 2, 1, 8, 1]);
  assert.ok(img.frames[0].data instanceof Uint8Array);
  assert.deepEqual(Array.from(img.frames[0].data), values);
  assert.deepEqual(img.rescale, { slope: 1, intercept: 0 });
  assert.equal(img.invert, false);
  assert.equal(img.windows.length, 1);
  assert.equal(img.windows[0].center - img.windows[0].width / 2, 0);
  assert.equal(img.windows[0].center + img.windows[0].width / 2, 255);
});

test('PNG 16-bit gray keeps 16-bit samples in a Uint16Array', () => {
  const values = [0, 1, 4095, 40000, 65535, 12345];
  const img = decodeImage(png16Gray(3, 2, values), OPTS);
  assert.equal(img.bitDepth, 16);
  assert.equal(img.channels, 1);
  assert.ok(img.frames[0].data instanceof Uint16Array);
  assert.deepEqual(Array.from(img.frames[0].data), values);
  assert.equal(img.windows[0].center - img.windows[0].width / 2, 0, 'window starts at the data minimum');
  assert.equal(img.windows[0].center + img.windows[0].width / 2, 65535);
});

test('PNG RGB, RGBA and gray+alpha keep the documented channel layouts', () => {
  const rgba = [10, 20, 30, 255, 40, 50, 60, 128, 70, 80, 90, 0, 1, 2, 3, 4];
  const rgb = decodeImage(pngRgba(2, 2, rgba.map((v, i) => (i % 4 === 3 ? 255 : v)), 2), OPTS);
  assert.equal(rgb.channels, 3);
  assert.deepEqual(Array.from(rgb.frames[0].data), [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3]);
  const withAlpha = decodeImage(pngRgba(2, 2, rgba, 6), OPTS);
  assert.equal(withAlpha.channels, 4);
  assert.deepEqual(Array.from(withAlpha.frames[0].data), rgba);
  const grayAlpha = decodeImage(pngRgba(2, 1, [90, 90, 90, 10, 200, 200, 200, 255], 4), OPTS);
  assert.equal(grayAlpha.channels, 1, 'gray+alpha drops alpha');
  assert.deepEqual(Array.from(grayAlpha.frames[0].data), [90, 200]);
});

test('PNG palette images expand to RGB, or to 1 channel when the palette is gray', () => {
  const colour = decodeImage(pngPalette(3, 1, [[255, 0, 0], [0, 128, 255], [9, 9, 9]], [1, 0, 2]), OPTS);
  assert.equal(colour.channels, 3);
  assert.equal(colour.bitDepth, 8);
  assert.deepEqual(Array.from(colour.frames[0].data), [0, 128, 255, 255, 0, 0, 9, 9, 9]);
  const gray = decodeImage(pngPalette(3, 1, [[0, 0, 0], [100, 100, 100], [250, 250, 250]], [2, 1, 0]), OPTS);
  assert.equal(gray.channels, 1);
  assert.deepEqual(Array.from(gray.frames[0].data), [250, 100, 0]);
});

// ---------- JPEG ----------

test('JPEG decodes to RGB close to the encoded flat colours', () => {
  const w = 16;
  const h = 8;
  const data = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) data.set(p % w < 8 ? [200, 40, 40, 255] : [30, 160, 220, 255], p * 4);
  const bytes = new Uint8Array(jpeg.encode({ data, width: w, height: h }, 95).data);
  const img = decodeImage(bytes, OPTS);
  assert.equal(img.format, 'jpeg');
  assert.deepEqual([img.width, img.height, img.channels, img.bitDepth], [w, h, 3, 8]);
  const px = (x: number, y: number) => Array.from(img.frames[0].data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
  for (const [got, want] of [[px(2, 4), [200, 40, 40]], [px(13, 4), [30, 160, 220]]]) {
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 6, `${got} vs ${want}`));
  }
});

// ---------- TIFF ----------

test('TIFF written by utif2 (8-bit RGBA) decodes exactly', () => {
  const rgba = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255, 13, 14, 15, 255, 16, 17, 18, 255]);
  const img = decodeImage(new Uint8Array(UTIF.encodeImage(rgba, 3, 2)), OPTS);
  assert.equal(img.format, 'tiff');
  assert.deepEqual([img.width, img.height, img.channels, img.bitDepth], [3, 2, 4, 8]);
  assert.deepEqual(Array.from(img.frames[0].data), Array.from(rgba));
});

test('TIFF 16-bit gray keeps full depth uncompressed, PackBits, Deflate and LZW', () => {
  const values = [0, 1000, 65535, 4095, 300, 12];
  const raw = le16(values);
  for (const [compression, strip] of [[1, raw], [32773, packBits(raw)], [8, new Uint8Array(deflateSync(raw))], [5, lzw(raw)]] as const) {
    const img = decodeImage(tiff([{ width: 3, height: 2, bps: 16, spp: 1, photometric: 1, compression, strip }]), OPTS);
    assert.equal(img.bitDepth, 16, `compression ${compression}`);
    assert.ok(img.frames[0].data instanceof Uint16Array);
    assert.deepEqual(Array.from(img.frames[0].data), values, `compression ${compression}`);
    assert.equal(img.invert, false);
  }
});

test('TIFF 8-bit RGB with LZW and a gray WhiteIsZero page set channels and invert', () => {
  const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
  const colour = decodeImage(tiff([{ width: 4, height: 3, bps: 8, spp: 3, photometric: 2, compression: 5, strip: lzw(rgb) }]), OPTS);
  assert.equal(colour.channels, 3);
  assert.deepEqual(Array.from(colour.frames[0].data), Array.from(rgb));
  const gray = decodeImage(tiff([{ width: 2, height: 2, bps: 8, spp: 1, photometric: 0, strip: Uint8Array.from([0, 50, 100, 255]) }]), OPTS);
  assert.equal(gray.channels, 1);
  assert.equal(gray.invert, true, 'WhiteIsZero inverts');
  assert.deepEqual(Array.from(gray.frames[0].data), [0, 50, 100, 255]);
});

test('multi-page TIFF becomes frames; a looping IFD chain does not hang', () => {
  const page = (v: number): TiffPage => ({ width: 2, height: 1, bps: 8, spp: 1, photometric: 1, strip: Uint8Array.from([v, v + 1]) });
  const img = decodeImage(tiff([page(10), page(20), page(30)]), OPTS);
  assert.equal(img.frameCount, 3);
  assert.deepEqual(img.frames.map((f) => Array.from(f.data)), [[10, 11], [20, 21], [30, 31]]);
  const looped = decodeImage(tiff([page(1), page(2)], { loopLastToFirst: true }), OPTS);
  assert.equal(looped.frameCount, 2);
});

// ---------- BMP ----------

test('BMP 24-bit (bmp-js) decodes exact RGB and 8-bit gray palette BMP to 1 channel', () => {
  const rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90];
  const img = decodeImage(bmp24(3, 2, rgb), OPTS);
  assert.equal(img.format, 'bmp');
  assert.deepEqual([img.width, img.height, img.channels], [3, 2, 3]);
  assert.deepEqual(Array.from(img.frames[0].data), rgb);
  const gray = [0, 1, 2, 3, 100, 150, 200, 255, 7, 8, 9, 10];
  const g = decodeImage(bmp8Gray(3, 4, gray), OPTS);
  assert.equal(g.channels, 1);
  assert.deepEqual(Array.from(g.frames[0].data), gray);
});

// ---------- errors ----------

test('empty and unknown files give FILE_EMPTY and UNKNOWN_FORMAT listing the formats', () => {
  expectError(() => decodeImage(new Uint8Array(0), OPTS), 'FILE_EMPTY');
  const err = expectError(() => decodeImage(new TextEncoder().encode('hello, not an image at all'), OPTS), 'UNKNOWN_FORMAT');
  assert.match(`${err.message} ${err.hint}`, /PNG.*JPEG.*TIFF.*BMP.*DICOM/);
});

test('truncated files of every format give FILE_TRUNCATED (or DECODE_FAILED), naming the file', () => {
  const png = pngRgba(8, 8, Array.from({ length: 256 }, (_, i) => (i * 13) % 256), 6);
  expectError(() => decodeImage(png.subarray(0, 20), OPTS), 'FILE_TRUNCATED');
  const cut = expectError(() => decodeImage(png.subarray(0, png.length - 30), OPTS), 'FILE_TRUNCATED');
  assert.match(cut.message, /PNG/);
  const jpg = new Uint8Array(jpeg.encode({ data: Buffer.alloc(32 * 32 * 4, 90), width: 32, height: 32 }, 80).data);
  expectError(() => decodeImage(jpg.subarray(0, Math.floor(jpg.length * 0.7)), OPTS), 'FILE_TRUNCATED');
  const tif = tiff([{ width: 3, height: 2, bps: 16, spp: 1, photometric: 1, strip: le16([1, 2, 3, 4, 5, 6]) }]);
  // Keep the header and directory (which sit after the strip) but claim a strip beyond the end.
  const broken = tif.slice();
  new DataView(broken.buffer).setUint32(4, 4000, true);
  expectError(() => decodeImage(broken, OPTS), 'FILE_TRUNCATED');
  const b = bmp24(4, 4, Array(48).fill(7));
  expectError(() => decodeImage(b.subarray(0, b.length - 20), OPTS), 'FILE_TRUNCATED');
});

test('corrupt pixel data gives DECODE_FAILED', () => {
  const png = pngRgba(8, 8, Array.from({ length: 256 }, (_, i) => (i * 13) % 256), 6);
  const bad = png.slice();
  const idat = Buffer.from(bad).indexOf('IDAT');
  for (let i = idat + 4; i < idat + 20; i++) bad[i] ^= 0x5a;
  const err = expectError(() => decodeImage(bad, OPTS), 'DECODE_FAILED');
  assert.match(err.message, /PNG/);
});

test('zero-sized and oversized headers are refused before decoding (no decompression bomb)', () => {
  expectError(() => decodeImage(pngHeaderOnly(0, 10), OPTS), 'IMAGE_EMPTY');
  // The file is a header and nothing else: any attempt to decode would fail as DECODE_FAILED.
  const err = expectError(() => decodeImage(pngHeaderOnly(100_000, 100_000), OPTS), 'IMAGE_TOO_LARGE');
  assert.match(err.message, /100000x100000/);
  const small = { ...OPTS, maxPixels: 10 };
  expectError(() => decodeImage(pngRgba(4, 4, Array(64).fill(1), 2), small), 'IMAGE_TOO_LARGE');
  expectError(() => decodeImage(new Uint8Array(jpeg.encode({ data: Buffer.alloc(64 * 4), width: 8, height: 8 }).data), small), 'IMAGE_TOO_LARGE');
  expectError(() => decodeImage(tiff([{ width: 4, height: 4, bps: 8, spp: 1, photometric: 1, strip: new Uint8Array(16) }]), small), 'IMAGE_TOO_LARGE');
  expectError(() => decodeImage(bmp24(4, 4, Array(48).fill(0)), small), 'IMAGE_TOO_LARGE');
  expectError(() => decodeImage(tiff([{ width: 0, height: 4, bps: 8, spp: 1, photometric: 1, strip: new Uint8Array(4) }]), OPTS), 'IMAGE_EMPTY');
});

test('random corruption never crashes or hangs: every outcome is an image or an AnomalyLensError', () => {
  const random = rng(42);
  const samples = [
    pngRgba(8, 8, Array.from({ length: 256 }, (_, i) => (i * 7) % 256), 6),
    png16Gray(4, 4, Array.from({ length: 16 }, (_, i) => i * 999)),
    new Uint8Array(jpeg.encode({ data: Buffer.alloc(16 * 16 * 4, 128), width: 16, height: 16 }).data),
    tiff([{ width: 16, height: 16, bps: 8, spp: 1, photometric: 1, compression: 5, strip: lzw(Uint8Array.from({ length: 256 }, (_, i) => (i * i) % 251)) }]),
    bmp24(5, 3, Array(45).fill(99)),
  ];
  let errors = 0;
  for (let round = 0; round < 800; round++) {
    const src = samples[round % samples.length];
    let bytes = src.slice();
    if (random() < 0.4) bytes = bytes.subarray(0, Math.floor(random() * bytes.length) + 1);
    const flips = 1 + Math.floor(random() * 6);
    for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    try {
      const img = decodeImage(bytes, OPTS);
      assert.ok(img.width > 0 && img.height > 0);
    } catch (err) {
      assert.ok(err instanceof AnomalyLensError, `round ${round}: ${String(err)}`);
      errors++;
    }
  }
  assert.ok(errors > 0, 'some corruptions were detected');
  // Codec state left behind by corrupt files (utif2's LZW table) must not affect valid files.
  for (const src of samples) assert.ok(decodeImage(src, OPTS).width > 0);
});
