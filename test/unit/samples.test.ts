import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { DEFECT_KINDS, TEXTURE_KINDS, generateTexture } from '../../src/core/samples/textures';
import { mnistDigit } from '../../src/core/samples/mnist';
import { writeDigitSet, writeTextureSet } from '../../src/core/samples/write';

const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('texture generator is deterministic per seed and differs across seeds', () => {
  for (const kind of TEXTURE_KINDS) {
    const a = generateTexture(kind, 7, 64);
    const b = generateTexture(kind, 7, 64);
    const c = generateTexture(kind, 8, 64);
    assert.equal(digest(a.data), digest(b.data), `${kind}: same seed must give the same pixels`);
    assert.notEqual(digest(a.data), digest(c.data), `${kind}: another seed must give other pixels`);
    assert.equal(a.mask, undefined, 'normal textures carry no mask');
  }
});

test('every defect kind marks a plausible, non-empty region in its mask and changes those pixels', () => {
  for (const defect of DEFECT_KINDS) {
    const img = generateTexture('granite', 3, 128, defect);
    assert.ok(img.mask, `${defect} must have a mask`);
    const marked = img.mask.reduce((n, v) => n + (v ? 1 : 0), 0);
    const frac = marked / (128 * 128);
    assert.ok(frac > 0.001 && frac < 0.2, `${defect} covers ${(frac * 100).toFixed(2)}% of the image`);
    assert.equal(digest(generateTexture('granite', 3, 128, defect).mask!), digest(img.mask), 'mask deterministic');
  }
});

test('MNIST digits come from the package, upscaled and deterministic', () => {
  const a = mnistDigit(3, 5);
  assert.equal(a.width, 112);
  assert.equal(a.channels, 1);
  assert.equal(digest(a.data), digest(mnistDigit(3, 5).data));
  assert.notEqual(digest(a.data), digest(mnistDigit(3, 6).data));
  const bright = a.data.reduce((n, v) => n + (v > 128 ? 1 : 0), 0);
  assert.ok(bright > 200 && bright < 112 * 112 * 0.5, `a digit has some ink (got ${bright} bright pixels)`);
  assert.throws(() => mnistDigit(10, 0), /0-9/);
});

test('sample sets are written in MVTec layout with masks beside defects, identically per seed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'al-samples-'));
  try {
    const files = await writeTextureSet(path.join(dir, 'a'), { kind: 'woven', seed: 2, size: 64, train: 2, testGood: 1, testPerDefect: 1 });
    await writeTextureSet(path.join(dir, 'b'), { kind: 'woven', seed: 2, size: 64, train: 2, testGood: 1, testPerDefect: 1 });
    assert.deepEqual(
      files.map((f) => f.file),
      ['train/good/000.png', 'train/good/001.png', 'test/good/000.png', 'test/scratch/000.png', 'test/spot/000.png', 'test/crack/000.png'],
    );
    for (const f of files) {
      assert.equal(digest(readFileSync(path.join(dir, 'a', f.file))), digest(readFileSync(path.join(dir, 'b', f.file))));
      if (f.label === 'anomaly') {
        assert.equal(f.mask, `ground_truth/${f.type}/000_mask.png`);
        const m = PNG.sync.read(readFileSync(path.join(dir, 'a', f.mask!)));
        assert.equal(m.width, 64);
      }
    }
    const digits = await writeDigitSet(path.join(dir, 'd'), { normalDigit: 1, seed: 1, train: 2, testGood: 1, testOther: 3 });
    assert.equal(digits.filter((f) => f.label === 'anomaly').length, 3);
    assert.ok(digits.every((f) => f.label === 'normal' || !/digit1\./.test(f.file)), 'anomalies are never the normal digit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
