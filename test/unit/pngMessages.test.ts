import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../src/core/image/decode';
import { encodeSamplePng } from '../../src/core/samples/write';
import { AnomalyLensError } from '../../src/shared/errors';

const png = encodeSamplePng({ width: 64, height: 64, channels: 1, data: new Uint8Array(4096).map((_, i) => (i * 37) & 255) });

test("a truncated PNG is described in our words, not pngjs' ('waitng on finished stream')", () => {
  assert.throws(
    () => decodeImage(png.subarray(0, png.length - 20), { path: 'cut.png', maxPixels: 1e8 }),
    (e: unknown) => e instanceof AnomalyLensError && e.code === 'FILE_TRUNCATED' && /the data stops before the image is complete/.test(e.message) && !/waitng|stream/.test(e.message),
  );
});

test('a PNG with a corrupted chunk says what is wrong without library wording', () => {
  const bad = Uint8Array.from(png);
  bad[50] ^= 0xff;
  assert.throws(
    () => decodeImage(bad, { path: 'flip.png', maxPixels: 1e8 }),
    (e: unknown) => e instanceof AnomalyLensError && e.code === 'DECODE_FAILED' && !/stream/.test(e.message),
  );
});
