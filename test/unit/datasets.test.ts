import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import { discoverDatasets, loadHeadCt, loadMagneticTile, loadMpdd, loadMvtec, detectKind } from '../../src/bench/datasets';
import { encodeMaskPng, encodeSamplePng, writeTextureSet } from '../../src/core/samples/write';
import { generateTexture } from '../../src/core/samples/textures';

const root = mkdtempSync(path.join(tmpdir(), 'al-datasets-'));
after(() => rmSync(root, { recursive: true, force: true }));

const png = (seed: number): Buffer => encodeSamplePng(generateTexture('granite', seed, 32));
const mask = (on: boolean): Buffer => {
  const m = new Uint8Array(32 * 32);
  if (on) m.fill(255, 100, 140);
  return encodeMaskPng(m, 32, 32);
};
const put = (file: string, bytes: Buffer | Uint8Array | string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
};

/** mpdd-like: train has 2 normal + 1 defect, val 1 normal, test 1 normal + 2 defects. */
function makeMpdd(dir: string): void {
  const layout: [string, string, boolean][] = [
    ['train', 'a.png', false], ['train', 'b.png', false], ['train', 'c.png', true],
    ['val', 'd.png', false],
    ['test', 'e.png', false], ['test', 'f.png', true], ['test', 'g.png', true],
  ];
  layout.forEach(([split, n, defect], i) => {
    put(path.join(dir, split, 'images', n), png(i));
    put(path.join(dir, split, 'masks', n), mask(defect));
  });
}

/** magnetic-tile-like: 10 MT_Free + 2 MT_Crack JPEGs with same-name PNG masks. */
function makeMagneticTile(dir: string): void {
  const jpg = (seed: number): Uint8Array => {
    const t = generateTexture('brushed', seed, 32);
    const rgba = Buffer.alloc(32 * 32 * 4);
    for (let i = 0; i < 32 * 32; i++) rgba.set([t.data[i * 3], t.data[i * 3 + 1], t.data[i * 3 + 2], 255], i * 4);
    return jpeg.encode({ data: rgba, width: 32, height: 32 }, 90).data;
  };
  for (let i = 0; i < 10; i++) {
    put(path.join(dir, 'MT_Free', 'Imgs', `exp_${i}.jpg`), jpg(i));
    put(path.join(dir, 'MT_Free', 'Imgs', `exp_${i}.png`), mask(false));
  }
  for (let i = 0; i < 2; i++) {
    put(path.join(dir, 'MT_Crack', 'Imgs', `crack_${i}.jpg`), jpg(100 + i));
    put(path.join(dir, 'MT_Crack', 'Imgs', `crack_${i}.png`), mask(true));
  }
}

/** head-ct-like: ids 0-3 hemorrhage, 4-11 normal. */
function makeHeadCt(dir: string): void {
  const rows = ['id, hemorrhage'];
  for (let i = 0; i < 12; i++) {
    put(path.join(dir, 'images', `${String(i).padStart(3, '0')}.png`), png(200 + i));
    rows.push(`${i},${i < 4 ? 1 : 0}`);
  }
  put(path.join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
}

test('mpdd adapter trains only on empty-mask images of train and val and tests on the test split', async () => {
  const dir = path.join(root, 'industrial', 'mpdd-like');
  makeMpdd(dir);
  const ds = await loadMpdd(dir);
  assert.deepEqual(ds.train.map((t) => t.name), ['train/images/a.png', 'train/images/b.png', 'val/images/d.png']);
  assert.deepEqual(ds.test.map((t) => [path.basename(t.name), t.label]), [['e.png', 0], ['f.png', 1], ['g.png', 1]]);
  assert.ok(ds.test.filter((t) => t.label).every((t) => t.mask?.endsWith(path.join('test', 'masks', path.basename(t.name)))));
  assert.equal(ds.hasMasks, true);
});

test('magnetic-tile adapter splits MT_Free by seed, reproducibly, and uses same-name PNG masks', async () => {
  const dir = path.join(root, 'industrial', 'mt-like');
  makeMagneticTile(dir);
  const a = await loadMagneticTile(dir, 0);
  const b = await loadMagneticTile(dir, 0);
  const c = await loadMagneticTile(dir, 5);
  assert.equal(a.train.length, 6);
  assert.equal(a.test.filter((t) => t.label === 0).length, 4);
  assert.equal(a.test.filter((t) => t.label === 1).length, 2);
  assert.deepEqual(a.train.map((t) => t.name), b.train.map((t) => t.name), 'same seed, same split');
  assert.notDeepEqual(a.train.map((t) => t.name), c.train.map((t) => t.name), 'other seed, other split');
  const trainNames = new Set(a.train.map((t) => t.name));
  assert.ok(a.test.every((t) => !trainNames.has(t.name)), 'train and test never overlap');
  const crack = a.test.find((t) => t.label === 1);
  assert.equal(crack?.type, 'crack');
  assert.equal(crack?.mask, crack?.file.replace(/\.jpg$/, '.png'));
});

test('head-ct adapter reads labels.csv (image labels only) and splits the normals by seed', async () => {
  const dir = path.join(root, 'medical', 'head-like');
  makeHeadCt(dir);
  const ds = await loadHeadCt(dir, 0);
  assert.equal(ds.hasMasks, false);
  assert.equal(ds.train.length, 4);
  assert.ok(ds.train.every((t) => t.label === 0 && Number.parseInt(path.basename(t.name), 10) >= 4));
  assert.equal(ds.test.filter((t) => t.label === 1).length, 4);
  assert.equal(ds.test.filter((t) => t.label === 0).length, 4);
  assert.ok(ds.test.every((t) => t.mask === undefined));
});

test('MVTec adapter pairs defects with ground_truth masks; discovery finds every layout under a root', async () => {
  const dir = path.join(root, 'mvtec', 'tex');
  await writeTextureSet(dir, { kind: 'woven', seed: 1, size: 32, train: 3, testGood: 2, testPerDefect: 1 });
  const ds = await loadMvtec(dir);
  assert.equal(ds.train.length, 3);
  assert.equal(ds.test.length, 5);
  assert.equal(ds.hasMasks, true);
  assert.ok(ds.test.filter((t) => t.label).every((t) => t.mask && t.mask.includes(`ground_truth${path.sep}${t.type}`)));
  assert.equal(await detectKind(dir), 'mvtec');
  const found = await discoverDatasets(root);
  assert.deepEqual(found.map((d) => `${d.id}:${d.kind}`).sort(), ['head-like:head-ct', 'mpdd-like:mpdd', 'mt-like:magnetic-tile', 'tex:mvtec']);
});

test('a folder that fits no layout is a DATASET_INVALID error naming it', async () => {
  const dir = path.join(root, 'nothing');
  mkdirSync(dir, { recursive: true });
  await assert.rejects(loadMvtec(dir), (e: Error & { code?: string; file?: string }) => e.code === 'DATASET_INVALID' && e.file === dir);
});
