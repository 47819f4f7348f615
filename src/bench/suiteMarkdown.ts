/** The summary part of docs/benchmarks.md: suite means, wins, targets, localisation per set, defaults. */
import { ABLATIONS, type Shot } from './plan';
import type { BenchResults, RunResult } from './runner';
import { checkTargets, marginText, setMean, suiteMean, totalCount, wins, type SummaryMetric } from './summary';

const METHODS: { id: string; label: string }[] = [
  { id: 'ours', label: 'GP-MLP (default)' },
  { id: 'pc1', label: 'PatchCore ρ=1%' },
  { id: 'pc10', label: 'PatchCore ρ=10%' },
];

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '–');
const pct = (v: number): string => (Number.isFinite(v) ? (v * 100).toFixed(0) : '–');
const shotLabel = (s: Shot): string => (s === 'all' ? 'all' : String(s));

export function suiteMarkdown(r: BenchResults): string[] {
  const L: string[] = [];
  const main = r.runs.filter((x) => x.group === 'main' && x.backbone === r.plan.defaultBackbone);
  const sets = r.datasets.map((d) => d.id).filter((id) => main.some((x) => x.dataset === id));
  if (!sets.length) return L;
  const masked = r.datasets.filter((d) => d.hasMasks && sets.includes(d.id)).length;
  const shots = r.plan.shots;
  L.push(
    '## Summary over all sets',
    '',
    `Mean over the ${sets.length} sets of each set's mean over seeds (pixel AUROC, PRO and heat hit rate over the ${masked} sets with masks), ` +
      'and the number of sets on which each method has the best image AUROC. "Heat hit" is the share of flagged anomalous images whose hottest region ' +
      '(the connected area around the map maximum above halfway between the map median and maximum) overlaps the ground-truth mask. ' +
      '"Flagged" is the share above the model\'s automatic threshold. Defaults are chosen on these means, never on one set.',
    '',
    '| shot | method | image AUROC | sets won | pixel AUROC | PRO | heat hit % (flagged) | flagged normal / anomalous % | normal maps hottest at the border % |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const shot of shots) {
    const w = wins(main, sets, METHODS.map((m) => m.id), shot);
    for (const m of METHODS) {
      const v = (metric: SummaryMetric) => suiteMean(main, sets, m.id, shot, metric).value;
      if (!Number.isFinite(v('imageAuroc'))) continue;
      L.push(
        `| ${shotLabel(shot)} | ${m.label} | ${f3(v('imageAuroc'))} | ${w[m.id]} of ${sets.length} | ${f3(v('pixelAuroc'))} | ${f3(v('pro'))} | ${pct(v('heatHitFlagged'))} | ${pct(v('flaggedNormal'))} / ${pct(v('flaggedAnomalous'))} | ${pct(v('normalHotAtBorder'))} |`,
      );
    }
  }
  L.push(
    '',
    `Flagged images with no pixel at the pixel threshold, reported as "global anomaly, no local region": GP-MLP ${totalCount(main, 'ours', 'globalFindings')}, ` +
      `PatchCore ρ=10% ${totalCount(main, 'pc10', 'globalFindings')} (over all runs). A normal map's hottest point falls in the outer 10 % band by chance about 36 % of the time (its share of the area).`,
    '',
  );
  L.push(
    '### Thresholds',
    '',
    "Share of normal / anomalous test images flagged (suite means, %) at the model's own threshold (the 0.99 quantile of its held-out normal scores) and at that " +
      "threshold pooled with the test folder's robust cut (median + 2.33 robust deviations), each weighted by the images behind it (the folder at half its size); " +
      'the last column is the normal flag rate the pooled threshold states in advance. The test folders here are about half anomalous, far more than a production folder.',
    '',
    '| shot | method | model threshold | pooled with the folder | stated normal flag rate % |',
    '|---|---|---|---|---|',
  );
  for (const shot of shots) {
    for (const m of METHODS) {
      const v = (metric: SummaryMetric) => suiteMean(main, sets, m.id, shot, metric).value;
      if (!Number.isFinite(v('imageAuroc'))) continue;
      L.push(`| ${shotLabel(shot)} | ${m.label} | ${pct(v('flaggedNormal'))} / ${pct(v('flaggedAnomalous'))} | ${pct(v('flaggedNormalFolder'))} / ${pct(v('flaggedAnomalousFolder'))} | ${pct(v('expectedNormalFlagRate'))} |`);
    }
  }
  L.push('');
  L.push('### Targets', '', 'Default method against the better PatchCore, suite means, same run and draws.', '', '| target | shot | measured | verdict |', '|---|---|---|---|');
  for (const t of checkTargets(main, sets, shots)) L.push(`| ${t.target} | ${t.shot} | ${t.measured} | ${marginText(t)} |`);
  L.push('');
  L.push(...localisationTables(r, main, sets));
  L.push(...defaultsSection(r, sets));
  return L;
}

