/**
 * The README's short results table, written by the benchmark between two markers so the page a
 * user reads first always shows the numbers of the last run (docs/benchmarks.md has the rest).
 */
import type { Shot } from './plan';
import type { BenchResults } from './runner';
import { suiteMean, type SummaryMetric } from './summary';

export const README_RESULTS_START = '<!-- bench-results:start -->';
export const README_RESULTS_END = '<!-- bench-results:end -->';

const PATCHCORE = ['pc1', 'pc10'];
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '–');
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');

/** Suite means of the default method and of the better PatchCore per metric, one row per shot. */
export function readmeResultsTable(r: BenchResults): string[] {
  const main = r.runs.filter((x) => x.group === 'main' && x.backbone === r.plan.defaultBackbone);
  const sets = r.datasets.map((d) => d.id).filter((id) => main.some((x) => x.dataset === id));
  if (!sets.length) return [];
  const ours = (shot: Shot, m: SummaryMetric) => suiteMean(main, sets, 'ours', shot, m).value;
  const best = (shot: Shot, m: SummaryMetric) => Math.max(...PATCHCORE.map((v) => suiteMean(main, sets, v, shot, m).value).filter(Number.isFinite));
  const cell = (shot: Shot, m: SummaryMetric, fmt: (v: number) => string) => `${fmt(ours(shot, m))} / ${fmt(best(shot, m))}`;
  const L = [
    `Mean over ${sets.length} data sets (industrial, medical and generated; ${r.startedAt.slice(0, 10)}), Anomaly Lens / the better PatchCore baseline:`,
    '',
    '| normal training images | image AUROC | pixel AUROC | PRO | heat on the defect (flagged anomalies) |',
    '|---|---|---|---|---|',
  ];
  for (const shot of r.plan.shots) {
    if (!Number.isFinite(ours(shot, 'imageAuroc'))) continue;
    L.push(`| ${shot === 'all' ? 'all (up to 40)' : shot} | ${cell(shot, 'imageAuroc', f3)} | ${cell(shot, 'pixelAuroc', f3)} | ${cell(shot, 'pro', f3)} | ${cell(shot, 'heatHitFlagged', pct)} |`);
  }
  return L;
}

/** `readme` with the block between the markers replaced; unchanged when the markers are absent. */
export function withReadmeResults(readme: string, table: readonly string[]): string {
  const a = readme.indexOf(README_RESULTS_START);
  const b = readme.indexOf(README_RESULTS_END);
  if (a < 0 || b < a) return readme;
  return `${readme.slice(0, a + README_RESULTS_START.length)}\n${table.join('\n')}\n${readme.slice(b)}`;
}
