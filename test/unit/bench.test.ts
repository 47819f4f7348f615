import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadMvtec } from '../../src/bench/datasets';
import { benchmarkMarkdown, lead, type Aggregate } from '../../src/bench/markdown';
import { ABLATIONS, seedsFor, type BenchPlan } from '../../src/bench/plan';
import { capTest, isDefaultMethod, runBenchmark, shotSubset, shrinkMap, type BenchEngine } from '../../src/bench/runner';
import type { FeatureExtractor, FittedDetector, PatchFeatures } from '../../src/core/api';
import { writeTextureSet } from '../../src/core/samples/write';
import { fakeManifest } from './cli-helpers';

const root = mkdtempSync(path.join(tmpdir(), 'al-bench-'));
after(() => rmSync(root, { recursive: true, force: true }));

const G = 8;
/** Fake backbone: an 8×8 grid of (mean, contrast) of gray blocks — defects change both. */
const fakeExtractor = (): FeatureExtractor => ({
  backboneId: 'fake',
  preprocess: { resize: 64, crop: 64, intensity: 'auto' },
  async extract(img, name, _frame = 0, views = 1) {
    const d = img.frames[0].data;
    const patches = new Float32Array(G * G * 2);
    const bw = img.width / G;
    const bh = img.height / G;
    for (let gy = 0; gy < G; gy++)
      for (let gx = 0; gx < G; gx++) {
        let s = 0;
        let s2 = 0;
        let n = 0;
        for (let y = Math.floor(gy * bh); y < Math.floor((gy + 1) * bh); y++)
          for (let x = Math.floor(gx * bw); x < Math.floor((gx + 1) * bw); x++) {
            const v = d[(y * img.width + x) * img.channels] / 255;
            s += v;
            s2 += v * v;
            n++;
          }
        const m = s / n;
        patches[(gy * G + gx) * 2] = m;
        patches[(gy * G + gx) * 2 + 1] = Math.sqrt(Math.max(0, s2 / n - m * m));
      }
    const f: PatchFeatures = { name, gridH: G, gridW: G, dim: 2, patches, global: new Float32Array([0]), imageW: img.width, imageH: img.height, crop: { x: 0, y: 0, width: img.width, height: img.height } };
    // Views as copies: enough for the runner's bookkeeping of augmented and test views.
    return Array.from({ length: views }, () => f);
  },
  release: async () => undefined,
});

/** Fake method: nearest-neighbour patch distance (what PatchCore does), in plain JS. */
const fakeFit: BenchEngine['fitFromFeatures'] = async (_ex, normal, opts) => {
  const bank = normal.flatMap((f) => Array.from({ length: f.gridH * f.gridW }, (_, i) => [f.patches[i * 2], f.patches[i * 2 + 1]]));
  const manifest = { ...fakeManifest(), repositorySize: bank.length, options: { ...fakeManifest().options, ...opts.method } };
  const det: FittedDetector = {
    manifest,
    async scoreFeatures(views) {
      const f = Array.isArray(views) ? (views as readonly PatchFeatures[])[0] : (views as PatchFeatures);
      const cell = new Float32Array(G * G);
      for (let i = 0; i < G * G; i++) {
        let best = Infinity;
        for (const b of bank) best = Math.min(best, Math.hypot(f.patches[i * 2] - b[0], f.patches[i * 2 + 1] - b[1]));
        cell[i] = best;
      }
      const map = new Float32Array(f.imageW * f.imageH);
      for (let y = 0; y < f.imageH; y++) for (let x = 0; x < f.imageW; x++) map[y * f.imageW + x] = cell[Math.floor((y * G) / f.imageH) * G + Math.floor((x * G) / f.imageW)];
      const score = Math.max(...cell);
      // Flags by name so the flagged-share bookkeeping has a known answer: every defect, no normal.
      const anomalous = !/(^|\/)good\//.test(f.name);
      return { name: f.name, width: f.imageW, height: f.imageH, score, normalized: 0.5, threshold: 1, anomalous, map, parts: { patch: score } };
    },
    scoreImage: async () => {
      throw new Error('unused');
    },
    scoreSource: async () => {
      throw new Error('unused');
    },
    release: async () => undefined,
  };
  return det;
};

