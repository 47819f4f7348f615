// The fixed colour scale and the PNG renderings of maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { COLORMAP_LUT, colorFor } from '../../src/shared/colormap';
import type { DecodedImage } from '../../src/shared/image';
import { renderHeatmapPng, renderOverlayPng } from '../../src/core/image/heatmap';

function gray(width: number, height: number, value: number): DecodedImage {
  return {
    format: 'png', width, height, channels: 1, bitDepth: 8, frameCount: 1, frames: [{ data: new Uint8Array(width * height).fill(value) }],
    rescale: { slope: 1, intercept: 0 }, windows: [{ center: 127.5, width: 255 }], invert: false, meta: {},
  };
}

test('colour scale: transparent when low, yellow at the threshold, red at the top, alpha never falls', () => {
  assert.equal(colorFor(0)[3], 0);
  assert.equal(colorFor(0.3)[3], 0);
  const t = colorFor(0.5);
  assert.ok(t[0] > 200 && t[1] > 200 && t[2] < 50 && t[3] > 100, `threshold colour ${t}`);
  const top = colorFor(1);
  assert.ok(top[0] > 200 && top[1] < 30 && top[2] < 30, `top colour ${top}`);
  for (let i = 1; i <= 100; i++) assert.ok(colorFor(i / 100)[3] >= colorFor((i - 1) / 100)[3]);
  assert.deepEqual(colorFor(2), colorFor(1), 'clipped above 1');
  assert.deepEqual(colorFor(NaN), [0, 0, 0, 0]);
  assert.equal(COLORMAP_LUT.length, 1024);
  assert.deepEqual(Array.from(COLORMAP_LUT.subarray(255 * 4, 256 * 4)), colorFor(1));
  assert.deepEqual(Array.from(COLORMAP_LUT.subarray(128 * 4, 129 * 4)), colorFor(128 / 255));
});

test('overlay PNG keeps the image where scores are low and turns red where they are high', () => {
  const img = gray(4, 2, 100);
  const map = Float32Array.from([0, 0, 0, 0, 1, 1, 0.1, 0.2]);
  const png = PNG.sync.read(Buffer.from(renderOverlayPng(img, 0, map)));
  assert.deepEqual([png.width, png.height], [4, 2]);
  assert.deepEqual(Array.from(png.data.subarray(0, 4)), [100, 100, 100, 255]);
  const hot = Array.from(png.data.subarray(16, 20));
  assert.ok(hot[0] > 150 && hot[1] < 100 && hot[2] < 100, `hot pixel ${hot}`);
  assert.throws(() => renderOverlayPng(img, 0, new Float32Array(3)), /map has 3 values/);
});

test('heatmap PNG is RGBA with the scale colours, and maxSide downscales thumbnails', () => {
  const map = new Float32Array(100 * 50).fill(1);
  const full = PNG.sync.read(Buffer.from(renderHeatmapPng(map, 100, 50)));
  assert.deepEqual(Array.from(full.data.subarray(0, 4)), colorFor(1));
  const thumb = PNG.sync.read(Buffer.from(renderHeatmapPng(map, 100, 50, { maxSide: 20 })));
  assert.deepEqual([thumb.width, thumb.height], [20, 10]);
  const overlay = PNG.sync.read(Buffer.from(renderOverlayPng(gray(100, 50, 0), 0, map, { maxSide: 40 })));
  assert.deepEqual([overlay.width, overlay.height], [40, 20]);
});
