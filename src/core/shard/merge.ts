/**
 * Combining the journals of sharded scans: checks they belong together (one model, one shard
 * count, every shard once, each complete) and yields one set of results, sorted and ranked like
 * a single scan's. File copying is left to the caller; this module only decides.
 */
import * as path from 'node:path';
import { AnomalyLensError, type ErrorInfo } from '../../shared/errors';
import type { JournalContents } from './journal';

export interface ShardInput<Row> {
  /** Where the shard's output folder is now (it may have moved since the scan). */
  dir: string;
  journal: JournalContents<Row>;
  /** `scanned` from the shard's scores.json, when the shard finished. */
  scanned?: number;
  seconds?: number;
}

export interface MergeRowBase {
  name: string;
  score: number;
  rank: number;
  heatmap?: string;
  overlay?: string;
  annotation: string;
}

export interface MergedFile {
  /** Candidate sources, best first (rebased into the shard's current folder, then the original path). */
  from: string[];
  /** Path relative to the merged output folder (or to the merged annotation folder for annotations). */
  to: string;
  kind: 'heatmap' | 'overlay' | 'annotation';
}

export interface MergeResult<Row> {
  modelId: string;
  shardCount: number;
  rows: Row[];
  failures: { name: string; error: ErrorInfo }[];
  files: MergedFile[];
  seconds: number;
  missingShards: number[];
  incompleteShards: string[];
}

/** Relative location of `file` below `root`, or undefined when it is not below it. */
function below(root: string, file: string): string | undefined {
  const r = path.relative(root, file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r.split(path.sep).join('/') : undefined;
}

export function mergeShards<Row extends MergeRowBase>(shards: ShardInput<Row>[], opts: { allowPartial: boolean }): MergeResult<Row> {
  if (shards.length === 0) throw new AnomalyLensError('BAD_ARGUMENT', 'merge needs at least one scan output folder');
  const first = shards[0].journal.header;
  const counts = new Set<number>();
  const seen = new Map<number, string>();
  for (const s of shards) {
    const h = s.journal.header;
    if (h.modelId !== first.modelId) {
      throw new AnomalyLensError('BAD_ARGUMENT', `shards come from different models (${first.modelId} in ${shards[0].dir}, ${h.modelId} here)`, { file: s.dir });
    }
    const m = /^(\d+)\/(\d+)$/.exec(h.shard);
    if (!m) throw new AnomalyLensError('BAD_ARGUMENT', 'this scan was not sharded (no --shard)', { file: s.dir, hint: 'merge combines outputs of `scan --shard i/n`' });
    const [i, n] = [Number(m[1]), Number(m[2])];
    counts.add(n);
    if (seen.has(i)) throw new AnomalyLensError('BAD_ARGUMENT', `shard ${h.shard} is given twice (${seen.get(i)} and ${s.dir})`, { file: s.dir });
    seen.set(i, s.dir);
  }
  if (counts.size > 1) throw new AnomalyLensError('BAD_ARGUMENT', `shards of different splits (${[...counts].map((n) => `/${n}`).join(', ')}) cannot be merged`);
  const n = [...counts][0];
  const missingShards = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  const incompleteShards = shards.filter((s) => s.scanned === undefined || s.scanned > new Set(s.journal.entries.map((e) => e.name)).size).map((s) => s.journal.header.shard);
  if (!opts.allowPartial && (missingShards.length > 0 || incompleteShards.length > 0)) {
    const what = [
      missingShards.length ? `missing shard(s) ${missingShards.map((i) => `${i}/${n}`).join(', ')}` : '',
      incompleteShards.length ? `unfinished shard(s) ${incompleteShards.join(', ')} (no scores.json or fewer results than images)` : '',
    ].filter(Boolean);
    throw new AnomalyLensError('BAD_ARGUMENT', `cannot merge: ${what.join('; ')}`, { hint: 'rerun those shards (they resume), or pass --allow-partial' });
  }

  const byName = new Map<string, { row?: Row; failure?: { name: string; error: ErrorInfo } }>();
  const files: MergedFile[] = [];
  let seconds = 0;
  for (const s of shards) {
    seconds += s.seconds ?? 0;
    const h = s.journal.header;
    for (const e of s.journal.entries) {
      if (byName.has(e.name)) {
        // Same image in two shards: only possible if the inputs differed between shard runs.
        throw new AnomalyLensError('BAD_ARGUMENT', `image ${e.name} appears in two shards`, { file: s.dir, hint: 'run every shard over the same inputs' });
      }
      if (e.type === 'failed') {
        byName.set(e.name, { failure: { name: e.name, error: e.error } });
        continue;
      }
      const row = { ...e.row };
      const rebase = (file: string | undefined, root: string, kind: MergedFile['kind']): string | undefined => {
        if (!file) return undefined;
        const rel = below(root, file);
        if (!rel) throw new AnomalyLensError('DATASET_INVALID', `${kind} ${file} is outside the shard's folder ${root}`, { file: s.dir });
        const relToOut = below(h.outDir, file);
        files.push({ from: [...(relToOut ? [path.join(s.dir, relToOut)] : []), file], to: rel, kind });
        return rel;
      };
      row.heatmap = rebase(row.heatmap, h.outDir, 'heatmap');
      row.overlay = rebase(row.overlay, h.outDir, 'overlay');
      row.annotation = rebase(row.annotation, h.annotationDir, 'annotation') as string;
      byName.set(e.name, { row });
    }
  }
  const rows = [...byName.values()].flatMap((v) => (v.row ? [v.row] : []));
  rows.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1));
  rows.forEach((r, i) => (r.rank = i + 1));
  const failures = [...byName.values()].flatMap((v) => (v.failure ? [v.failure] : [])).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { modelId: first.modelId, shardCount: n, rows, failures, files, seconds, missingShards, incompleteShards };
}
