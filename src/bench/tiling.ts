/**
 * The tiling benchmark: on the generated elongated and large sets, each method (GP-MLP default
 * and the PatchCore baseline) is fitted and scored with images squashed to the input and with
 * the automatic tiles, on the same extracted features per mode. Reports image AUROC, pixel
 * AUROC, PRO, heat hit rate and throughput in images/s and megapixels/s.
 */
import type { EngineApi, FittedDetector, PatchFeatures } from '../core/api';
import type { MethodOptions, TileSetting } from '../shared/model';
import { forTrainingSet, resolveMethod } from '../core/method/options';
import { chooseGeometry, describeGeometry, planTiles } from '../core/tiling/plan';
import { tiledMethodDefaults } from '../core/tiling/training';
import { createPixelMetrics, imageAuroc } from './metrics';
import { heatHit, type GeneratedSet } from './tiledSets';

export type TilingEngine = Pick<EngineApi, 'createFeatureExtractor' | 'fitFromFeatures'>;

export interface TilingRun {
  set: string;
  mode: 'squash' | 'tiles';
  geometry: string;
  method: 'gpmlp' | 'patchcore';
  trainImages: number;
  imageAuroc: number;
  pixelAuroc: number;
  pro: number;
  /** Share of anomalous test images whose hottest map pixel lies on a defect. */
  heatHitRate: number;
  /** End to end per test image: features (decode excluded) + scoring + full-size map. */
  imagesPerSecond: number;
  megapixelsPerSecond: number;
  trainSeconds: number;
}

const MODES: { mode: TilingRun['mode']; setting: TileSetting }[] = [
  { mode: 'squash', setting: 'off' },
  { mode: 'tiles', setting: 'auto' },
];

/** The views per image the resolved default options need (training, scoring). */
function viewCounts(method: Partial<MethodOptions>, images: number, tiles: number): { train: number; test: number; options: Partial<MethodOptions> } {
  const options = forTrainingSet(tiledMethodDefaults(method, images, tiles), images);
  const o = resolveMethod(options);
  return { train: o.augment ? o.augmentViews : 1, test: o.testViews, options };
}

/** Which modes and methods a run covers (default: all of them). */
export interface TilingBenchFilter {
  modes?: readonly TilingRun['mode'][];
  methods?: readonly TilingRun['method'][];
}

export async function runTilingBench(
  engine: TilingEngine,
  sets: GeneratedSet[],
  log: (line: string) => void = () => undefined,
  filter: TilingBenchFilter = {},
): Promise<TilingRun[]> {
  const runs: TilingRun[] = [];
  const methods = (['gpmlp', 'patchcore'] as const).filter((m) => !filter.methods || filter.methods.includes(m));
  for (const set of sets) {
    for (const { mode, setting } of MODES.filter((m) => !filter.modes || filter.modes.includes(m.mode))) {
      const ex = await engine.createFeatureExtractor({});
      try {
        ex.tiling = chooseGeometry(setting, set.width, set.height, ex.preprocess.crop);
        const geometry = describeGeometry(ex.tiling, set.width, set.height);
        const tiles = ex.tiling ? planTiles(set.width, set.height, ex.tiling).length : 1;
        log(`${set.id} ${mode}: ${geometry}`);
        for (const method of methods) {
          const counts = viewCounts({ method }, set.train.length, tiles);
          const normal: PatchFeatures[] = [];
          for (const item of set.train) normal.push(...(await ex.extract(item.image, item.name, 0, counts.train)));
          const t0 = performance.now();
          const detector = await engine.fitFromFeatures(ex, normal, { method: counts.options });
          const trainSeconds = (performance.now() - t0) / 1000;
          normal.length = 0;
          try {
            runs.push({ set: set.id, mode, geometry, method, trainImages: set.train.length, trainSeconds, ...(await scoreSet(ex, detector, set, counts.test)) });
            const r = runs[runs.length - 1];
            log(`  ${method}: image AUROC ${r.imageAuroc.toFixed(3)}, pixel AUROC ${r.pixelAuroc.toFixed(3)}, heat hits ${(r.heatHitRate * 100).toFixed(0)} %, ${r.imagesPerSecond.toFixed(2)} img/s`);
          } finally {
            await detector.release();
          }
        }
      } finally {
        await ex.release();
      }
    }
  }
  return runs;
}

