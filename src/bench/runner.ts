/**
 * The benchmark runner (library code, no VS Code): for each dataset and backbone it extracts
 * features once into a disk cache, then fits every method variant, shot and seed on them and
 * scores the test images, collecting image AUROC, pixel AUROC, PRO, times and peak RSS.
 */
import { peakRssMb } from './peakRss';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { EngineApi, FittedDetector, ImageScore, ImageSource, PatchFeatures, RunContext } from '../core/api';
import { anomalyExtent, mapThreshold } from '../shared/regions';
import { heatHits, hottestAtBorder } from './localisation';
import { folderThreshold } from '../core/method/folderThreshold';
import { decodeImage } from '../core/image/decode';
import { DEFAULT_MAX_PIXELS } from '../core/image/decodeOptions';
import { forTrainingSet, resolveMethod } from '../core/method/options';
import { rngFor, shuffled } from '../core/rng';
import { readMask, resizeMask, type BenchDataset, type BenchItem } from './datasets';
import { FeatureCache } from './featureCache';
import { createPixelMetrics, imageAuroc } from './metrics';
import { MAIN_VARIANTS, seedsFor, type BenchPlan, type Shot, type Variant } from './plan';

export type BenchEngine = Pick<EngineApi, 'createFeatureExtractor' | 'fitFromFeatures'> & Partial<Pick<EngineApi, 'fitContaminated'>>;

export interface RunResult {
  dataset: string;
  backbone: string;
  variant: string;
  group: 'main' | 'ablation' | 'backbone';
  shot: Shot;
  /** Training images actually used. */
  trainImages: number;
  seed: number;
  imageAuroc: number;
  pixelAuroc?: number;
  pro?: number;
  trainSeconds: number;
  /** Head + kNN + map per image on cached features (feature time is separate). */
  scoreMsPerImage: number;
  /** Decode + backbone per image, from the cache fill. */
  featureMsPerImage: number;
  peakRssMb: number;
  repositorySize: number;
  /** Shares of normal and of anomalous test images above the model's automatic threshold. */
  flaggedNormal?: number;
  flaggedAnomalous?: number;
  /** Share of flagged anomalous images whose hottest region overlaps the mask (sets with masks). */
  heatHitFlagged?: number;
  /** The same over every anomalous image, flagged or not. */
  heatHitAll?: number;
  /** Flagged images with no pixel at the pixel threshold: reported as "global anomaly, no local region". */
  globalFindings?: number;
  /** Flagged images with neither a region nor a global finding (what a user would see as an unexplained flag). */
  flaggedWithoutRegion?: number;
  /** Share of normal test images whose hottest point lies in the outer 10 % band of the image. */
  normalHotAtBorder?: number;
  /** Shares flagged at the threshold pooled from the training calibration and the test folder's robust scores. */
  flaggedNormalFolder?: number;
  flaggedAnomalousFolder?: number;
  /** The flag rate among normals that pooled threshold expects. */
  expectedNormalFlagRate?: number;
}

export interface ContaminatedResult {
  dataset: string;
  backbone: string;
  fitImages: number;
  anomaliesHidden: number;
  testAuroc: number;
  cleanAuroc: number;
  seconds: number;
}

export interface RocSeries {
  dataset: string;
  variant: string;
  label: string;
  scores: number[];
  labels: (0 | 1)[];
}

export interface BenchResults {
  plan: BenchPlan;
  startedAt: string;
  seconds: number;
  machine: { cpus: number; node: string; platform: string };
  datasets: { id: string; kind: string; split: string; train: number; test: number; testAnomalies: number; hasMasks: boolean; skipped: string[] }[];
  runs: RunResult[];
  contaminated: ContaminatedResult[];
  roc: RocSeries[];
  notes: string[];
}

export interface RunnerOptions {
  engine: BenchEngine;
  workDir: string;
  threads?: number;
  log?: (line: string) => void;
  ctx?: RunContext;
  /** Reads an item's bytes (the contaminated fit needs sources). */
  readFile?: (file: string) => Promise<Uint8Array>;
}

/** True when a variant resolves to the engine defaults for this many training images (so it measures the same thing as 'ours'). */
export function isDefaultMethod(v: Variant, images: number): boolean {
  const defaults = resolveMethod(forTrainingSet({}, images)) as unknown as Record<string, unknown>;
  const mine = resolveMethod(forTrainingSet(v.method, images)) as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(defaults), ...Object.keys(mine)])].every((k) => JSON.stringify(defaults[k]) === JSON.stringify(mine[k]));
}


