import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { openScorer, saveDetector, scanStream, trainDetector, type ScannedSource } from '../../src/core/engine';
import type { ImageSource, ScanFailure } from '../../src/core/api';
import { EnginePool } from '../../src/core/parallel/pool';
import { resolveMethod, resolvePreprocess } from '../../src/core/method/options';
import { readModelManifest } from '../../src/core/model/modelFile';
import { generateTexture } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import { AnomalyLensError } from '../../src/shared/errors';

const SIZE = 128;
const fast = { maxEpochs: 6, patience: 3, seed: 5 };
const runtime = { device: 'cpu' as const, backbone: 'mobilenetv2' };

function source(name: string, seed: number, defect?: 'scratch' | 'spot'): ImageSource {
  const bytes = new Uint8Array(encodeSamplePng(generateTexture('woven', seed, SIZE, defect)));
  return { name, read: async () => bytes };
}

const train = Array.from({ length: 5 }, (_, i) => source(`train/${i}.png`, 40 + i));
const whole = new Uint8Array(encodeSamplePng(generateTexture('woven', 77, SIZE)));
const corrupt: ImageSource = { name: 'test/corrupt.png', read: async () => whole.slice(0, whole.length >> 1) };
const scanSet = [source('test/good0.png', 90), source('test/scratch.png', 91, 'scratch'), corrupt, source('test/good1.png', 92), source('test/spot.png', 93, 'spot')];

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-pool-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function collect(scorer: Awaited<ReturnType<typeof openScorer>>): Promise<(ScannedSource | ScanFailure)[]> {
  const out: (ScannedSource | ScanFailure)[] = [];
  for await (const r of scanStream(scorer, scanSet)) out.push(r);
  return out;
}

test('features extracted by worker threads train the same model as one thread', async () => {
  const one = await trainDetector(train, { method: fast, ...runtime, workers: 1 });
  const two = await trainDetector(train, { method: fast, ...runtime, workers: 2 });
  try {
    await saveDetector(one, path.join(tmp, 'one'));
    await saveDetector(two, path.join(tmp, 'two'));
    const [a, b] = [await readModelManifest(path.join(tmp, 'one')), await readModelManifest(path.join(tmp, 'two'))];
    assert.equal(b.id, a.id, 'same content hash');
    assert.equal(b.calibration.threshold, a.calibration.threshold);
  } finally {
    await one.release();
    await two.release();
  }
});

test('cancelling a pooled training stops it with CANCELLED', async () => {
  const controller = new AbortController();
  const many = Array.from({ length: 12 }, (_, i) => source(`many/${i}.png`, 200 + i));
  await assert.rejects(
    trainDetector(many, { method: fast, ...runtime, workers: 2 }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'features' && p.done >= 2) controller.abort();
      },
    }),
    (e: unknown) => e instanceof AnomalyLensError && e.code === 'CANCELLED',
  );
});

test('a pooled scan gives the scores of a one-thread scan, in source order, and lists the corrupt file with its code', async () => {
  const modelDir = path.join(tmp, 'one');
  const pooled = await openScorer(modelDir, { ...runtime, workers: 2, images: scanSet.length });
  const single = await openScorer(modelDir, { ...runtime, workers: 1, images: scanSet.length });
  try {
    assert.equal(pooled.workers, 2);
    assert.equal(single.workers, 1);
    const [p, s] = [await collect(pooled), await collect(single)];
    assert.deepEqual(p.map((r) => r.name), scanSet.map((t) => t.name));
    const failure = p[2];
    assert.ok('error' in failure && failure.error.code === 'FILE_TRUNCATED' && failure.error.file === corrupt.name, JSON.stringify(failure));
    for (let i = 0; i < p.length; i++) {
      const [a, b] = [p[i], s[i]];
      if ('error' in a || 'error' in b) {
        assert.deepEqual('error' in a && a.error, 'error' in b && b.error);
        continue;
      }
      assert.ok(Math.abs(a.score.score - b.score.score) <= 1e-5 * Math.abs(b.score.score), `${a.name}: ${a.score.score} vs ${b.score.score}`);
      assert.equal(a.score.map.length, SIZE * SIZE);
      assert.equal(a.image.width, SIZE);
    }
    const score = (n: string) => (p.find((r) => r.name === n) as ScannedSource).score.score;
    assert.ok(score('test/scratch.png') > score('test/good0.png') && score('test/spot.png') > score('test/good1.png'), 'defects outrank normals');
  } finally {
    await pooled.release();
    await single.release();
  }
});

