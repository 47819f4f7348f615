/**
 * The scan report: one self-contained HTML page (inline CSS, images as data: URIs, no scripts),
 * findings ranked by their margin over the threshold (which does not saturate, unlike the
 * normalised score) with heatmap thumbnails, the score histogram with the threshold, errors, model.
 */
import { plural } from '../plural';
import { GLOBAL_ANOMALY_NOTE, type AnomalyExtent } from '../../shared/regions';
import { MARGIN_EXPLAINED, formatMargin, scoreMargin } from '../../shared/scoreMargin';
import { histogramSvg } from './histogram';

const verdict = (f: Pick<ReportFinding, 'anomalous' | 'extent'>): string => (f.anomalous ? (f.extent === 'global' ? `anomalous (${GLOBAL_ANOMALY_NOTE})` : 'anomalous') : 'normal');

export interface ReportFinding {
  name: string;
  score: number;
  normalized: number;
  /** The threshold this image was judged against (raw units); the model's when absent. */
  threshold?: number;
  anomalous: boolean;
  /** 'global': flagged with no local region, said in words on the card and in the table. */
  extent?: AnomalyExtent;
  width: number;
  height: number;
  /** data: URI of a ≤ 256 px thumbnail with the heatmap overlaid (top findings only). */
  thumb?: string;
  /** Paths of the full-size outputs, relative to the report (shown as links). */
  overlayHref?: string;
  heatmapHref?: string;
  annotationHref?: string;
}

export interface ReportModel {
  id: string;
  backbone: string;
  method: string;
  trainingImages: number;
  repositorySize: number;
  threshold: number;
  thresholdMode: string;
  /** Calibration spread: the unit of the margin (see src/shared/scoreMargin.ts). */
  spread: number;
  createdAt: string;
}

export interface ReportInput {
  title: string;
  createdAt: string;
  source: string;
  model: ReportModel;
  /** Any order: the report ranks them by margin over the threshold, highest first. */
  findings: ReportFinding[];
  failures: { name: string; code: string; reason: string }[];
  seconds: number;
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toPrecision(4));

/** Colour of a margin: green well below the threshold (0), yellow near it, amber above, red far above. */
function badgeColor(m: number): string {
  if (m >= 0) return m >= 1 ? '#c0392b' : '#e67e22';
  return m >= -0.6 ? '#b7950b' : '#2e8b57';
}

type Ranked = ReportFinding & { margin: number };

