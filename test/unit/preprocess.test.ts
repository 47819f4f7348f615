// Decoded image → model input: intensity mapping, geometry of resize/crop, scaling, augmentation, speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import type { DecodedImage, SampleArray } from '../../src/shared/image';
import { decodeImage } from '../../src/core/image/decode';
import { IMAGENET_MEAN, IMAGENET_STD, cropGeometry, intensityTransform, toModelInput } from '../../src/core/image/preprocess';
import { augmentations, augmentedViews, gridFromView, shiftedInput, testViewTurns, viewSpecs } from '../../src/core/method/views';

const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

function image(width: number, height: number, channels: 1 | 3 | 4, data: SampleArray, extra: Partial<DecodedImage> = {}): DecodedImage {
  return {
    format: 'png', width, height, channels, bitDepth: data instanceof Uint8Array ? 8 : 16, frameCount: 1, frames: [{ data }],
    rescale: { slope: 1, intercept: 0 }, windows: [{ center: 127.5, width: 255 }], invert: false, meta: {}, ...extra,
  };
}

/** Intensity-weighted centre (pixel-index units) of a square plane. */
function centroid(values: number[], size: number): [number, number] {
  let sx = 0;
  let sy = 0;
  let sum = 0;
  values.forEach((v, i) => {
    sx += v * (i % size);
    sy += v * Math.floor(i / size);
    sum += v;
  });
  return [sx / sum, sy / sum];
}

const plane = (data: Float32Array, c: number, size: number) => Array.from(data.subarray(c * size * size, (c + 1) * size * size));

test('8-bit gray at model size maps v/255 exactly and is replicated to 3 channels', () => {
  const values = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const out = toModelInput(image(4, 4, 1, values), 0, { resize: 4, crop: 4, intensity: 'auto' }, 'unit');
  assert.equal(out.data.length, 3 * 16);
  for (let c = 0; c < 3; c++) plane(out.data, c, 4).forEach((v, i) => close(v, values[i] / 255));
  assert.deepEqual(out.crop, { x: 0, y: 0, width: 4, height: 4 });
});

test('scalings: symmetric is [-1, 1] and imagenet uses the ImageNet mean/std per channel', () => {
  const rgb = new Uint8Array(2 * 2 * 3).fill(255);
  const sym = toModelInput(image(2, 2, 3, rgb), 0, { resize: 2, crop: 2, intensity: 'auto' }, 'symmetric');
  sym.data.forEach((v) => close(v, 1));
  const net = toModelInput(image(2, 2, 3, rgb), 0, { resize: 2, crop: 2, intensity: 'auto' }, 'imagenet');
  for (let c = 0; c < 3; c++) plane(net.data, c, 2).forEach((v) => close(v, (1 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]));
});

test('16-bit images map min–max of the frame; invert flips; alpha is dropped', () => {
  const v16 = Uint16Array.from([1000, 2000, 3000, 1500]);
  const out = toModelInput(image(2, 2, 1, v16), 0, { resize: 2, crop: 2, intensity: 'auto' }, 'unit');
  plane(out.data, 0, 2).forEach((v, i) => close(v, [0, 0.5, 1, 0.25][i]));
  const inv = toModelInput(image(2, 2, 1, v16, { invert: true }), 0, { resize: 2, crop: 2, intensity: 'auto' }, 'unit');
  plane(inv.data, 0, 2).forEach((v, i) => close(v, [1, 0.5, 0, 0.75][i]));
  const bd = toModelInput(image(2, 2, 1, v16), 0, { resize: 2, crop: 2, intensity: 'bitdepth' }, 'unit');
  close(bd.data[2], 3000 / 65535);
  const rgba = Uint8Array.from([255, 0, 0, 7, 0, 255, 0, 7, 0, 0, 255, 7, 0, 0, 0, 7]);
  const c = toModelInput(image(2, 2, 4, rgba), 0, { resize: 2, crop: 2, intensity: 'auto' }, 'unit');
  assert.deepEqual([plane(c.data, 0, 2), plane(c.data, 1, 2), plane(c.data, 2, 2)], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]);
});

