/** `anomaly-lens eval <dataset root> --model <dir>`: image AUROC, pixel AUROC and PRO on a labelled set. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadDataset, readMask, resizeMask, type DatasetKind } from '../../bench/datasets';
import { createPixelMetrics, imageAuroc } from '../../bench/metrics';
import { shrinkMap } from '../../bench/runner';
import { scanStream } from '../../core/engine';
import { toSource } from '../sources';
import { AnomalyLensError, describeError, toErrorInfo, type ErrorInfo } from '../../shared/errors';
import { flag, num, oneOf, parse, required } from '../args';
import { deps } from '../deps';
import type { CliIo } from '../io';
import { createProgress } from '../progress';
import { announceDevice, RUNTIME_OPTIONS, runtimeOf } from './common';

export const EVAL_HELP = `anomaly-lens eval <dataset root> --model <model dir> [options]
  Dataset: MVTec layout (train/good, test/<type>, ground_truth/<type>/*_mask.png) or mpdd, magnetic-tile, head-ct.
  --kind mvtec|mpdd|magnetic-tile|head-ct   force the layout (default: detected)
  --seed <n>           split seed for sets split by seed (magnetic-tile, head-ct; default 0)
  --pixel-side <n>     pixel metrics on maps shrunk to this long side (default 256, 0 = full size)
  --device  --threads  --workers <n>  --max-pixels  --json  --quiet`;

export async function evalCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(args, {
    ...RUNTIME_OPTIONS,
    model: { type: 'string', short: 'm' },
    kind: { type: 'string' },
    seed: { type: 'string' },
    'pixel-side': { type: 'string' },
  });
  if (flag(v, 'help')) {
    io.out(`${EVAL_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new AnomalyLensError('BAD_ARGUMENT', 'eval needs exactly one dataset root');
  const root = path.resolve(io.cwd, positionals[0]);
  const modelDir = path.resolve(io.cwd, required(v, 'model', 'eval'));
  const kind = oneOf(v, 'kind', ['mvtec', 'mpdd', 'magnetic-tile', 'head-ct'] as const satisfies readonly DatasetKind[]);
  const seed = num(v, 'seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 0;
  const side = num(v, 'pixel-side', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 256;
  const rt = runtimeOf(v);
  if (!(await fs.stat(modelDir).catch(() => undefined))?.isDirectory()) {
    throw new AnomalyLensError('MODEL_INVALID', 'model folder not found', { file: modelDir, hint: 'train one first: `anomaly-lens train <dataset>/train/good --out <dir>`' });
  }
  const ds = await loadDataset(root, { kind, seed });
  const progress = createProgress(io, { quiet: flag(v, 'quiet') });
  await announceDevice(rt.device, progress);
  const scorer = await deps.openScorer(modelDir, { device: rt.device, threads: rt.threads, workers: rt.workers, images: ds.test.length, maxPixels: rt.maxPixels, log: progress.log });
  const scores: number[] = [];
  const labels: (0 | 1)[] = [];
  const failures: { name: string; error: ErrorInfo }[] = [];
  const pixel = ds.hasMasks ? createPixelMetrics() : undefined;
  const started = io.now();
  const sources = ds.test.map((t) => toSource({ name: t.name, file: t.file }));
  try {
    let done = 0;
    for await (const r of scanStream(scorer, sources)) {
      const t = ds.test[done];
      progress.update({ stage: 'scan', done: ++done, total: ds.test.length, message: t.name });
      try {
        if ('error' in r) throw AnomalyLensError.fromInfo(r.error, t.name);
        const s = r.score;
        scores.push(s.score);
        labels.push(t.label);
        if (pixel) {
          const k = side && Math.max(s.width, s.height) > side ? side / Math.max(s.width, s.height) : 1;
          const w = Math.max(1, Math.round(s.width * k));
          const h = Math.max(1, Math.round(s.height * k));
          const mask = t.mask ? resizeMask(await readMask(t.mask), w, h) : new Uint8Array(w * h);
          pixel.add(shrinkMap(s.map, s.width, s.height, w, h), mask, w, h);
        }
      } catch (e) {
        failures.push({ name: t.name, error: toErrorInfo(e, t.name) });
        progress.log(`skipped: ${describeError(toErrorInfo(e, t.name))}`);
      }
    }
    progress.update({ stage: 'scan', done: ds.test.length, total: ds.test.length });
  } finally {
    progress.done();
    await scorer.release();
  }
  if (!scores.length) throw new AnomalyLensError('DATASET_INVALID', 'no test image could be scored', { file: root });
  const px = pixel?.result();
  const result = {
    dataset: ds.id,
    kind: ds.kind,
    split: ds.split,
    model: modelDir,
    images: scores.length,
    anomalous: labels.filter((l) => l === 1).length,
    imageAuroc: imageAuroc(scores, labels),
    pixelAuroc: px?.pixelAuroc ?? null,
    pro: px?.pro ?? null,
    seconds: (io.now() - started) / 1000,
    failures,
  };
  if (flag(v, 'json')) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const f = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a (no pixel masks)' : x.toFixed(4));
    io.out(
      `${ds.id} (${ds.kind}; ${ds.split})\n` +
        `  images        ${result.images} (${result.anomalous} anomalous)\n` +
        `  image AUROC   ${result.imageAuroc.toFixed(4)}\n` +
        `  pixel AUROC   ${f(result.pixelAuroc)}\n` +
        `  PRO (≤30%FPR) ${f(result.pro)}\n` +
        (failures.length ? `  ${failures.length} image(s) could not be scored (first: ${describeError(failures[0].error)})\n` : ''),
    );
  }
  return 0;
}
