/** The scan's self-contained HTML report (shared with \`merge\`). */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ErrorInfo } from '../../shared/errors';
import type { ModelManifest } from '../../shared/model';
import { renderReportHtml, type ReportFinding } from '../report/html';
import { pngThumbnailDataUri } from '../report/thumbnail';
import type { ScanRow } from './scanRows';

export async function buildReport(
  rows: ScanRow[],
  failures: { name: string; error: ErrorInfo }[],
  manifest: ModelManifest,
  o: { reportFile: string; reportTop: number; seconds: number; source: string },
): Promise<string> {
  const dir = path.dirname(o.reportFile);
  const href = (p?: string): string | undefined => (p ? path.relative(dir, p).split(path.sep).join('/') : undefined);
  const findings: ReportFinding[] = [];
  for (const r of rows) {
    let thumb: string | undefined;
    if (r.overlay && r.rank <= o.reportTop) thumb = pngThumbnailDataUri(await fs.readFile(r.overlay), 256);
    findings.push({
      name: r.name,
      score: r.score,
      normalized: r.normalized,
      threshold: r.threshold,
      anomalous: r.anomalous,
      extent: r.extent,
      width: r.width,
      height: r.height,
      thumb,
      overlayHref: href(r.overlay),
      heatmapHref: href(r.heatmap),
      annotationHref: href(r.annotation),
    });
  }
  return renderReportHtml({
    title: 'Anomaly Lens scan report',
    createdAt: new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    source: o.source,
    seconds: o.seconds,
    findings,
    failures: failures.map((f) => ({ name: f.name, code: f.error.code, reason: f.error.message + (f.error.hint ? ` (${f.error.hint})` : '') })),
    model: {
      id: manifest.id,
      backbone: manifest.backbone.id,
      method: `${manifest.options.method} (α ${manifest.options.alpha}, ρ ${manifest.options.rho}, ${manifest.options.scoreMode})`,
      trainingImages: manifest.trainingImages,
      repositorySize: manifest.repositorySize,
      threshold: manifest.calibration.threshold,
      thresholdMode: manifest.calibration.mode,
      spread: manifest.calibration.spread,
      createdAt: manifest.createdAt,
    },
  });
}