test('DICOM CT uses the first window on rescaled values; other DICOM uses min–max', () => {
  // Stored 0..2048 with intercept −1024 → HU −1024..1024; window 40/400 → [−160, 240].
  const stored = Int16Array.from([0, 864, 1064, 1264, 2048, 1024]);
  const ct = image(3, 2, 1, stored, { format: 'dicom', rescale: { slope: 1, intercept: -1024 }, windows: [{ center: 40, width: 400 }], meta: { modality: 'CT' } });
  assert.equal(intensityTransform(ct, 0, 'auto').method, 'window');
  const out = toModelInput(ct, 0, { resize: 3, crop: 3, intensity: 'auto' }, 'unit');
  // Resize 3×2 → 3×3 changes geometry, so check the transform itself on stored values.
  const t = intensityTransform(ct, 0, 'auto');
  const map = (v: number) => Math.min(1, Math.max(0, v * t.scale + t.offset));
  assert.deepEqual(Array.from(stored, map).map((v) => Math.round(v * 1000) / 1000), [0, 0, 0.5, 1, 1, 0.4]);
  assert.equal(out.data.length, 27);
  const xr = { ...ct, meta: { modality: 'CR' } };
  assert.equal(intensityTransform(xr, 0, 'auto').method, 'minmax');
});

test('resize-then-centre-crop geometry and the crop box in original pixels', () => {
  const g = cropGeometry(1024, 512, { resize: 256, crop: 224 });
  // 1024×512 → 512×256, crop 224 at (144, 16) → ×2 in original pixels.
  assert.deepEqual(g.box, { x: 288, y: 32, width: 448, height: 448 });
  assert.deepEqual(cropGeometry(300, 200, { resize: 224, crop: 224 }).box, { x: 0, y: 0, width: 300, height: 200 });
  assert.throws(() => cropGeometry(10, 10, { resize: 100, crop: 224 }), /crop <= resize/);
});

test('a bright square lands where the crop box says it should', () => {
  const w = 400;
  const h = 200;
  const data = new Uint8Array(w * h);
  for (let y = 90; y < 110; y++) for (let x = 230; x < 250; x++) data[y * w + x] = 255;
  const out = toModelInput(image(w, h, 1, data), 0, { resize: 100, crop: 100 - 0, intensity: 'auto' }, 'unit');
  // resize === crop → whole image squashed to 100×100: square centre (240, 100) → (60, 50).
  const [cx, cy] = centroid(plane(out.data, 0, 100), 100);
  assert.ok(Math.abs(cx - 59.5) <= 0.5 && Math.abs(cy - 49.5) <= 0.5, `centroid at ${cx},${cy}`);
  const cropped = toModelInput(image(w, h, 1, data), 0, { resize: 100, crop: 80, intensity: 'auto' }, 'unit');
  // 400×200 → 200×100, crop 80 at (60, 10); box x = 120, width 160 in original pixels.
  assert.deepEqual(cropped.crop, { x: 120, y: 20, width: 160, height: 160 });
  const [qx, qy] = centroid(plane(cropped.data, 0, 80), 80);
  const px = 120 + (qx + 0.5) * 2;
  const py = 20 + (qy + 0.5) * 2;
  assert.ok(Math.abs(px - 240) <= 1 && Math.abs(py - 100) <= 1, `mapped back to ${px},${py}`);
});

test('antialiased shrinking averages fine detail instead of aliasing it', () => {
  const w = 64;
  const data = Uint8Array.from({ length: w * w }, (_, i) => ((i % w) % 2 === 0 ? 255 : 0)); // 1-px stripes
  const out = toModelInput(image(w, w, 1, data), 0, { resize: 8, crop: 8, intensity: 'auto' }, 'unit');
  plane(out.data, 0, 8).forEach((v) => close(v, 0.5, 0.02));
});

test('augmentations: flips and rotations move pixels as expected; rot90 then rot270 is identity', () => {
  const size = 3;
  const data = Float32Array.from({ length: 3 * 9 }, (_, i) => i);
  const aug = Object.fromEntries(augmentations({ data, size }, ['hflip', 'vflip', 'rot90', 'rot180', 'rot270']).map((a) => [a.kind, a.data]));
  assert.deepEqual(Array.from(aug.hflip.subarray(0, 9)), [2, 1, 0, 5, 4, 3, 8, 7, 6]);
  assert.deepEqual(Array.from(aug.vflip.subarray(0, 9)), [6, 7, 8, 3, 4, 5, 0, 1, 2]);
  assert.deepEqual(Array.from(aug.rot90.subarray(0, 9)), [2, 5, 8, 1, 4, 7, 0, 3, 6]);
  assert.deepEqual(Array.from(aug.rot180.subarray(9, 18)), [17, 16, 15, 14, 13, 12, 11, 10, 9]);
  const back = augmentations({ data: aug.rot90, size }, ['rot270'])[0].data;
  assert.deepEqual(Array.from(back), Array.from(data));
});

