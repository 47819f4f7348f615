/** What a finished scan prints: the JSON summary, or the ranked list, folder threshold and failures. */
import * as path from 'node:path';
import { describeError, type ErrorInfo } from '../../shared/errors';
import type { FolderThreshold } from '../../core/method/folderThreshold';
import type { TileGeometry } from '../../shared/model';
import { describeGeometry } from '../../core/tiling/plan';
import type { CliIo } from '../io';
import { plural } from '../plural';
import { formatMargin, MARGIN_EXPLAINED, scoreMargin } from '../../shared/scoreMargin';
import { shown, type ScanRow } from './scanRows';

export interface ScanSummary {
  scanned: number;
  flagged: number;
  folderThreshold: FolderThreshold & { wouldFlag: number };
  seconds: number;
  results: ScanRow[];
  failures: { name: string; error: ErrorInfo }[];
}

export function printSummary(
  io: CliIo,
  summary: ScanSummary,
  o: { json: boolean; outDir: string; reportFile: string | undefined; tiling: TileGeometry | undefined; modelThreshold: number; spread: number },
): void {
  const { results: rows, failures, folderThreshold: folder } = summary;
  if (o.json) {
    io.out(`${JSON.stringify({ ...summary, out: o.outDir, report: o.reportFile }, null, 2)}\n`);
    return;
  }
  io.out(`scored ${rows.length} of ${plural(summary.scanned, 'image')} in ${summary.seconds.toFixed(1)} s; ${summary.flagged} flagged anomalous\n`);
  io.out(`model: ${describeGeometry(o.tiling)}\n`);
  if (rows.length) io.out(`ranked by ${MARGIN_EXPLAINED}:\n`);
  for (const r of rows.slice(0, 20)) {
    io.out(`${String(r.rank).padStart(4)}  ${formatMargin(scoreMargin(r.score, r.threshold, o.spread)).padStart(7)}  ${r.anomalous ? 'ANOMALOUS' : 'normal   '}  ${r.name}${r.overlay ? `  → ${shown(io.cwd, r.overlay)}` : ''}\n`);
  }
  if (rows.length > 20) io.out(`   … ${rows.length - 20} more in ${shown(io.cwd, path.join(o.outDir, 'scores.csv'))}\n`);
  if (folder.trainingWeight < 1) {
    io.out(
      `threshold from this folder: ${folder.threshold.toPrecision(4)} (${folder.basis}) would flag ${folder.wouldFlag} of ${rows.length}; ` +
        `expected share of normal images above it ${(folder.expectedNormalFlagRate * 100).toFixed(1)} % (model threshold ${o.modelThreshold.toPrecision(4)})\n`,
    );
  }
  if (failures.length) {
    io.out(`${failures.length} file(s) could not be scored:\n`);
    for (const f of failures) io.out(`   ${describeError(f.error)}\n`);
  }
  io.out(`outputs: ${o.outDir}${o.reportFile ? `\nreport: ${o.reportFile}` : ''}\n`);
}
