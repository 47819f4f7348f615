/** Score histogram as inline SVG, threshold marked: shows at a glance how well flagged images separate. */

export interface HistogramOptions {
  width?: number;
  height?: number;
  bins?: number;
}

const esc = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '0');

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e4)) return v.toExponential(1);
  return v.toPrecision(3);
}

export function histogramSvg(scores: readonly number[], threshold: number, o: HistogramOptions = {}): string {
  const W = o.width ?? 640;
  const H = o.height ?? 200;
  const padL = 40;
  const padR = 12;
  const padT = 22;
  const padB = 34;
  const finite = scores.filter(Number.isFinite);
  let lo = Math.min(threshold, ...finite);
  let hi = Math.max(threshold, ...finite);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const span = hi - lo;
  lo -= span * 0.02;
  hi += span * 0.02;
  const bins = o.bins ?? Math.max(10, Math.min(40, Math.ceil(Math.sqrt(finite.length) * 2)));
  const counts = new Array<number>(bins).fill(0);
  for (const s of finite) counts[Math.min(bins - 1, Math.max(0, Math.floor(((s - lo) / (hi - lo)) * bins)))]++;
  const maxCount = Math.max(1, ...counts);
  const plotW = W - padL - padR;
  const plotH = H - padT - padB;
  const x = (v: number): number => padL + ((v - lo) / (hi - lo)) * plotW;
  const bw = plotW / bins;
  const bars = counts
    .map((c, i) => {
      if (c === 0) return '';
      const h = (c / maxCount) * plotH;
      const binMid = lo + ((i + 0.5) / bins) * (hi - lo);
      const cls = binMid >= threshold ? 'hi' : 'lo';
      return `<rect class="${cls}" x="${esc(padL + i * bw + 0.5)}" y="${esc(padT + plotH - h)}" width="${esc(Math.max(1, bw - 1))}" height="${esc(h)}"><title>${c} image${c === 1 ? '' : 's'} around ${fmt(binMid)}</title></rect>`;
    })
    .join('');
  const tx = x(threshold);
  const ticks = [lo + span * 0.02, (lo + hi) / 2, hi - span * 0.02]
    .map((v) => `<text x="${esc(x(v))}" y="${H - padB + 16}" text-anchor="middle">${fmt(v)}</text>`)
    .join('');
  const yTicks = `<text x="${padL - 6}" y="${padT + 4}" text-anchor="end">${maxCount}</text><text x="${padL - 6}" y="${padT + plotH}" text-anchor="end">0</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W * 1.6}px" role="img" aria-label="Histogram of image scores with the threshold at ${fmt(threshold)}">`,
    `<style>.lo{fill:#7a8aa0}.hi{fill:#d9534f}text{font:11px system-ui,sans-serif;fill:#555}.th{stroke:#222;stroke-width:1.5;stroke-dasharray:4 3}</style>`,
    `<line x1="${padL}" y1="${padT + plotH}" x2="${W - padR}" y2="${padT + plotH}" stroke="#999"/>`,
    bars,
    `<line class="th" x1="${esc(tx)}" y1="${padT - 6}" x2="${esc(tx)}" y2="${padT + plotH}"/>`,
    `<text x="${esc(Math.min(W - padR - 4, Math.max(padL + 4, tx)))}" y="${padT - 10}" text-anchor="middle" style="fill:#222;font-weight:600">threshold ${fmt(threshold)}</text>`,
    ticks,
    yTicks,
    `<text x="${padL + plotW / 2}" y="${H - 4}" text-anchor="middle">image score</text>`,
    '</svg>',
  ].join('');
}
