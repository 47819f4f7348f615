/**
 * `anomaly-lens scan <folder|list-file…> --model <dir>`: scores every image, writes scores
 * (CSV + JSON), heatmap and overlay PNGs, one annotation JSON per image and optionally an HTML
 * report. Bad files are listed and skipped; every output is written to a temp file and renamed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { deps } from '../deps';
import { scanStream } from '../../core/engine';
import { AnomalyLensError, describeError, toErrorInfo, type ErrorInfo } from '../../shared/errors';
import { flag, num, parse, positiveInt, required, str } from '../args';
import { acquireOutputLock } from '../../core/io/outputLock';
import { annotationJson, annotationPathFor } from '../annotate';
import type { CliIo } from '../io';
import { createProgress } from '../progress';
import { renderHeatmap, renderOverlay } from '../render';
import { anomalyExtent, predictedRegions } from '../../shared/regions';
import { findImages, toSource } from '../sources';
import { inShard, parseShard, shardLabel } from '../../core/shard/slice';
import { folderThreshold } from '../../core/method/folderThreshold';
import { ScanJournal } from '../../core/shard/journal';
import { announceDevice, RUNTIME_OPTIONS, runtimeOf } from './common';
import { buildReport } from './scanReport';
import { safeRel, scoresCsv, writeFailed, type ScanRow } from './scanRows';
import { printSummary } from './scanSummary';

export { buildReport } from './scanReport';
export { safeRel, scoresCsv, shown, type ScanRow } from './scanRows';

export const SCAN_HELP = `anomaly-lens scan <folders, images or list files…> --model <model dir> [options]
  --out <dir>            outputs: scores.csv, scores.json, heatmaps/, overlays/ (default ./anomaly-lens-scan)
  --annotations <dir>    annotation JSON per image (default <out>/annotations)
  --report <file.html>   one self-contained HTML report
  --report-top <n>       findings with previews in the report (default 60)
  --no-images            skip heatmap/overlay PNGs (scores and annotations only)
  --shard <i/n>          score only shard i of n (0-based, by SHA-1 of the relative path); keeps a
                         journal in <out>/journal.jsonl and resumes from it; combine with \`merge\`
  --resume               keep the journal without sharding (a restarted scan skips finished images)
  --workers <n>          worker threads scoring in parallel (default: one per core up to 2 for 16+ images; 1 = none)
  --file-timeout <s>     per-file limit in worker threads; a file over it is listed as DECODE_TIMEOUT (default 120)
  --device auto|cpu|...  --threads <n>  --max-pixels <n>  --json  --quiet`;

export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(args, {
    ...RUNTIME_OPTIONS,
    model: { type: 'string', short: 'm' },
    out: { type: 'string', short: 'o' },
    annotations: { type: 'string' },
    report: { type: 'string' },
    'report-top': { type: 'string' },
    'no-images': { type: 'boolean' },
    shard: { type: 'string' },
    resume: { type: 'boolean' },
    'file-timeout': { type: 'string' },
  });
  if (flag(v, 'help')) {
    io.out(`${SCAN_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new AnomalyLensError('BAD_ARGUMENT', 'scan needs a folder, image or list file', { hint: 'e.g. `scan images/ --model model/`' });
  const modelDir = path.resolve(io.cwd, required(v, 'model', 'scan'));
  const outDir = path.resolve(io.cwd, str(v, 'out') ?? 'anomaly-lens-scan');
  const annDir = path.resolve(io.cwd, str(v, 'annotations') ?? path.join(outDir, 'annotations'));
  const reportFile = str(v, 'report') ? path.resolve(io.cwd, str(v, 'report') as string) : undefined;
  const reportTop = num(v, 'report-top', positiveInt, 'a positive integer') ?? 60;
  const images = !flag(v, 'no-images');
  const json = flag(v, 'json');
  const rt = runtimeOf(v);
  const fileTimeout = num(v, 'file-timeout', positiveInt, 'a positive number of seconds');

  const stat = await fs.stat(modelDir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new AnomalyLensError('MODEL_INVALID', 'model folder not found', { file: modelDir, hint: 'train one first: `anomaly-lens train <normal images> --out <dir>`' });
  }
  const shard = str(v, 'shard') !== undefined ? parseShard(str(v, 'shard') as string) : undefined;
  const lock = await acquireOutputLock(outDir, `anomaly-lens scan${shard ? ` --shard ${shardLabel(shard)}` : ''}`);
  try {
    return await scanLocked({ io, v, positionals, modelDir, outDir, annDir, reportFile, reportTop, images, json, rt, fileTimeout, shard });
  } finally {
    await lock.release();
  }
}

interface ScanPlan {
  io: CliIo;
  v: ReturnType<typeof parse>['values'];
  positionals: string[];
  modelDir: string;
  outDir: string;
  annDir: string;
  reportFile: string | undefined;
  reportTop: number;
  images: boolean;
  json: boolean;
  rt: ReturnType<typeof runtimeOf>;
  fileTimeout: number | undefined;
  shard: ReturnType<typeof parseShard> | undefined;
}

async function scanLocked(p: ScanPlan): Promise<number> {
  const { io, v, positionals, modelDir, outDir, annDir, reportFile, reportTop, images, json, rt, shard } = p;
  const write = async (file: string, data: string | Uint8Array, name: string): Promise<void> => {
    try {
      await deps.writeFile(file, data);
    } catch (e) {
      throw writeFailed(e, file, name);
    }
  };
  const progress = createProgress(io, { quiet: flag(v, 'quiet') });
  const all = await findImages(positionals, io.cwd, [outDir, annDir]);
  const sniffed = all.filter((f) => f.sniffed).length;
  if (sniffed) progress.log(`found ${sniffed} DICOM file${sniffed === 1 ? '' : 's'} without an image extension by content ('DICM' at byte 128)`);
  const found = shard ? inShard(all, shard) : all;
  await announceDevice(rt.device, progress);
  const scorer = await deps.openScorer(modelDir, {
    device: rt.device,
    threads: rt.threads,
    workers: rt.workers,
    images: found.length,
    maxPixels: rt.maxPixels,
    fileTimeoutMs: p.fileTimeout === undefined ? undefined : p.fileTimeout * 1000,
    log: progress.log,
  });
  const detector = { manifest: scorer.manifest };
  const journal =
    shard || flag(v, 'resume')
      ? ScanJournal.open<ScanRow>(outDir, { shard: shard ? shardLabel(shard) : '', modelId: detector.manifest.id, outDir, annotationDir: annDir })
      : undefined;
  const rows: ScanRow[] = [];
  const failures: { name: string; error: ErrorInfo }[] = [];
  /** Scored, but an output could not be written. */
  const lost: { name: string; error: ErrorInfo }[] = [];
  // Finished by an earlier run of this shard: reuse those results.
  const todo = found.filter((f) => {
    const done = journal?.previous.get(f.name);
    if (done?.type === 'scored') rows.push(done.row);
    else if (done) failures.push({ name: done.name, error: done.error });
    return !done;
  });
  const spread = detector.manifest.calibration.spread;
  const started = io.now();
  const now = new Date().toISOString();
  const byName = new Map(todo.map((f) => [f.name, f]));
  try {
    let done = found.length - todo.length;
    for await (const r of scanStream(scorer, todo.map(toSource))) {
      progress.update({ stage: 'scan', done: ++done, total: found.length, message: r.name });
      const f = byName.get(r.name)!;
      try {
        if ('error' in r) throw AnomalyLensError.fromInfo(r.error, f.name);
        const { score: s, image: img, bytes } = r;
        for (const w of img.warnings ?? []) progress.log(`warning: ${f.name}: ${w}`);
        const rel = safeRel(f.name);
        const row: ScanRow = {
          rank: 0,
          name: f.name,
          score: s.score,
          normalized: s.normalized,
          threshold: s.threshold,
          anomalous: s.anomalous,
          width: s.width,
          height: s.height,
          annotation: annotationPathFor(rel, annDir),
        };
        const extent = anomalyExtent(s.anomalous, predictedRegions(s).length);
        if (extent) row.extent = extent;
        if (images) {
          // Always appended, so `a.jpg` and `a.jpg.png` can never share an output.
          const png = `${rel}.png`;
          row.heatmap = path.join(outDir, 'heatmaps', png);
          row.overlay = path.join(outDir, 'overlays', png);
          await write(row.heatmap, renderHeatmap(s, spread), f.name);
          await write(row.overlay, renderOverlay(img, s, spread), f.name);
        }
        await write(row.annotation, annotationJson(s, img, bytes, detector.manifest, { path: f.name, now }), f.name);
        rows.push(row);
        journal?.scored(f.name, row);
      } catch (e) {
        if (e instanceof AnomalyLensError && e.code === 'CANCELLED') throw e;
        const error = toErrorInfo(e, f.name);
        failures.push({ name: f.name, error });
        if (error.code === 'WRITE_FAILED') lost.push({ name: f.name, error });
        journal?.failed(f.name, error);
        progress.log(`skipped: ${describeError(error)}`);
      }
    }
    progress.update({ stage: 'scan', done: found.length, total: found.length });
  } finally {
    progress.done();
    journal?.close();
    await scorer.release();
  }
  const seconds = (io.now() - started) / 1000;
  // Ranked by how far each image is over its threshold (the margin; one spread for the model).
  rows.sort((a, b) => (b.score - b.threshold) - (a.score - a.threshold) || b.score - a.score || (a.name < b.name ? -1 : 1));
  rows.forEach((r, i) => (r.rank = i + 1));

  const csv = scoresCsv(rows);
  // What the folder itself says about the threshold: its robust score distribution pooled with the
  // training calibration, and the flag rate among normal images that threshold expects.
  const cal = detector.manifest.calibration;
  const pooled = folderThreshold({ threshold: cal.threshold, heldOut: cal.normalScores.length }, rows.map((r) => r.score), detector.manifest.options.thresholdQuantile);
  const folder = { ...pooled, wouldFlag: rows.filter((r) => r.score > pooled.threshold).length };
  const summary = {
    model: modelDir,
    modelId: detector.manifest.id,
    ...(shard ? { shard: shardLabel(shard), totalImages: all.length } : {}),
    scanned: found.length,
    scored: rows.length,
    flagged: rows.filter((r) => r.anomalous).length,
    folderThreshold: folder,
    seconds,
    lost: lost.length,
    results: rows,
    failures,
  };
  // Said first, so it is on screen even if the summary files below cannot be written either.
  if (lost.length) {
    io.err(`error: ${lost.length} scored result${lost.length === 1 ? ' was' : 's were'} lost: ${describeError(lost[0].error)}\n`);
  }
  await write(path.join(outDir, 'scores.csv'), `${csv}\n`, 'scores.csv');
  await write(path.join(outDir, 'scores.json'), `${JSON.stringify(summary, null, 2)}\n`, 'scores.json');
  if (reportFile) {
    await deps.writeFile(reportFile, await buildReport(rows, failures, detector.manifest, { reportFile, reportTop, seconds, source: positionals.join(', ') }));
  }

  printSummary(io, summary, { json, outDir, reportFile, tiling: detector.manifest.tiling, modelThreshold: cal.threshold, spread: cal.spread });
  // A scored result whose outputs could not be written is lost: never a success.
  if (lost.length) return 1;
  // Some images scored → success (failures are listed). Nothing scored → the first reason.
  // An empty shard (more shards than images) is a success with empty outputs.
  if (rows.length === 0 && !(shard && found.length === 0)) {
    if (failures.length) {
      const n = failures.length;
      throw new AnomalyLensError(failures[0].error.code, `no image could be scored (${n} file${n === 1 ? '' : 's'} failed); first: ${failures[0].error.message}`, { file: failures[0].name });
    }
    throw new AnomalyLensError('BAD_ARGUMENT', 'no image files found', { file: positionals.join(', '), hint: 'supported: png, jpg, tif, bmp, dcm' });
  }
  return 0;
}
