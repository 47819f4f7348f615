/**
 * A tiled model's exported graph scores one tile; the caller cuts, stitches and reads the image
 * score as docs/deploy.md ("Tiled models") and the sidecar's scoring.stitch say. This test is that
 * caller, written from the doc (only preprocessing and a bilinear resize come from project code),
 * compared with the engine's Detector.scoreImage on elongated images.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadDetector, saveDetector, trainDetector } from '../../src/core/engine';
import type { ImageSource } from '../../src/core/api';
import type { DecodedImage } from '../../src/shared/image';
import { encodeSamplePng } from '../../src/core/samples/write';
import { toRegionInput, type Scaling } from '../../src/core/image/preprocess';
import { resizeBilinear } from '../../src/core/image/ops';
import { exportDetector, writeExport } from '../../src/core/export/exportModel';
import type { ExportSidecar } from '../../src/core/export/sidecar';
import { AnomalyLensError } from '../../src/shared/errors';
import { generateTiledSet } from '../../src/bench/tiledSets';

const repoRoot = path.resolve(__dirname, '../..');
const built = fs.existsSync(path.join(repoRoot, 'models/mobilenetv2.onnx'));
const runtime = { device: 'cpu' as const, threads: 2, backbone: 'mobilenetv2' };

/**
 * The engine blurs the stitched canvas once and maps it to the image; the caller blends maps the
 * graph already blurred per tile, in image pixels. The two differ only where tiles overlap and by
 * interpolation: the image score within 1 %, the map within 1 % of its mean on average and 10 %
 * of the map's range at worst.
 */
const SCORE_REL = 0.01;
const MAP_MEAN_REL = 0.01;
const MAP_WORST_OF_RANGE = 0.1;

const set = generateTiledSet('strip', { width: 640, height: 160, train: 3, testGood: 1, testBad: 2, defectsPerImage: 1, seed: 7, defects: ['knot', 'nep'] });
const bytesOf = (item: (typeof set.train)[number]) =>
  new Uint8Array(encodeSamplePng({ width: set.width, height: set.height, channels: 1, data: item.image.frames[0].data as Uint8Array }));
const source = (item: (typeof set.train)[number]): ImageSource => {
  const b = bytesOf(item);
  return { name: item.name, read: async () => b };
};

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-export-tiled-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Tile starts along one axis: evenly spread from 0 to length − tile, neighbours overlapping at least `overlap`. */
function starts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - tile) / Math.max(1, tile - overlap)) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/** Weight of a pixel d px from a tile edge: ramps over the overlap towards edges inside the image, 1 at image borders. */
const ramp = (d: number, overlap: number, inside: boolean, floor: number) => (inside ? Math.max(floor, Math.min(1, (d + 0.5) / overlap)) : 1);

interface CallerResult {
  map: Float32Array;
  score: number;
}

/** The documented caller: per-tile graph runs, blended maps, edge correction at the image borders, top-pixel image score. */
async function callerScore(session: ort.InferenceSession, sidecar: ExportSidecar, img: DecodedImage, pre: { resize: number; crop: number; intensity: string }, scaling: Scaling): Promise<CallerResult> {
  const tiling = sidecar.preprocessing.tiling!;
  const stitch = sidecar.scoring.stitch!;
  const { width: W, height: H } = img;
  const tw = Math.min(tiling.tile, W);
  const th = Math.min(tiling.tile, H);
  const sum = new Float64Array(W * H);
  const weight = new Float64Array(W * H);
  for (const y0 of starts(H, tiling.tile, tiling.overlap)) {
    for (const x0 of starts(W, tiling.tile, tiling.overlap)) {
      const input = toRegionInput(img, 0, { x: x0, y: y0, width: tw, height: th }, pre as never, scaling);
      const out = await session.run({ image: new ort.Tensor('float32', input.data, [1, 3, input.size, input.size]) });
      const tileMap = resizeBilinear(out.anomaly_map.data as Float32Array, input.size, input.size, tw, th);
      for (let y = 0; y < th; y++) {
        const wy = Math.min(ramp(y, tiling.overlap, y0 > 0, stitch.edgeWeight), ramp(th - 1 - y, tiling.overlap, y0 + th < H, stitch.edgeWeight));
        for (let x = 0; x < tw; x++) {
          const wx = Math.min(ramp(x, tiling.overlap, x0 > 0, stitch.edgeWeight), ramp(tw - 1 - x, tiling.overlap, x0 + tw < W, stitch.edgeWeight));
          const i = (y0 + y) * W + x0 + x;
          sum[i] += wx * wy * tileMap[y * tw + x];
          weight[i] += wx * wy;
        }
      }
    }
  }
  const e = (i: number, side: number) => {
    const d = Math.floor(Math.min(i, side - 1 - i) / stitch.profileStepPx);
    return stitch.edgeProfile && d < stitch.edgeProfile.length ? stitch.edgeProfile[d] : 1;
  };
  const map = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) map[y * W + x] = sum[y * W + x] / weight[y * W + x] / (e(x, W) * e(y, H));
  const sorted = Float32Array.from(map).sort();
  const n = stitch.topPixels === 0 ? 1 : Math.min(sorted.length, stitch.topPixels);
  let top = 0;
  for (let i = sorted.length - n; i < sorted.length; i++) top += sorted[i];
  return { map, score: top / n };
}

