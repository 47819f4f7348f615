import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoGeometry, axisStarts, chooseGeometry, describeGeometry, geometryForTile, parseTileSetting, planTiles } from '../../src/core/tiling/plan';
import { MapStitcher, rampWeights, sampleSpan, stitchedImageScore, stitchedToImage } from '../../src/core/tiling/stitch';
import { dilateMask, generateTiledSet, heatHit, withFewerTests } from '../../src/bench/tiledSets';
import { TILES_PER_BUDGET, tiledMethodDefaults } from '../../src/core/tiling/training';
import { DEFAULT_METHOD } from '../../src/core/method/options';
import { TILING_SECTION_END, TILING_SECTION_START, withTilingSection } from '../../src/bench/tiling';

test('auto tiling leaves ordinary near-square images alone', () => {
  for (const [w, h] of [[224, 224], [256, 256], [700, 700], [1024, 1024], [1500, 1000], [1600, 1600], [512, 300]]) {
    assert.equal(autoGeometry(w, h, 224), undefined, `${w}×${h}`);
  }
});

test('auto tiling cuts elongated images at their short side (native scale near the input size)', () => {
  const g = autoGeometry(4096, 256, 224);
  assert.deepEqual(g, { tile: 256, overlap: 64, scale: 256 / 224 });
  const tiles = planTiles(4096, 256, g!);
  assert.equal(new Set(tiles.map((t) => t.y)).size, 1, 'one row of tiles');
  assert.ok(tiles.length >= 20 && tiles.length <= 22, `${tiles.length} tiles`);
  // Portrait works the same way.
  assert.deepEqual(autoGeometry(200, 3000, 224), { tile: 200, overlap: 50, scale: 200 / 224 });
});

test('auto tiling cuts large images into at most 8 tiles across (overlap aside)', () => {
  const g = autoGeometry(4096, 4096, 224)!;
  assert.equal(g.tile, 512);
  const across = axisStarts(4096, g.tile, g.overlap).length;
  assert.ok(across <= Math.ceil(8 / 0.75) + 1, `${across} across`);
  assert.equal(autoGeometry(2048, 2048, 224)!.tile, 256);
});

test('tiles cover the image, overlap by at least the overlap, and stay inside', () => {
  for (const [w, h, tile] of [[4096, 256, 256], [1000, 700, 224], [300, 5000, 128], [100, 100, 256]]) {
    const g = geometryForTile(tile, 224);
    const tiles = planTiles(w, h, g);
    const covered = new Uint8Array(w * h);
    for (const t of tiles) {
      assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= w && t.y + t.height <= h, `tile inside ${w}×${h}`);
      for (let y = t.y; y < t.y + t.height; y++) covered.fill(1, y * w + t.x, y * w + t.x + t.width);
    }
    assert.ok(covered.every((v) => v === 1), `${w}×${h} covered`);
    const xs = axisStarts(w, tile, g.overlap);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i - 1] + Math.min(tile, w) - xs[i] >= g.overlap, 'neighbours overlap');
  }
});

test('tile settings parse and name what is wrong', () => {
  assert.equal(parseTileSetting('AUTO'), 'auto');
  assert.equal(parseTileSetting('off'), 'off');
  assert.equal(parseTileSetting('512'), 512);
  assert.throws(() => parseTileSetting('16'), /at least 32/);
  assert.throws(() => parseTileSetting('big'), /auto, off or a tile size/);
  assert.equal(chooseGeometry('off', 4096, 256, 224), undefined);
  assert.deepEqual(chooseGeometry(448, 500, 500, 224), { tile: 448, overlap: 112, scale: 2 });
  assert.match(describeGeometry(autoGeometry(4096, 256, 224), 4096, 256), /tiles 256×256 px, overlap 64 px, scale 1\.14.*21 tiles/);
  assert.match(describeGeometry(undefined), /tiling off/);
});

test('ramp weights fall towards inner edges only', () => {
  const w = rampWeights(10, 4, true, false);
  assert.ok(w[0] < w[3] && w[3] < w[5]);
  assert.equal(w[9], 1);
  assert.ok(rampWeights(10, 4, false, false).every((v) => v === 1));
});

