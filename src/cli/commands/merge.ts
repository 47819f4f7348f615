/**
 * `anomaly-lens merge <shard out dirs…> --out <dir>`: one report from sharded scans — scores.csv,
 * scores.json, heatmaps/, overlays/, annotations/ and optionally the HTML report, as a single
 * `scan` would have written them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readModelManifest } from '../../core/model/modelFile';
import { JOURNAL_FILE, readJournal } from '../../core/shard/journal';
import { mergeShards, type ShardInput } from '../../core/shard/merge';
import { AnomalyLensError } from '../../shared/errors';
import type { ModelManifest } from '../../shared/model';
import { flag, num, parse, positiveInt, required, str } from '../args';
import { writeFileAtomic } from '../../core/io/atomic';
import type { CliIo } from '../io';
import { buildReport } from './scanReport';
import { scoresCsv, shown, type ScanRow } from './scanRows';

export const MERGE_HELP = `anomaly-lens merge <scan output dirs…> --out <dir> [options]
  --out <dir>            merged scores.csv, scores.json, heatmaps/, overlays/, annotations/
  --annotations <dir>    merged annotation folder (default <out>/annotations)
  --report <file.html>   one HTML report over all shards (needs --model for the model summary)
  --model <dir>          the model the shards used (for the report; its id must match)
  --report-top <n>       findings with previews in the report (default 60)
  --allow-partial        merge even when shards are missing or unfinished
  --json  --quiet`;

export async function mergeCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(args, {
    out: { type: 'string', short: 'o' },
    annotations: { type: 'string' },
    report: { type: 'string' },
    model: { type: 'string', short: 'm' },
    'report-top': { type: 'string' },
    'allow-partial': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flag(v, 'help')) {
    io.out(`${MERGE_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new AnomalyLensError('BAD_ARGUMENT', 'merge needs the output folders of `scan --shard`', { hint: 'e.g. `merge out-0 out-1 --out merged`' });
  const outDir = path.resolve(io.cwd, required(v, 'out', 'merge'));
  const annDir = path.resolve(io.cwd, str(v, 'annotations') ?? path.join(outDir, 'annotations'));
  const reportFile = str(v, 'report') ? path.resolve(io.cwd, str(v, 'report') as string) : undefined;
  const reportTop = num(v, 'report-top', positiveInt, 'a positive integer') ?? 60;

  const shards: ShardInput<ScanRow>[] = [];
  for (const p of positionals) {
    const dir = path.resolve(io.cwd, p);
    const journal = readJournal<ScanRow>(path.join(dir, JOURNAL_FILE));
    if (!journal) throw new AnomalyLensError('FILE_UNREADABLE', `no ${JOURNAL_FILE} here: not the output of \`scan --shard\``, { file: dir });
    const scores = await fs.readFile(path.join(dir, 'scores.json'), 'utf8').then(
      (t) => JSON.parse(t) as { scanned?: number; seconds?: number },
      () => undefined,
    );
    shards.push({ dir, journal, scanned: scores?.scanned, seconds: scores?.seconds });
  }
  const merged = mergeShards(shards, { allowPartial: flag(v, 'allow-partial') });

  // Copy per-image files into one tree; a missing file is reported, not fatal (scores still merge).
  const missing: string[] = [];
  for (const f of merged.files) {
    const target = f.kind === 'annotation' ? path.join(annDir, f.to) : path.join(outDir, f.to);
    let copied = false;
    for (const src of f.from) {
      const data = await fs.readFile(src).catch(() => undefined);
      if (data) {
        await writeFileAtomic(target, data);
        copied = true;
        break;
      }
    }
    if (!copied) missing.push(f.from[0]);
  }
  const abs = (rel: string | undefined, root: string) => (rel ? path.join(root, rel) : undefined);
  const rows: ScanRow[] = merged.rows.map((r) => ({ ...r, heatmap: abs(r.heatmap, outDir), overlay: abs(r.overlay, outDir), annotation: abs(r.annotation, annDir) as string }));
  const summary = {
    modelId: merged.modelId,
    shards: merged.shardCount,
    merged: positionals.map((p) => path.resolve(io.cwd, p)),
    scanned: rows.length + merged.failures.length,
    scored: rows.length,
    flagged: rows.filter((r) => r.anomalous).length,
    seconds: merged.seconds,
    results: rows,
    failures: merged.failures,
    ...(merged.missingShards.length || merged.incompleteShards.length ? { partial: { missingShards: merged.missingShards, incompleteShards: merged.incompleteShards } } : {}),
  };
  await writeFileAtomic(path.join(outDir, 'scores.csv'), `${scoresCsv(rows)}\n`);
  await writeFileAtomic(path.join(outDir, 'scores.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (reportFile) {
    const modelDir = str(v, 'model');
    if (!modelDir) throw new AnomalyLensError('BAD_ARGUMENT', '--report needs --model (the model the shards used)');
    const manifest: ModelManifest = await readModelManifest(path.resolve(io.cwd, modelDir));
    if (manifest.id !== merged.modelId) throw new AnomalyLensError('BAD_ARGUMENT', `--model is ${manifest.id}, the shards used ${merged.modelId}`, { file: modelDir });
    await writeFileAtomic(reportFile, await buildReport(rows, merged.failures, manifest, { reportFile, reportTop, seconds: merged.seconds, source: `${positionals.length} shard(s)` }));
  }
  if (flag(v, 'json')) io.out(`${JSON.stringify({ ...summary, out: outDir, report: reportFile, missingFiles: missing }, null, 2)}\n`);
  else if (!flag(v, 'quiet')) {
    io.out(`merged ${positionals.length} shard(s) of ${merged.shardCount}: ${rows.length} scored, ${summary.flagged} flagged, ${merged.failures.length} failed\n`);
    if (missing.length) io.out(`${missing.length} per-image file(s) were not found (first: ${missing[0]})\n`);
    io.out(`outputs: ${shown(io.cwd, outDir)}${reportFile ? `\nreport: ${shown(io.cwd, reportFile)}` : ''}\n`);
  }
  return 0;
}