test('a tiled model exported to ONNX, run per tile and stitched as docs/deploy.md says, matches the engine', { skip: !built && 'models/ not built (npm run build)', timeout: 600_000 }, async (t) => {
  const modelDir = path.join(tmp, 'tiled');
  const det = await trainDetector(set.train.map(source), { ...runtime, method: { maxEpochs: 4, patience: 2, seed: 1 } });
  await saveDetector(det, modelDir);
  await det.release();
  const result = await exportDetector({ modelDir });
  const file = path.join(tmp, 'tiled.onnx');
  await writeExport(result, file);
  const sidecar = result.sidecar;
  assert.deepEqual(sidecar.preprocessing.tiling, { tile: 160, overlap: 40, scale: 160 / 224 });
  assert.ok(sidecar.scoring.stitch, 'a tiled model states how to stitch');
  assert.ok(sidecar.scoring.stitch.edgeProfile && sidecar.scoring.stitch.edgeProfile.length > 0, 'a tiled model carries its edge profile for the caller');
  assert.equal(sidecar.pixel?.edgeCorrected, false, 'the graph leaves the edge correction to the caller');
  assert.equal(sidecar.scoring.globalTerm, null);
  assert.equal(sidecar.scoring.mapMeanTerm, null, 'default options: the image score is the patch term alone');

  const engine = await loadDetector(modelDir, runtime);
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
  try {
    const scaling = engine.manifest.backbone.scaling as Scaling;
    const scores: { caller: number; engine: number }[] = [];
    for (const item of set.test) {
      const expected = await engine.scoreImage(item.image, item.name);
      const got = await callerScore(session, sidecar, item.image, engine.manifest.preprocess, scaling);
      scores.push({ caller: got.score, engine: expected.score });
      assert.ok(Math.abs(got.score - expected.score) <= SCORE_REL * Math.abs(expected.score), `${item.name} score: caller ${got.score} vs engine ${expected.score}`);
      let lo = Infinity;
      let hi = -Infinity;
      let meanAbs = 0;
      let mean = 0;
      let worst = 0;
      for (let i = 0; i < got.map.length; i++) {
        const v = expected.map[i];
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        mean += v / got.map.length;
        const d = Math.abs(got.map[i] - v);
        meanAbs += d / got.map.length;
        worst = Math.max(worst, d);
      }
      t.diagnostic(`${item.name}: score ${got.score} vs ${expected.score}; map mean difference ${(meanAbs / mean).toFixed(4)} of the mean, worst ${(worst / (hi - lo)).toFixed(4)} of the range`);
      assert.ok(meanAbs <= MAP_MEAN_REL * mean, `${item.name} map: mean difference ${meanAbs} vs map mean ${mean}`);
      assert.ok(worst <= MAP_WORST_OF_RANGE * (hi - lo), `${item.name} map: worst difference ${worst} vs range ${hi - lo}`);
    }
    // The caller's scores rank the images as the engine's do (the defects above the normal).
    const order = (k: 'caller' | 'engine') => scores.map((_, i) => i).sort((a, b) => scores[a][k] - scores[b][k]);
    assert.deepEqual(order('caller'), order('engine'));
  } finally {
    await session.release();
    await engine.release();
  }
});

test('export refuses a tiled model with an image-level term, saying why and what to do', { skip: !built && 'models/ not built (npm run build)' }, async () => {
  const trained = path.join(tmp, 'tiled');
  if (!fs.existsSync(trained)) return;
  // The tiled model above, with the image-level term turned on in its model.json.
  const modelDir = path.join(tmp, 'tiled-global');
  fs.cpSync(trained, modelDir, { recursive: true });
  const mj = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  mj.options.globalWeight = 1;
  mj.calibration.globalStats = { mean: 1, std: 0.1 };
  fs.writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify(mj));
  await assert.rejects(exportDetector({ modelDir }), (e: unknown) => e instanceof AnomalyLensError && /tiled/.test(e.message) && /--global-weight 0/.test(e.hint ?? ''));
});