/** Seeded, stratified cap on the test set so quick runs stay quick but keep both classes. */
export function capTest(items: BenchItem[], max: number, seed: number): BenchItem[] {
  if (!max || items.length <= max) return items;
  const normals = shuffled(items.filter((i) => i.label === 0), rngFor(seed, 'cap-normal'));
  const anomalies = shuffled(items.filter((i) => i.label === 1), rngFor(seed, 'cap-anomaly'));
  let nA = Math.min(anomalies.length, Math.ceil(max / 2));
  const nN = Math.min(normals.length, max - nA);
  nA = Math.min(anomalies.length, max - nN);
  const keep = new Set([...normals.slice(0, nN), ...anomalies.slice(0, nA)]);
  return items.filter((i) => keep.has(i));
}

/** The k training images of a seed; "all" is every image up to the cap, the same for each seed. */
export function shotSubset(train: BenchItem[], shot: Shot, seed: number, maxTrain: number): BenchItem[] {
  if (shot === 'all') return shuffled(train, rngFor(0, 'all')).slice(0, maxTrain);
  return shuffled(train, rngFor(seed, `shot-${shot}`)).slice(0, Math.min(shot, train.length));
}

export async function runBenchmark(datasets: BenchDataset[], plan: BenchPlan, o: RunnerOptions): Promise<BenchResults> {
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const results: BenchResults = {
    plan,
    startedAt: new Date().toISOString(),
    seconds: 0,
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    datasets: [],
    runs: [],
    contaminated: [],
    roc: [],
    notes: [],
  };
  for (const ds of datasets) {
    const test = capTest(ds.test, plan.maxTest, 0);
    const trainPool = shuffled(ds.train, rngFor(0, 'all')).slice(0, Math.max(plan.maxTrain, 16));
    const dsInfo = { id: ds.id, kind: ds.kind, split: ds.split, train: ds.train.length, test: test.length, testAnomalies: test.filter((t) => t.label).length, hasMasks: ds.hasMasks, skipped: [] as string[] };
    results.datasets.push(dsInfo);
    const masks = ds.hasMasks ? await loadMasks(test, plan.pixelSide) : undefined;
    for (const backbone of plan.backbones) {
      const isDefault = backbone === plan.defaultBackbone;
      let extractor;
      try {
        extractor = await o.engine.createFeatureExtractor({ backbone, threads: o.threads }, o.ctx);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        results.notes.push(`${ds.id}: backbone ${backbone} unavailable (${why})`);
        log(`skip backbone ${backbone}: ${why}`);
        continue;
      }
      const cache = new FeatureCache(path.join(o.workDir, 'features', ds.id, backbone.replace(/[^A-Za-z0-9._-]+/g, '_')));
      const augmented = new AugmentedViews(o.readFile);
      try {
        log(`${ds.id} / ${backbone}: extracting features of ${trainPool.length} train + ${test.length} test images`);
        const fails = await cache.fill(extractor, [...trainPool, ...test], (d, t) => o.ctx?.onProgress?.({ stage: 'features', done: d, total: t, message: `${ds.id} ${backbone}` }));
        for (const f of fails) dsInfo.skipped.push(`${f.name}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
        const okTest = test.filter((t) => cache.has(t.name));
        const okTrain = trainPool.filter((t) => cache.has(t.name));
        const jobs: { variant: Variant; group: RunResult['group']; shot: Shot; seed: number }[] = [];
        if (isDefault) {
          for (const shot of plan.shots) for (const seed of seedsFor(plan, shot)) for (const variant of MAIN_VARIANTS) jobs.push({ variant, group: 'main', shot, seed });
          for (const shot of plan.ablationShots) for (const seed of plan.ablationSeeds) for (const variant of plan.ablations) jobs.push({ variant, group: 'ablation', shot, seed });
        } else {
          for (const variant of MAIN_VARIANTS) jobs.push({ variant, group: 'backbone', shot: 'all', seed: plan.seeds[0] });
        }
        for (const job of jobs) {
          const subset = shotSubset(okTrain, job.shot, job.seed, plan.maxTrain);
          if (!subset.length) continue;
          // An ablation that only restates the defaults reuses the default method's run.
          if (job.group === 'ablation' && isDefaultMethod(job.variant, subset.length)) {
            const same = results.runs.find((x) => x.dataset === ds.id && x.backbone === backbone && x.variant === 'ours' && x.shot === job.shot && x.seed === job.seed);
            if (same) {
              results.runs.push({ ...same, variant: job.variant.id, group: 'ablation' });
              continue;
            }
          }
          const r = await runOne(o, extractor, cache, augmented, ds, backbone, job, subset, okTest, masks, plan);
          results.runs.push(r.result);
          log(
            `${ds.id} ${backbone} ${job.variant.id} k=${job.shot} seed ${job.seed}: AUROC ${r.result.imageAuroc.toFixed(3)}` +
              (r.result.pixelAuroc !== undefined ? ` pixel ${r.result.pixelAuroc.toFixed(3)} PRO ${r.result.pro?.toFixed(3)}` : '') +
              ` train ${r.result.trainSeconds.toFixed(2)} s, ${r.result.scoreMsPerImage.toFixed(1)} ms/img`,
          );
          if (isDefault && job.group === 'main' && job.shot === 'all' && job.seed === plan.seeds[0]) {
            results.roc.push({ dataset: ds.id, variant: job.variant.id, label: job.variant.label, scores: r.scores, labels: okTest.map((t) => t.label) });
          }
        }
        if (isDefault && plan.contaminated && o.engine.fitContaminated) {
          const clean = results.runs.find((r) => r.dataset === ds.id && r.backbone === backbone && r.variant === 'ours' && r.shot === 'all' && r.seed === plan.seeds[0]);
          results.contaminated.push(await runContaminated(o, ds, backbone, okTrain.slice(0, plan.maxTrain), okTest, clean?.imageAuroc ?? NaN));
          const c = results.contaminated[results.contaminated.length - 1];
          log(`${ds.id} contaminated fit: test AUROC ${c.testAuroc.toFixed(3)} vs clean ${c.cleanAuroc.toFixed(3)}`);
        }
      } finally {
        await extractor.release();
        if (!plan.keepFeatures) await cache.clear();
      }
    }
  }
  results.seconds = (Date.now() - started) / 1000;
  return results;
}

/** Flipped and rotated views of few-shot training images, extracted once per dataset and backbone. */
class AugmentedViews {
  private readonly views = new Map<string, PatchFeatures[]>();
  constructor(private readonly readFile: (file: string) => Promise<Uint8Array> = async (f) => new Uint8Array(await fs.readFile(f))) {}

  async get(extractor: Awaited<ReturnType<BenchEngine['createFeatureExtractor']>>, it: BenchItem, count: number, cache?: FeatureCache): Promise<PatchFeatures[]> {
    if (cache) return this.cached(extractor, cache, it, count);
    const key = `${count}:${it.name}`;
    let v = this.views.get(key);
    if (!v) {
      v = await this.extract(extractor, it, count);
      this.views.set(key, v);
    }
    return v;
  }

  /**
   * Views kept in the on-disk cache (kept between runs when the plan keeps features). Every view
   * list is a prefix of the 24 training views (1, 6, 8 and 24 share their first views), so view i
   * of an image is stored once, whichever count asked for it first.
   */
  private async cached(extractor: Awaited<ReturnType<BenchEngine['createFeatureExtractor']>>, cache: FeatureCache, it: BenchItem, count: number): Promise<PatchFeatures[]> {
    const key = (i: number) => `${it.name}#view-${i}`;
    let have = true;
    for (let i = 0; i < count && have; i++) have = await cache.restore(key(i));
    if (!have) {
      const views = await this.extract(extractor, it, count);
      for (let i = 0; i < views.length; i++) await cache.put(views[i], key(i));
    }
    const out: PatchFeatures[] = [];
    // Every view carries the image's own name: fits group views into images by name.
    for (let i = 0; i < count; i++) out.push({ ...(await cache.get(key(i))), name: it.name });
    return out;
  }

  private async extract(extractor: Awaited<ReturnType<BenchEngine['createFeatureExtractor']>>, it: BenchItem, count: number): Promise<PatchFeatures[]> {
    const img = decodeImage(await this.readFile(it.file), { path: it.name, maxPixels: DEFAULT_MAX_PIXELS });
    return extractor.extract(img, it.name, 0, count);
  }

  /** A test image's views for a model with test views: extracted once, kept in the on-disk cache (80 images × 6 views would not fit memory for long). */
  async testViews(extractor: Awaited<ReturnType<BenchEngine['createFeatureExtractor']>>, cache: FeatureCache, it: BenchItem, count: number): Promise<PatchFeatures[]> {
    return this.cached(extractor, cache, it, count);
  }
}

type Masks = Map<string, { width: number; height: number; data: Uint8Array }>;

/** Masks shrunk once to the pixel-metric size; normal test images get an all-zero mask. */
async function loadMasks(test: BenchItem[], side: number): Promise<Masks> {
  const out: Masks = new Map();
  for (const t of test) {
    if (!t.mask) continue;
    const m = await readMask(t.mask).catch(() => undefined);
    if (!m) continue;
    const [w, h] = fitSide(m.width, m.height, side);
    out.set(t.name, { width: w, height: h, data: resizeMask(m, w, h) });
  }
  return out;
}

function fitSide(w: number, h: number, side: number): [number, number] {
  if (!side || Math.max(w, h) <= side) return [w, h];
  const s = side / Math.max(w, h);
  return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
}

/** Area-averages a score map to a smaller size (pixel metrics run on the shrunk grid). */
export function shrinkMap(map: Float32Array, w: number, h: number, tw: number, th: number): Float32Array {
  if (tw === w && th === h) return map;
  const out = new Float32Array(tw * th);
  for (let y = 0; y < th; y++) {
    const y0 = Math.floor((y * h) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h) / th));
    for (let x = 0; x < tw; x++) {
      const x0 = Math.floor((x * w) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * w) / tw));
      let s = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += map[yy * w + xx];
      out[y * tw + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

async function runOne(
  o: RunnerOptions,
  extractor: Awaited<ReturnType<BenchEngine['createFeatureExtractor']>>,
  cache: FeatureCache,
  augmented: AugmentedViews,
  ds: BenchDataset,
  backbone: string,
  job: { variant: Variant; group: RunResult['group']; shot: Shot; seed: number },
  subset: BenchItem[],
  test: BenchItem[],
  masks: Masks | undefined,
  plan: BenchPlan,
): Promise<{ result: RunResult; scores: number[] }> {
  // The variant as the engine resolves it for this many images (few-shot augmentation included).
  const method = resolveMethod(forTrainingSet({ ...job.variant.method, seed: job.seed }, subset.length));
  const normal: PatchFeatures[] = [];
  for (const it of subset) normal.push(...(method.augment ? await augmented.get(extractor, it, method.augmentViews, plan.keepFeatures ? cache : undefined) : [await cache.get(it.name)]));
  const t0 = performance.now();
  const det: FittedDetector = await o.engine.fitFromFeatures(extractor, normal, { method }, o.ctx);
  const trainSeconds = (performance.now() - t0) / 1000;
  normal.length = 0;
  const scores: number[] = [];
  const flagged: boolean[] = [];
  const pixel = masks && masks.size ? createPixelMetrics() : undefined;
  const borderHot: boolean[] = [];
  const hits: { hit: boolean; flagged: boolean }[] = [];
  let globalFindings = 0;
  let flaggedWithoutRegion = 0;
  let scoreMs = 0;
  try {
    for (const t of test) {
      const f = method.testViews > 1 ? await augmented.testViews(extractor, cache, t, method.testViews) : await cache.get(t.name);
      const s0 = performance.now();
      const s = await det.scoreFeatures(f);
      scoreMs += performance.now() - s0;
      scores.push(s.score);
      flagged.push(s.anomalous);
      const [w, h] = fitSide(s.width, s.height, plan.pixelSide);
      const small = shrinkMap(s.map, s.width, s.height, w, h);
      const m = masks?.get(t.name);
      const mask = m ? (m.width === w && m.height === h ? m.data : resizeMask(m, w, h)) : undefined;
      pixel?.add(small, mask ?? new Uint8Array(w * h), w, h);
      if (t.label === 0) borderHot.push(hottestAtBorder(small, w, h, BORDER_BAND));
      else if (mask) hits.push({ hit: heatHits(small, mask, w, h), flagged: s.anomalous });
      if (s.anomalous) {
        const extent = anomalyExtent(true, hasRegionPixel(s) ? 1 : 0);
        if (extent === 'global') globalFindings++;
        if (!extent) flaggedWithoutRegion++;
      }
    }
  } finally {
    await releaseScoringOnly(det);
  }
  const labels = test.map((t) => t.label);
  const px = pixel?.result();
  const cal = det.manifest.calibration;
  const pooled = folderThreshold({ threshold: cal.threshold, heldOut: cal.normalScores.length }, scores, det.manifest.options.thresholdQuantile);
  const shareAt = (label: number, t: number) => shareOf(scores.flatMap((s, i) => (labels[i] === label ? [s > t] : [])));
  const share = (label: number) => {
    const of = labels.flatMap((l, i) => (l === label ? [flagged[i]] : []));
    return of.length ? of.filter(Boolean).length / of.length : undefined;
  };
  return {
    scores,
    result: {
      dataset: ds.id,
      backbone,
      variant: job.variant.id,
      group: job.group,
      shot: job.shot,
      trainImages: subset.length,
      seed: job.seed,
      imageAuroc: imageAuroc(scores, labels),
      pixelAuroc: px?.pixelAuroc,
      pro: px?.pro,
      trainSeconds,
      scoreMsPerImage: scoreMs / Math.max(1, test.length),
      featureMsPerImage: cache.extractMs,
      peakRssMb: peakRssMb(),
      repositorySize: det.manifest.repositorySize,
      flaggedNormal: share(0),
      flaggedAnomalous: share(1),
      heatHitFlagged: shareOf(hits.filter((x) => x.flagged).map((x) => x.hit)),
      heatHitAll: shareOf(hits.map((x) => x.hit)),
      globalFindings,
      flaggedWithoutRegion,
      normalHotAtBorder: shareOf(borderHot),
      flaggedNormalFolder: shareAt(0, pooled.threshold),
      flaggedAnomalousFolder: shareAt(1, pooled.threshold),
      expectedNormalFlagRate: pooled.expectedNormalFlagRate,
    },
  };
}

const shareOf = (xs: boolean[]): number | undefined => (xs.length ? xs.filter(Boolean).length / xs.length : undefined);

/** Outer band (fraction of each side) where a normal image's hottest point counts as a border hot spot. */
export const BORDER_BAND = 0.1;

/** Whether any map pixel reaches the score's pixel threshold (the predicted region is non-empty). */
export function hasRegionPixel(s: Pick<ImageScore, 'map' | 'threshold' | 'pixelThreshold'>): boolean {
  const t = mapThreshold(s);
  for (let i = 0; i < s.map.length; i++) if (s.map[i] >= t) return true;
  return false;
}

/**
 * A detector from fitFromFeatures shares the benchmark's extractor; its release() would dispose
 * that too, so free only the detector's own scoring session when the engine offers that.
 */
async function releaseScoringOnly(det: FittedDetector): Promise<void> {
  const d = det as FittedDetector & { releaseScoring?: () => Promise<void> };
  if (typeof d.releaseScoring === 'function') await d.releaseScoring();
}

/** Fit on train ∪ test with labels hidden; the folder's own ranking scores the test images. */
async function runContaminated(o: RunnerOptions, ds: BenchDataset, backbone: string, train: BenchItem[], test: BenchItem[], cleanAuroc: number): Promise<ContaminatedResult> {
  const read = o.readFile ?? (async (f: string) => new Uint8Array(await fs.readFile(f)));
  const all = [...train, ...test];
  const sources: ImageSource[] = all.map((it) => ({ name: it.name, read: () => read(it.file) }));
  const t0 = performance.now();
  const fit = o.engine.fitContaminated;
  if (!fit) throw new Error('engine has no fitContaminated');
  const { detector, ranking } = await fit(sources, { backbone, threads: o.threads, method: { seed: 0 } }, o.ctx);
  const seconds = (performance.now() - t0) / 1000;
  await detector.release();
  const byName = new Map<string, number>();
  for (const r of ranking) if ('score' in r) byName.set(r.name, r.score);
  const scored = test.filter((t) => byName.has(t.name));
  return {
    dataset: ds.id,
    backbone,
    fitImages: all.length,
    anomaliesHidden: test.filter((t) => t.label).length,
    testAuroc: imageAuroc(
      scored.map((t) => byName.get(t.name) as number),
      scored.map((t) => t.label),
    ),
    cleanAuroc,
    seconds,
  };
}
