/** One scored image of a scan as it is written out: the row type, output names, scores.csv, write failures. */
import * as path from 'node:path';
import { AnomalyLensError } from '../../shared/errors';
import type { AnomalyExtent } from '../../shared/regions';

export interface ScanRow {
  rank: number;
  name: string;
  score: number;
  normalized: number;
  threshold: number;
  anomalous: boolean;
  width: number;
  height: number;
  /** For a flagged image: 'global' when no region marks it ("global anomaly, no local region"). */
  extent?: AnomalyExtent;
  heatmap?: string;
  overlay?: string;
  annotation: string;
}

/** Output names keep the input's relative path but can never climb out of the output folder. */
export const safeRel = (name: string): string =>
  name
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s && s !== '.')
    .map((s) => (s === '..' ? '__' : s))
    .join('/');

/** A path as the user would type it: relative below the cwd, absolute elsewhere. */
export const shown = (cwd: string, p: string): string => {
  const r = path.relative(cwd, p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
};

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** scores.csv, rows already ranked (shared with \`merge\`). */
export function scoresCsv(rows: ScanRow[]): string {
  return ['rank,name,score,normalized,threshold,anomalous,width,height,heatmap,overlay,annotation']
    .concat(
      rows.map((r) =>
        [r.rank, csvCell(r.name), r.score, r.normalized, r.threshold, r.anomalous, r.width, r.height, csvCell(r.heatmap ?? ''), csvCell(r.overlay ?? ''), csvCell(r.annotation)].join(','),
      ),
    )
    .join('\n');
}

/** A write that failed after the image was scored: the result is lost, which the exit code reports. */
export function writeFailed(e: unknown, file: string, name: string): AnomalyLensError {
  if (e instanceof AnomalyLensError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'disk quota exceeded' : code === 'EROFS' ? 'the file system is read-only' : `${code ?? (e instanceof Error ? e.message : String(e))}`;
  return new AnomalyLensError('WRITE_FAILED', `scored, but its output ${path.basename(file)} could not be written (${why})`, {
    file: name,
    hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space and scan again (add --resume to keep finished images)' : 'check the output folder is writable',
    cause: e,
  });
}