/** Margin over each image's threshold; most anomalous first, ties by raw score then name. */
export function rankByMargin(findings: readonly ReportFinding[], model: Pick<ReportModel, 'threshold' | 'spread'>): Ranked[] {
  return findings
    .map((f) => ({ ...f, margin: scoreMargin(f.score, f.threshold ?? model.threshold, model.spread) }))
    .sort((a, b) => b.margin - a.margin || b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d232b;background:#f4f5f7}
header{background:#1d2733;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#b8c2cc}
main{padding:20px 32px;max-width:1400px;margin:0 auto}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px 20px;margin-bottom:20px}
h2{font-size:17px;margin:0 0 12px}
.stats{display:flex;gap:12px;flex-wrap:wrap}.stat{flex:1 1 140px;background:#f4f5f7;border-radius:6px;padding:10px 14px}
.stat b{display:block;font-size:24px}.stat span{color:#5b6670;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.stat.alert b{color:#c0392b}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px}
.card{border:1px solid #e1e4e8;border-radius:8px;overflow:hidden;background:#fff}
.card.flag{border-color:#e6a09a;box-shadow:0 0 0 1px #f2c9c5}
.card .img{position:relative;background:#222;aspect-ratio:1/1;display:flex;align-items:center;justify-content:center}
.card img{max-width:100%;max-height:100%;display:block;image-rendering:auto}
.rank{position:absolute;top:6px;left:6px;background:rgba(0,0,0,.65);color:#fff;border-radius:4px;padding:1px 7px;font-weight:600;font-size:12px}
.badge{display:inline-block;color:#fff;border-radius:10px;padding:1px 9px;font-weight:600;font-size:12px}
.card .meta{padding:8px 10px}.name{font-weight:600;word-break:break-all;font-size:13px}
.sub{color:#5b6670;font-size:12px}.sub a{color:#2867b2}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceef1}
th{color:#5b6670;font-weight:600;font-size:12px;text-transform:uppercase}th.num{text-align:right}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.flag td:first-child{border-left:3px solid #c0392b}
.err td:nth-child(2){font-family:ui-monospace,monospace;font-size:12px;color:#c0392b}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dt{color:#5b6670}dd{margin:0;word-break:break-all}
.note{color:#5b6670;font-size:12px;margin-top:8px}
`;

function card(f: Ranked, rank: number): string {
  const img = f.thumb
    ? `<img src="${f.thumb}" alt="${escapeHtml(f.name)} with heatmap">`
    : '<span class="sub" style="color:#aaa">no preview</span>';
  const links = [
    f.overlayHref ? `<a href="${escapeHtml(f.overlayHref)}">overlay</a>` : '',
    f.heatmapHref ? `<a href="${escapeHtml(f.heatmapHref)}">heatmap</a>` : '',
    f.annotationHref ? `<a href="${escapeHtml(f.annotationHref)}">annotation</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return `<div class="card${f.anomalous ? ' flag' : ''}"><div class="img">${img}<span class="rank">#${rank}</span></div><div class="meta">
<div class="name">${escapeHtml(f.name)}</div>
<div><span class="badge margin" style="background:${badgeColor(f.margin)}" title="${MARGIN_EXPLAINED}">${formatMargin(f.margin)}</span> <span class="sub">${verdict(f)} · score ${fmt(f.score)}</span></div>
<div class="sub">${f.width}×${f.height}${links ? ` · ${links}` : ''}</div></div></div>`;
}

export function renderReportHtml(r: ReportInput): string {
  const ranked = rankByMargin(r.findings, r.model);
  const flagged = ranked.filter((f) => f.anomalous).length;
  const withThumb = ranked.filter((f) => f.thumb);
  const rankOf = new Map(ranked.map((f, i) => [f, i + 1]));
  const stats = [
    ['images scored', String(r.findings.length), ''],
    ['flagged anomalous', String(flagged), flagged ? 'alert' : ''],
    ['could not be read', String(r.failures.length), r.failures.length ? 'alert' : ''],
    ['threshold (raw score)', fmt(r.model.threshold), ''],
    ['scan time', `${r.seconds.toFixed(1)} s`, ''],
  ]
    .map(([k, v, c]) => `<div class="stat ${c}"><b>${v}</b><span>${k}</span></div>`)
    .join('');
  const grid = withThumb.length
    ? `<div class="grid">${withThumb.map((f) => card(f, rankOf.get(f) ?? 0)).join('\n')}</div>${
        withThumb.length < r.findings.length ? `<p class="note">Previews for the top ${withThumb.length} images; all ${r.findings.length} are in the table below.</p>` : ''
      }`
    : '<p class="sub">No images were scored.</p>';
  const rows = ranked
    .map(
      (f, i) =>
        `<tr class="${f.anomalous ? 'flag' : ''}"><td class="num">${i + 1}</td><td>${escapeHtml(f.name)}</td><td class="num">${fmt(f.score)}</td><td class="num margin">${formatMargin(f.margin)}</td><td>${verdict(f)}</td></tr>`,
    )
    .join('\n');
  const failures = r.failures.length
    ? `<section><h2>Could not be scored (${r.failures.length})</h2><table class="err"><tr><th>file</th><th>code</th><th>reason</th></tr>${r.failures
        .map((e) => `<tr><td>${escapeHtml(e.name)}</td><td>${escapeHtml(e.code)}</td><td>${escapeHtml(e.reason)}</td></tr>`)
        .join('\n')}</table></section>`
    : '';
  const m = r.model;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(r.title)}</title><style>${CSS}</style></head>
<body><header><h1>${escapeHtml(r.title)}</h1><p>${escapeHtml(r.source)} · ${escapeHtml(r.createdAt)}</p></header>
<main>
<section><div class="stats">${stats}</div></section>
<section><h2>Findings, most anomalous first</h2>${grid}<p class="note">The badge is the ${MARGIN_EXPLAINED}; it keeps images far above the threshold apart.</p></section>
<section><h2>Score distribution</h2>${histogramSvg(
    r.findings.map((f) => f.score),
    m.threshold,
  )}<p class="note">Red bars are at or above the threshold (${escapeHtml(m.thresholdMode)}).</p></section>
${failures}
<section><h2>All images</h2><table><tr><th class="num">#</th><th>image</th><th class="num">score</th><th class="num" title="${MARGIN_EXPLAINED}">margin</th><th>verdict</th></tr>${rows}</table></section>
<section><h2>Model</h2><dl>
<dt>model id</dt><dd>${escapeHtml(m.id)}</dd><dt>backbone</dt><dd>${escapeHtml(m.backbone)}</dd><dt>method</dt><dd>${escapeHtml(m.method)}</dd>
<dt>trained on</dt><dd>${plural(m.trainingImages, 'image')} (repository ${m.repositorySize} patches)</dd>
<dt>threshold</dt><dd>${fmt(m.threshold)} (${escapeHtml(m.thresholdMode)})</dd><dt>trained at</dt><dd>${escapeHtml(m.createdAt)}</dd>
</dl></section>
</main></body></html>
`;
}