type Extractor = Awaited<ReturnType<TilingEngine['createFeatureExtractor']>>;

async function scoreSet(ex: Extractor, detector: FittedDetector, set: GeneratedSet, testViews: number) {
  const scores: number[] = [];
  const labels: (0 | 1)[] = [];
  const pixels = createPixelMetrics();
  let hits = 0;
  let anomalous = 0;
  let seconds = 0;
  for (const item of set.test) {
    const t = performance.now();
    const scored = await detector.scoreFeatures(await ex.extract(item.image, item.name, 0, testViews));
    seconds += (performance.now() - t) / 1000;
    scores.push(scored.score);
    labels.push(item.label);
    const mask = item.mask ?? new Uint8Array(set.width * set.height);
    pixels.add(scored.map, mask, set.width, set.height);
    if (item.mask) {
      anomalous++;
      if (heatHit(scored.map, item.mask, set.width, set.height)) hits++;
    }
  }
  const { pixelAuroc, pro } = pixels.result();
  const perSecond = set.test.length / seconds;
  return {
    imageAuroc: imageAuroc(scores, labels),
    pixelAuroc,
    pro,
    heatHitRate: anomalous ? hits / anomalous : 0,
    imagesPerSecond: perSecond,
    megapixelsPerSecond: (perSecond * set.width * set.height) / 1e6,
  };
}

export const TILING_SECTION_START = '<!-- tiling-bench:start -->';
export const TILING_SECTION_END = '<!-- tiling-bench:end -->';

export function tilingMarkdown(runs: TilingRun[], header: { date: string; machine: string; seconds: number; command: string }): string {
  const lines = [
    TILING_SECTION_START,
    '## Large and elongated images (tiling)',
    '',
    `Generated by \`${header.command}\` on ${header.date}: ${header.machine}; ${header.seconds.toFixed(0)} s. Sets from src/bench/tiledSets.ts (seeded): ` +
      'an elongated woven web 4096×256 with three defects a few pixels wide per anomalous image (knots, broken yarns, neps), and a large 2048×2048 weave with one small defect per anomalous image. ' +
      'Each method runs squashed to the 224-px input ("squash", tiling off) and with the automatic tiles ("tiles"), with its default options for the training set (GP-MLP few-shot augmentation applies when squashed; with tiles, images × tiles exceed the augmentation cut-off). ' +
      'Heat hit rate: share of anomalous images whose hottest area (the connected region around the map maximum within 10 % of (maximum − mean) of it) touches a defect, allowing 8 px for the blurred patch grid. Throughput is per test image end to end (features, scoring, full-size map; decoding excluded), one onnxruntime session on this machine.',
    '',
    '| set | mode | geometry | method | train images | image AUROC | pixel AUROC | PRO | heat hit rate | images/s | megapixels/s | train s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.set} | ${r.mode} | ${r.geometry} | ${r.method === 'gpmlp' ? 'GP-MLP' : 'PatchCore 10 %'} | ${r.trainImages} | ${r.imageAuroc.toFixed(3)} | ${r.pixelAuroc.toFixed(3)} | ${r.pro.toFixed(3)} | ${(r.heatHitRate * 100).toFixed(0)} % | ${r.imagesPerSecond.toFixed(2)} | ${r.megapixelsPerSecond.toFixed(2)} | ${r.trainSeconds.toFixed(1)} |`,
    ),
    TILING_SECTION_END,
  ];
  return `${lines.join('\n')}\n`;
}

/** Puts the tiling section into a benchmarks page, replacing an earlier one or appending it. */
export function withTilingSection(page: string, section: string): string {
  const a = page.indexOf(TILING_SECTION_START);
  const b = page.indexOf(TILING_SECTION_END);
  if (a >= 0 && b > a) return page.slice(0, a) + section.trimEnd() + page.slice(b + TILING_SECTION_END.length);
  return `${page.trimEnd()}\n\n${section}`;
}
