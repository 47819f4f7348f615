/**
 * The benchmark's summary over data sets: per shot and method, the mean of each set's mean over
 * seeds (every set weighs the same), the number of sets each method wins, and the targets
 * checked against those means with the margin by which each is met or missed.
 */
import type { Shot } from './plan';
import type { RunResult } from './runner';

export type SummaryMetric =
  | 'imageAuroc'
  | 'pixelAuroc'
  | 'pro'
  | 'heatHitFlagged'
  | 'flaggedNormal'
  | 'flaggedAnomalous'
  | 'normalHotAtBorder'
  | 'flaggedNormalFolder'
  | 'flaggedAnomalousFolder'
  | 'expectedNormalFlagRate';

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** One set's mean over seeds of a metric for a variant and shot (NaN when no run has it). */
export function setMean(runs: readonly RunResult[], dataset: string, variant: string, shot: Shot, metric: SummaryMetric): number {
  const xs = runs
    .filter((r) => r.dataset === dataset && r.variant === variant && r.shot === shot)
    .map((r) => r[metric])
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  return mean(xs);
}

/** Mean over the sets that have the metric; `sets` says how many that was. */
export function suiteMean(runs: readonly RunResult[], datasets: readonly string[], variant: string, shot: Shot, metric: SummaryMetric): { value: number; sets: number } {
  const per = datasets.map((d) => setMean(runs, d, variant, shot, metric)).filter((v) => Number.isFinite(v));
  return { value: mean(per), sets: per.length };
}

/** Sets on which each variant has the highest mean image AUROC at a shot (ties count for each tied variant). */
export function wins(runs: readonly RunResult[], datasets: readonly string[], variants: readonly string[], shot: Shot): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(variants.map((v) => [v, 0]));
  for (const d of datasets) {
    const vals = variants.map((v) => setMean(runs, d, v, shot, 'imageAuroc'));
    const best = Math.max(...vals.filter((v) => Number.isFinite(v)));
    if (!Number.isFinite(best)) continue;
    vals.forEach((v, i) => {
      if (v === best) out[variants[i]]++;
    });
  }
  return out;
}

/** Sum of a count over every run of a variant (e.g. flagged images without a region). */
export function totalCount(runs: readonly RunResult[], variant: string, key: 'globalFindings' | 'flaggedWithoutRegion'): number {
  return runs.filter((r) => r.variant === variant).reduce((s, r) => s + (r[key] ?? 0), 0);
}

export interface TargetCheck {
  target: string;
  shot: string;
  measured: string;
  /** Positive = met with that much room, negative = missed by that much (in the target's unit). */
  margin: number;
  unit: string;
}

const isFew = (s: Shot): boolean => s !== 'all' && s <= 4;

/**
 * The targets on the suite means: ours ('ours') against the better PatchCore ('pc1', 'pc10')
 * at each shot. AUROC margins in points (×100), shares in percentage points.
 */
export function checkTargets(runs: readonly RunResult[], datasets: readonly string[], shots: readonly Shot[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const pts = (x: number): number => x * 100;
  const m = (variant: string, shot: Shot, metric: SummaryMetric) => suiteMean(runs, datasets, variant, shot, metric).value;
  const bestPc = (shot: Shot, metric: SummaryMetric) => Math.max(m('pc1', shot, metric), m('pc10', shot, metric));
  for (const shot of shots) {
    const label = String(shot);
    const need = isFew(shot) ? 2 : 0;
    const lead = pts(m('ours', shot, 'imageAuroc') - bestPc(shot, 'imageAuroc'));
    out.push({ target: `image AUROC ≥ PatchCore${need ? ' + 2 points' : ''}`, shot: label, measured: `${lead >= 0 ? '+' : ''}${lead.toFixed(2)} points`, margin: lead - need, unit: 'points' });
    for (const metric of ['pixelAuroc', 'pro'] as const) {
      const d = pts(m('ours', shot, metric) - bestPc(shot, metric));
      if (!Number.isFinite(d)) continue;
      out.push({ target: `${metric === 'pro' ? 'PRO' : 'pixel AUROC'} ≥ PatchCore`, shot: label, measured: `${d >= 0 ? '+' : ''}${d.toFixed(2)} points`, margin: d, unit: 'points' });
    }
    const hit = pts(m('ours', shot, 'heatHitFlagged'));
    if (Number.isFinite(hit)) out.push({ target: 'heat hit rate ≥ 80 % of flagged anomalies', shot: label, measured: `${hit.toFixed(1)} %`, margin: hit - 80, unit: '%' });
    if (shot === 4) {
      const fn = pts(m('ours', shot, 'flaggedNormal'));
      const fa = pts(m('ours', shot, 'flaggedAnomalous'));
      out.push({ target: 'flagged normal images ≤ 15 %', shot: label, measured: `${fn.toFixed(1)} %`, margin: 15 - fn, unit: '%' });
      out.push({ target: 'flagged anomalies ≥ 70 %', shot: label, measured: `${fa.toFixed(1)} %`, margin: fa - 70, unit: '%' });
      const pn = pts(m('ours', shot, 'flaggedNormalFolder'));
      const pa = pts(m('ours', shot, 'flaggedAnomalousFolder'));
      if (Number.isFinite(pn)) {
        out.push({ target: 'flagged normal images ≤ 15 % (threshold pooled with the folder)', shot: label, measured: `${pn.toFixed(1)} %`, margin: 15 - pn, unit: '%' });
        out.push({ target: 'flagged anomalies ≥ 70 % (threshold pooled with the folder)', shot: label, measured: `${pa.toFixed(1)} %`, margin: pa - 70, unit: '%' });
      }
    }
  }
  const silent = totalCount(runs, 'ours', 'flaggedWithoutRegion');
  out.push({ target: 'flagged images without a region or a global finding = 0', shot: 'all runs', measured: String(silent), margin: -silent, unit: 'images' });
  return out;
}

/** "met (+1.20 points)" / "missed by 3.40 %". */
export function marginText(t: TargetCheck): string {
  if (t.margin >= 0) return t.unit === 'images' ? 'met' : `met (${t.margin.toFixed(2)} ${t.unit} to spare)`;
  return `missed by ${Math.abs(t.margin).toFixed(2)} ${t.unit}`;
}