function localisationTables(r: BenchResults, main: RunResult[], sets: string[]): string[] {
  const L: string[] = ['## Localisation and thresholds by set', '', 'Per set and shot, GP-MLP / PatchCore ρ=10 %: heat hit % of flagged anomalies, flagged normal and anomalous %, normal maps hottest at the border %; global findings of GP-MLP.', ''];
  L.push('| set | shot | image AUROC (ours / PC 1 % / PC 10 %) | pixel AUROC | PRO | heat hit % | flagged normal % | flagged anomalous % | border-hot normals % | global findings |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const d of sets) {
    for (const shot of r.plan.shots) {
      const v = (variant: string, metric: SummaryMetric) => setMean(main, d, variant, shot, metric);
      if (!Number.isFinite(v('ours', 'imageAuroc'))) continue;
      const two = (metric: SummaryMetric, fmt: (x: number) => string) => `${fmt(v('ours', metric))} / ${fmt(v('pc10', metric))}`;
      const global = main.filter((x) => x.dataset === d && x.shot === shot && x.variant === 'ours').reduce((s, x) => s + (x.globalFindings ?? 0), 0);
      L.push(
        `| ${d} | ${shotLabel(shot)} | ${f3(v('ours', 'imageAuroc'))} / ${f3(v('pc1', 'imageAuroc'))} / ${f3(v('pc10', 'imageAuroc'))} | ${two('pixelAuroc', f3)} | ${two('pro', f3)} | ${two('heatHitFlagged', pct)} | ${two('flaggedNormal', pct)} | ${two('flaggedAnomalous', pct)} | ${two('normalHotAtBorder', pct)} | ${global} |`,
      );
    }
  }
  L.push('');
  return L;
}

/** Each ablation the run measured, as suite means next to the default at the same shots and seeds. */
function defaultsSection(r: BenchResults, sets: string[]): string[] {
  const abl = r.runs.filter((x) => x.group === 'ablation' && x.backbone === r.plan.defaultBackbone);
  if (!abl.length) return [];
  const base = r.runs.filter((x) => x.group === 'main' && x.variant === 'ours' && r.plan.ablationSeeds.includes(x.seed));
  const L: string[] = [
    '## How the defaults were chosen',
    '',
    `Each row turns one default off or changes it (seeds ${r.plan.ablationSeeds.join(', ')}), against the default on the same draws; suite means over all sets. ` +
      'Rule: a variant replaces the default only when, averaged over the shots measured, it gains image AUROC and loses no more pixel AUROC, PRO or heat hit rate (in points) than it gains; the verdicts below apply it.',
    '',
    '| variant | shot | image AUROC (variant / default) | pixel AUROC | PRO | heat hit % | border-hot normals % |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const shot of r.plan.ablationShots) {
    for (const a of ABLATIONS) {
      const v = (metric: SummaryMetric) => suiteMean(abl, sets, a.id, shot, metric).value;
      if (!Number.isFinite(v('imageAuroc'))) continue;
      const d = (metric: SummaryMetric) => suiteMean(base, sets, 'ours', shot, metric).value;
      const two = (metric: SummaryMetric, fmt: (x: number) => string) => `${fmt(v(metric))} / ${fmt(d(metric))}`;
      L.push(`| ${a.label} | ${shotLabel(shot)} | ${two('imageAuroc', f3)} | ${two('pixelAuroc', f3)} | ${two('pro', f3)} | ${two('heatHitFlagged', pct)} | ${two('normalHotAtBorder', pct)} |`);
    }
  }
  L.push('');
  for (const a of ABLATIONS) {
    const shots = r.plan.ablationShots.filter((shot) => Number.isFinite(suiteMean(abl, sets, a.id, shot, 'imageAuroc').value));
    if (!shots.length) continue;
    const delta = (metric: SummaryMetric): number => {
      const ds = shots.map((shot) => suiteMean(abl, sets, a.id, shot, metric).value - suiteMean(base, sets, 'ours', shot, metric).value).filter((x) => Number.isFinite(x));
      return ds.length ? (100 * ds.reduce((x, y) => x + y, 0)) / ds.length : NaN;
    };
    const di = delta('imageAuroc');
    const losses = (['pixelAuroc', 'pro', 'heatHitFlagged'] as const).map(delta).filter((x) => Number.isFinite(x));
    const adopt = di > 0 && losses.every((x) => x >= -di);
    const sign = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}` : '–');
    L.push(
      `- ${a.label}: image AUROC ${sign(di)}, pixel AUROC ${sign(delta('pixelAuroc'))}, PRO ${sign(delta('pro'))}, heat hit ${sign(delta('heatHitFlagged'))} points ` +
        `(mean over shots ${shots.map(shotLabel).join(', ')}): ${adopt ? 'the variant would replace the default' : 'the default stays'}.`,
    );
  }
  L.push('');
  return L;
}