const plan: BenchPlan = {
  preset: 'tiny',
  seeds: [0, 1],
  fewShotSeeds: [0, 1, 2],
  shots: [1, 'all'],
  maxTrain: 10,
  maxTest: 0,
  defaultBackbone: 'fake',
  backbones: ['fake', 'missing-backbone'],
  ablations: ABLATIONS.slice(0, 2),
  ablationShots: ['all'],
  ablationSeeds: [0],
  contaminated: false,
  pixelSide: 32,
};

test('runner fits every variant, shot and seed on cached features and scores defects above normals', async () => {
  const dir = path.join(root, 'tex');
  await writeTextureSet(dir, { kind: 'granite', seed: 4, size: 64, train: 5, testGood: 4, testPerDefect: 2 });
  const ds = await loadMvtec(dir, 'tex');
  let extractors = 0;
  const engine: BenchEngine = {
    createFeatureExtractor: async (o) => {
      if (o.backbone === 'missing-backbone') throw new Error('no such backbone');
      extractors++;
      return fakeExtractor();
    },
    fitFromFeatures: fakeFit,
  };
  const workDir = path.join(root, 'work');
  const r = await runBenchmark([ds], plan, { engine, workDir });
  assert.equal(extractors, 1, 'features extracted once per (dataset, backbone)');
  assert.equal(r.runs.filter((x) => x.group === 'main').length, 3 * (3 + 2), '3 methods × (3 few-shot seeds at k = 1 + 2 seeds at "all")');
  assert.deepEqual([...new Set(r.runs.filter((x) => x.shot === 1).map((x) => x.seed))], [0, 1, 2]);
  assert.deepEqual([...new Set(r.runs.filter((x) => x.shot === 'all' && x.group === 'main').map((x) => x.seed))], [0, 1]);
  assert.equal(r.runs.filter((x) => x.group === 'ablation').length, 2);
  assert.ok(r.notes.some((n) => /missing-backbone unavailable/.test(n)), 'a missing backbone is noted, not fatal');
  const full = r.runs.find((x) => x.variant === 'ours' && x.shot === 'all' && x.seed === 0);
  assert.ok(full);
  assert.equal(full.trainImages, 5);
  assert.ok(full.imageAuroc > 0.8, `defects outrank normals (AUROC ${full.imageAuroc})`);
  assert.ok(full.pixelAuroc !== undefined && full.pixelAuroc > 0.6, `pixel AUROC ${full.pixelAuroc}`);
  assert.ok(full.pro !== undefined && full.pro >= 0 && full.pro <= 1);
  assert.ok(r.runs.filter((x) => x.shot === 1).every((x) => x.trainImages === 1));
  assert.equal(full.flaggedNormal, 0, 'no normal test image flagged');
  assert.equal(full.flaggedAnomalous, 1, 'every defect flagged');
  assert.equal(existsSync(path.join(workDir, 'features', 'tex', 'fake')), false, 'feature cache removed after use');
  assert.ok(full.heatHitAll !== undefined && full.heatHitAll >= 0.5, `the hottest region lies on most defects (${full.heatHitAll})`);
  assert.equal(full.heatHitFlagged, full.heatHitAll, 'every defect is flagged here');
  // The fake map never reaches its threshold of 1: each flagged defect is a global finding, none is silent.
  assert.equal(full.globalFindings, 6);
  assert.equal(full.flaggedWithoutRegion, 0);
  assert.ok(full.normalHotAtBorder !== undefined && full.normalHotAtBorder >= 0 && full.normalHotAtBorder <= 1);
  assert.ok(full.expectedNormalFlagRate !== undefined && full.flaggedNormalFolder !== undefined);

  const { markdown, svgs } = benchmarkMarkdown(r);
  assert.match(markdown, /\| shot \| GP-MLP image AUROC \| PatchCore 1 % \| PatchCore 10 % \| lead \(points\) \| ratio vs PC 1 %/);
  assert.match(markdown, /Seeds 0, 1 \(shots up to 4: seeds 0–2\)/);
  assert.match(markdown, /\| all \(5\) \| /);
  assert.match(markdown, /flagged at threshold, normal \/ anomalous % \(ours\)/);
  assert.match(markdown, /\| all \(5\) \|.*\| 0 \/ 100 \| \d+ \|$/m, 'flagged shares in percent, before peak RSS');
  assert.match(markdown, /## Summary over all sets/);
  assert.match(markdown, /\| all \| GP-MLP \(default\) \| [\d.]+ \| \d of 1 \|/);
  assert.match(markdown, /### Targets/);
  assert.match(markdown, /flagged images without a region or a global finding = 0 \| all runs \| 0 \| met \|/);
  assert.match(markdown, /## Ablations/);
  assert.match(markdown, /α = 0 \(k-center selector\)/);
  assert.ok(svgs['tex.svg']?.startsWith('<svg'), 'ROC curve per set');
});

test('the lead is GP-MLP minus the better PatchCore, in signed AUROC points', () => {
  const ag = (...imageAuroc: number[]) => ({ imageAuroc }) as Aggregate;
  assert.equal(lead(ag(0.7, 0.8), [ag(0.6), ag(0.7)]), '+5.00', '0.75 − 0.70');
  assert.equal(lead(ag(0.6), [ag(0.639), undefined]), '−3.90');
  assert.equal(lead(ag(0.6), [undefined, undefined]), '–');
});

test('few-shot shots run with their own seeds; "all" and larger shots keep the main seeds', () => {
  const p = { seeds: [0, 1, 2], fewShotSeeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
  assert.equal(seedsFor(p, 1).length, 10);
  assert.equal(seedsFor(p, 4).length, 10);
  assert.deepEqual(seedsFor(p, 8), [0, 1, 2]);
  assert.deepEqual(seedsFor(p, 'all'), [0, 1, 2]);
  assert.deepEqual(seedsFor({ seeds: [5] }, 1), [5], 'without few-shot seeds every shot uses the main ones');
});

test('shot subsets are seeded, nested in the training set, and "all" is capped', () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ file: `${i}`, name: `n${i}`, label: 0 as const, type: 'good' }));
  assert.deepEqual(shotSubset(items, 4, 1, 20), shotSubset(items, 4, 1, 20));
  assert.notDeepEqual(shotSubset(items, 4, 1, 20), shotSubset(items, 4, 2, 20));
  assert.equal(shotSubset(items, 'all', 0, 20).length, 20);
  assert.equal(shotSubset(items, 64, 0, 20).length, 30);
});

