// A small self-contained ROC plot (SVG text) for reports.

export interface RocSvgCurve {
  label: string;
  points: readonly { fpr: number; tpr: number }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Keeps at most `max` points (always the first and last) so huge pixel curves stay small. */
function thin<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

export function rocSvg(curves: readonly RocSvgCurve[], title: string): string {
  const size = 300;
  const left = 50;
  const top = 36;
  const legendRow = 18;
  const height = top + size + 44 + curves.length * legendRow;
  const width = left + size + 20;
  const x = (f: number) => (left + f * size).toFixed(1);
  const y = (t: number) => (top + (1 - t) * size).toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    parts.push(`<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#eee"/>`);
    parts.push(`<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${x(v)}" y="${top + size + 14}" text-anchor="middle">${v.toFixed(1)}</text>`);
    parts.push(`<text x="${left - 6}" y="${Number(y(v)) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#333"/>`);
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>`);
  parts.push(`<text x="${left + size / 2}" y="${top + size + 30}" text-anchor="middle">false positive rate</text>`);
  parts.push(`<text transform="translate(14 ${top + size / 2}) rotate(-90)" text-anchor="middle">true positive rate</text>`);
  curves.forEach((c, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = thin(c.points, 1000).map((p) => `${x(p.fpr)},${y(p.tpr)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`);
    const ly = top + size + 48 + i * legendRow;
    parts.push(`<line x1="${left}" y1="${ly - 4}" x2="${left + 20}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/>`);
    parts.push(`<text x="${left + 26}" y="${ly}">${escapeXml(c.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