test('a worker that dies fails its own request with a typed error, and the pool goes on with the others', async () => {
  const pool = await EnginePool.open(
    { backboneRef: 'mobilenetv2', preprocess: resolvePreprocess(), pooling: resolveMethod(), runtime: { device: 'cpu', threads: 1 }, maxPixels: 1e8 },
    2,
  );
  const workers = (pool as unknown as { slots: { worker: Worker }[] }).slots.map((s) => s.worker);
  try {
    const bytes = await train[0].read();
    const inFlight = pool.extract(bytes, 'train/0.png');
    await workers[0].terminate();
    await assert.rejects(inFlight, (e: unknown) => e instanceof AnomalyLensError && e.code === 'INTERNAL' && e.file === 'train/0.png');
    assert.equal(pool.size, 1);
    const [f] = await pool.extract(bytes, 'again.png');
    assert.equal(f.gridH * f.gridW * f.dim, f.patches.length);
    await workers[1].terminate();
    await assert.rejects(pool.extract(bytes, 'last.png'), (e: unknown) => e instanceof AnomalyLensError && e.code === 'INTERNAL' && /no engine worker/.test(e.message));
  } finally {
    await pool.close();
  }
});

test('a pool whose backbone cannot load fails to open with the backbone error', async () => {
  await assert.rejects(
    EnginePool.open({ backboneRef: 'no-such-backbone', preprocess: resolvePreprocess(), pooling: resolveMethod(), runtime: { device: 'cpu', threads: 1 }, maxPixels: 1e8 }, 2),
    (e: unknown) => e instanceof AnomalyLensError && e.code.startsWith('BACKBONE'),
  );
});

const bundle = path.resolve(__dirname, '../../dist/cli.js');

test('the built CLI scans with its bundled pool worker and matches a one-thread scan', { skip: !fs.existsSync(bundle) && 'dist/cli.js not built (npm run build)', timeout: 300_000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const images = path.join(tmp, 'images');
  fs.mkdirSync(images, { recursive: true });
  for (const s of scanSet) fs.writeFileSync(path.join(images, path.basename(s.name)), await s.read());
  const scan = (workers: string, out: string) => {
    const r = spawnSync(process.execPath, [bundle, 'scan', images, '--model', path.join(tmp, 'one'), '--out', path.join(tmp, out), '--workers', workers, '--device', 'cpu', '--no-images', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    if (workers !== '1') assert.match(r.stderr, new RegExp(`scoring with ${workers} worker threads`));
    return JSON.parse(r.stdout) as { scored: number; results: { name: string; score: number }[]; failures: { name: string; error: { code: string } }[] };
  };
  const pooled = scan('2', 'pooled');
  const single = scan('1', 'single');
  assert.equal(pooled.scored, scanSet.length - 1);
  assert.deepEqual(pooled.failures.map((f) => [f.name, f.error.code]), [['corrupt.png', 'FILE_TRUNCATED']]);
  assert.deepEqual(pooled.results.map((r) => r.name), single.results.map((r) => r.name));
  pooled.results.forEach((r, i) => assert.ok(Math.abs(r.score - single.results[i].score) <= 1e-5 * Math.abs(r.score), `${r.name}: ${r.score} vs ${single.results[i].score}`));
});