test('a constant field stitches into a constant map: no seams at tile edges', () => {
  const g = geometryForTile(64, 224);
  const stitcher = new MapStitcher(500, 150, g, 32);
  for (const t of planTiles(500, 150, g)) stitcher.add(new Float32Array(16).fill(3), 4, 4, t);
  const s = stitcher.finish(0);
  for (const v of s.canvas) assert.ok(Math.abs(v - 3) < 1e-5, `value ${v}`);
  const map = stitchedToImage(s, 500, 150);
  assert.equal(map.length, 500 * 150);
  for (const v of map) assert.ok(Math.abs(v - 3) < 1e-4);
});

test('a ramp across tiles stays a smooth ramp (each tile scores its own part of a global field)', () => {
  const g = geometryForTile(64, 224);
  const W = 640;
  const stitcher = new MapStitcher(W, 64, g, 32);
  const n = 8;
  for (const t of planTiles(W, 64, g)) {
    const grid = new Float32Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) grid[y * n + x] = (t.x + ((x + 0.5) * t.width) / n) / W;
    stitcher.add(grid, n, n, t);
  }
  const s = stitcher.finish(0);
  const row = Array.from(s.canvas.subarray(s.width * 10, s.width * 11));
  let worst = 0;
  for (let i = 2; i < row.length - 2; i++) worst = Math.max(worst, Math.abs(row[i + 1] - 2 * row[i] + row[i - 1]));
  assert.ok(worst < 0.01, `second difference ${worst} (a seam would jump)`);
});

test('a hot spot in one tile lands where that tile sits in the image', () => {
  const g = geometryForTile(256, 224);
  const stitcher = new MapStitcher(4096, 256, g, 112);
  const tiles = planTiles(4096, 256, g);
  const hot = tiles[13];
  for (const t of tiles) {
    const grid = new Float32Array(28 * 28);
    if (t === hot) grid[14 * 28 + 7] = 10; // a quarter of the way across the tile, mid height
    stitcher.add(grid, 28, 28, t);
  }
  const s = stitcher.finish(2);
  const map = stitchedToImage(s, 4096, 256);
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  const x = best % 4096;
  const y = Math.floor(best / 4096);
  const wantX = hot.x + (7.5 * 256) / 28;
  assert.ok(Math.abs(x - wantX) < 16, `hot x ${x}, expected about ${wantX.toFixed(0)}`);
  assert.ok(Math.abs(y - 137) < 16, `hot y ${y}`);
});

test('the stitched image score reads a tile-sized top fraction, so length does not dilute a spot', () => {
  const short = new Float32Array(112 * 112);
  const long = new Float32Array(112 * 112 * 16);
  short.fill(5, 0, 100);
  long.fill(5, 0, 100);
  assert.equal(stitchedImageScore(short, 0.02, 112), stitchedImageScore(long, 0.02, 112));
  assert.equal(stitchedImageScore(long, 0, 112), 5);
});

test('tiles that disagree hand over gradually across their overlap instead of cutting', () => {
  const g = geometryForTile(64, 224);
  const stitcher = new MapStitcher(112, 64, g, 32);
  const tiles = planTiles(112, 64, g);
  assert.equal(tiles.length, 2);
  stitcher.add(new Float32Array(16).fill(0), 4, 4, tiles[0]);
  stitcher.add(new Float32Array(16).fill(1), 4, 4, tiles[1]);
  const s = stitcher.finish(0);
  const row = s.canvas.subarray(0, s.width);
  let jump = 0;
  for (let i = 1; i < row.length; i++) jump = Math.max(jump, Math.abs(row[i] - row[i - 1]));
  assert.equal(row[0], 0);
  assert.equal(row[row.length - 1], 1);
  assert.ok(jump < 0.3, `largest step ${jump} (a cut would step by 1)`);
});