test('shifting moves content down-right or down-left and repeats the edge it uncovers', () => {
  const size = 3;
  const data = Float32Array.from({ length: 2 * 9 }, (_, i) => i);
  // Plane 0 is 0 1 2 / 3 4 5 / 6 7 8.
  assert.deepEqual(Array.from(shiftedInput(data, size, 1, 1).subarray(0, 9)), [0, 0, 1, 0, 0, 1, 3, 3, 4]);
  assert.deepEqual(Array.from(shiftedInput(data, size, -1, 1).subarray(0, 9)), [1, 2, 2, 1, 2, 2, 4, 5, 5]);
  assert.deepEqual(Array.from(shiftedInput(data, size, 1, 1).subarray(9, 18)), [9, 9, 10, 9, 9, 10, 12, 12, 13], 'every plane moves alike');
});

test('augmented views: 1, 6 or 24 per image, the image itself first, all distinct; other counts refused', () => {
  const size = 56; // a shift of 56 / 28 = 2 px
  const data = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.37) + (i % 7));
  assert.equal(augmentedViews({ data, size }, 1).length, 1);
  const six = augmentedViews({ data, size }, 6);
  assert.equal(six.length, 6);
  assert.equal(six[0], data);
  const all = augmentedViews({ data, size }, 24);
  assert.equal(all.length, 24);
  assert.equal(all[0], data);
  const keys = new Set(all.map((v) => Array.from(v.subarray(0, size * size)).join(',')));
  assert.equal(keys.size, 24, 'no two views are the same picture');
  assert.deepEqual(Array.from(all[8].subarray(0, size * size)), Array.from(shiftedInput(data, size, 2, 2).subarray(0, size * size)), 'view 9 is the image moved down-right by size / 28');
  assert.throws(() => augmentedViews({ data, size }, 12), RangeError);
  assert.deepEqual(viewSpecs(24)[0], { turn: 'none', shiftX: 0, shiftY: 0 });
  assert.equal(viewSpecs(24).filter((v) => v.shiftX === 0 && v.shiftY === 0).length, 8, 'the 8 symmetries appear once unmoved');
});

test('a 512×512 RGB PNG becomes one 3×224×224 model input with ImageNet scaling', () => {
  const rgb = [200, 100, 50];
  const png = new PNG({ width: 512, height: 512 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : rgb[i % 4];
  const bytes = new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
  const input = toModelInput(decodeImage(bytes, { maxPixels: 1e8 }), 0, { resize: 256, crop: 224, intensity: 'auto' }, 'imagenet');
  assert.equal(input.size, 224);
  assert.equal(input.data.length, 3 * 224 * 224);
  for (let c = 0; c < 3; c++) {
    const want = (rgb[c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    for (const at of [0, 224 * 112 + 17, 224 * 224 - 1]) close(input.data[c * 224 * 224 + at], want, 1e-4);
  }
});



test('test views are the training views without moves, and each score grid turns back onto the image', () => {
  assert.deepEqual(testViewTurns(1), ['none']);
  assert.deepEqual(testViewTurns(6), viewSpecs(6).map((v) => v.turn), 'the 6 training views');
  assert.deepEqual(testViewTurns(8), viewSpecs(24).slice(0, 8).map((v) => v.turn), 'the unmoved 8 symmetries of the 24 training views');
  assert.equal(new Set(testViewTurns(8)).size, 8);
  assert.throws(() => testViewTurns(24), RangeError, 'moved views are for training only');
  const n = 5; // odd: the centre row and column must stay put too
  const grid = Float32Array.from({ length: n * n }, (_, i) => i * 1.5 + (i % 3));
  for (const turn of testViewTurns(8)) {
    // A grid seen through the view (as the backbone's patch grid would be), then turned back.
    const viewed = turn === 'none' ? grid : augmentations({ data: grid, size: n }, [turn])[0].data;
    assert.deepEqual(Array.from(gridFromView(turn, viewed, n)), Array.from(grid), `${turn} turns back`);
    if (turn !== 'none') assert.notDeepEqual(Array.from(viewed), Array.from(grid), `${turn} moves cells`);
  }
});