test('test capping keeps both classes and is deterministic', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ file: `${i}`, name: `n${i}`, label: (i < 10 ? 1 : 0) as 0 | 1, type: 't' }));
  const a = capTest(items, 20, 0);
  assert.equal(a.length, 20);
  assert.equal(a.filter((t) => t.label === 1).length, 10);
  assert.deepEqual(a, capTest(items, 20, 0));
  assert.equal(capTest(items, 0, 0).length, 50);
});

test('shrinkMap averages areas exactly', () => {
  const m = Float32Array.from([1, 3, 5, 7, 1, 3, 5, 7]);
  assert.deepEqual(Array.from(shrinkMap(m, 4, 2, 2, 1)), [2, 6]);
});

test('a child process reports its own peak RSS, not the peak inherited from a big parent', { skip: process.platform !== 'linux' && 'VmHWM is Linux-only' }, () => {
  const hold = new Float64Array(64e6).fill(1); // ~512 MB resident in this (parent) process
  const dir = mkdtempSync(path.join(tmpdir(), 'al-rss-'));
  const probe = path.join(dir, 'probe.ts');
  const module = path.resolve(__dirname, '../../src/bench/peakRss.ts');
  writeFileSync(probe, `import { peakRssMb } from ${JSON.stringify(module)};\nconsole.log(JSON.stringify({ own: peakRssMb(), rusage: process.resourceUsage().maxRSS / 1024 }));\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const { own, rusage } = JSON.parse(r.stdout) as { own: number; rusage: number };
  assert.ok(hold[1] === 1 && rusage > 400, `getrusage in the child carries the parent's peak (${rusage.toFixed(0)} MB)`);
  assert.ok(own < 300, `the child's own peak is small (${own.toFixed(0)} MB)`);
});

test('an ablation is the default run only when every resolved option matches, the training-set rules included', () => {
  const v = (method: Record<string, unknown>) => ({ id: 'x', label: 'x', method: { method: 'gpmlp' as const, ...method } });
  assert.equal(isDefaultMethod(v({}), 4), true);
  assert.equal(isDefaultMethod(v({ augment: true, augmentViews: 6 }), 4), true, 'what the 4-image rules pick anyway');
  assert.equal(isDefaultMethod(v({ augment: false }), 4), false);
  assert.equal(isDefaultMethod(v({ experimental: 1 }), 4), false, 'an option the defaults do not carry still counts');
  assert.equal(isDefaultMethod(v({ augment: true }), 50), false, 'augmentation is not the default at 50 images');
});