test('a grid that covers the middle of its tile is placed there, edges repeated outward', () => {
  // Two cells over the middle half of an 8-px footprint: centres at 3 and 5.
  const out = sampleSpan(Float32Array.from([0, 1]), 2, 1, 8, 1, 0.5);
  assert.deepEqual(Array.from(out).map((v) => +v.toFixed(2)), [0, 0, 0, 0.25, 0.75, 1, 1, 1]);
  assert.deepEqual(Array.from(sampleSpan(Float32Array.from([0, 1]), 2, 1, 4, 1, 1)), [0, 0.25, 0.75, 1]);
});

test('heat hit: the hottest area must touch the defect', () => {
  const w = 200;
  const h = 50;
  const mask = new Uint8Array(w * h);
  mask[25 * w + 150] = 1;
  const map = new Float32Array(w * h);
  map[25 * w + 40] = 5; // hottest far from the defect
  assert.equal(heatHit(map, mask, w, h), false);
  map[25 * w + 155] = 6; // hottest within tolerance
  assert.equal(heatHit(map, mask, w, h), true);
  // A hot band reaching the defect counts (its far end is the maximum).
  const band = new Float32Array(w * h);
  for (let x = 150; x < 200; x++) band[25 * w + x] = 4 + x / 1000;
  assert.equal(heatHit(band, mask, w, h), true);
  assert.deepEqual(Array.from(dilateMask(Uint8Array.from([0, 0, 1, 0, 0, 0]), 6, 1, 1)), [0, 1, 1, 1, 0, 0]);
});

test('the tiling benchmark section is appended once and then replaced in place', () => {
  const section = (n: number) => `${TILING_SECTION_START}\nrun ${n}\n${TILING_SECTION_END}\n`;
  const once = withTilingSection('# Benchmarks\n\nmain tables\n', section(1));
  assert.match(once, /main tables\n\n<!-- tiling-bench:start -->\nrun 1/);
  const twice = withTilingSection(`${once}\n## Later section\n`, section(2));
  assert.equal(twice.split(TILING_SECTION_START).length, 2);
  assert.match(twice, /run 2\n<!-- tiling-bench:end -->\n\n## Later section/);
  assert.doesNotMatch(twice, /run 1/);
});

test('tiled defaults: augmentation off and one repository budget per TILES_PER_BUDGET tiles, caller and untiled sets untouched', () => {
  const cap = DEFAULT_METHOD.maxRepository;
  // Untiled: the options come back as given.
  const partial = { rho: 0.2 };
  assert.equal(tiledMethodDefaults(partial, 3, 1), partial);
  // An elongated image's tiles fit one budget: only augmentation changes.
  assert.deepEqual(tiledMethodDefaults({}, 4, 21), { augment: false });
  assert.deepEqual(tiledMethodDefaults({}, 1, TILES_PER_BUDGET), { augment: false });
  // A large image's tiles: one budget per TILES_PER_BUDGET tiles, rounded up.
  assert.deepEqual(tiledMethodDefaults({}, 3, 121), { augment: false, maxRepository: 4 * cap });
  assert.equal(tiledMethodDefaults({}, 1, TILES_PER_BUDGET + 1).maxRepository, 2 * cap);
  // Few tiles in all: augmentation stays as the image count sets it.
  assert.equal(tiledMethodDefaults({}, 1, 8).augment, undefined);
  // The caller's choices stand, and PatchCore (no cap) is left alone.
  assert.deepEqual(tiledMethodDefaults({ maxRepository: 1000, augment: true }, 3, 121), { maxRepository: 1000, augment: true });
  assert.deepEqual(tiledMethodDefaults({ method: 'patchcore' }, 3, 121), { method: 'patchcore', augment: false });
});

test('a benchmark set with fewer tests keeps the first of each label, kinds in turn', () => {
  const set = generateTiledSet('t', { width: 64, height: 32, train: 1, testGood: 3, testBad: 4, defectsPerImage: 1 });
  const few = withFewerTests(set, 2);
  assert.deepEqual(
    few.test.map((t) => t.name),
    ['test/good/0', 'test/good/1', 'test/knot/0', 'test/broken-yarn/1'],
  );
  assert.equal(few.train, set.train);
  assert.equal(withFewerTests(set, 10).test.length, 7);
});
