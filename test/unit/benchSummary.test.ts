import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTargets, marginText, suiteMean, totalCount, wins } from '../../src/bench/summary';
import { README_RESULTS_END, README_RESULTS_START, readmeResultsTable, withReadmeResults } from '../../src/bench/readmeResults';
import type { BenchResults } from '../../src/bench/runner';
import { defectCentre, generateGeometryImage, type Placement } from '../../src/bench/geometrySets';
import type { RunResult } from '../../src/bench/runner';
import { rngFor } from '../../src/core/rng';

function run(dataset: string, variant: string, shot: RunResult['shot'], seed: number, imageAuroc: number, extra: Partial<RunResult> = {}): RunResult {
  return { dataset, backbone: 'b', variant, group: 'main', shot, trainImages: 4, seed, imageAuroc, trainSeconds: 0, scoreMsPerImage: 0, featureMsPerImage: 0, peakRssMb: 0, repositorySize: 1, ...extra };
}

test('the suite mean weighs every set the same, whatever its number of seeds', () => {
  const runs = [run('a', 'ours', 4, 0, 0.9), run('a', 'ours', 4, 1, 0.7), run('b', 'ours', 4, 0, 0.5)];
  const m = suiteMean(runs, ['a', 'b'], 'ours', 4, 'imageAuroc');
  assert.ok(Math.abs(m.value - 0.65) < 1e-12, 'mean of 0.8 (set a) and 0.5 (set b)');
  assert.equal(m.sets, 2);
  assert.equal(suiteMean(runs, ['a', 'b'], 'ours', 4, 'pixelAuroc').sets, 0, 'sets without the metric are left out');
});

test('wins count the sets where a method has the best mean image AUROC, ties for both', () => {
  const runs = [run('a', 'ours', 4, 0, 0.9), run('a', 'pc10', 4, 0, 0.8), run('b', 'ours', 4, 0, 0.6), run('b', 'pc10', 4, 0, 0.7), run('c', 'ours', 4, 0, 0.5), run('c', 'pc10', 4, 0, 0.5)];
  assert.deepEqual(wins(runs, ['a', 'b', 'c'], ['ours', 'pc10'], 4), { ours: 2, pc10: 2 });
});

test('targets say by how much they are met or missed', () => {
  const runs = [
    run('a', 'ours', 4, 0, 0.81, { heatHitFlagged: 0.7, flaggedNormal: 0.2, flaggedAnomalous: 0.9, globalFindings: 3, flaggedWithoutRegion: 0 }),
    run('a', 'pc1', 4, 0, 0.78),
    run('a', 'pc10', 4, 0, 0.8),
  ];
  const t = checkTargets(runs, ['a'], [4]);
  const image = t.find((x) => x.target.startsWith('image AUROC')) as (typeof t)[number];
  assert.ok(Math.abs(image.margin - -1) < 1e-9, 'a 1-point lead misses the 2-point target by 1');
  assert.equal(marginText(image), 'missed by 1.00 points');
  const hit = t.find((x) => x.target.startsWith('heat hit')) as (typeof t)[number];
  assert.ok(Math.abs(hit.margin - -10) < 1e-9);
  const normals = t.find((x) => x.target.startsWith('flagged normal')) as (typeof t)[number];
  assert.ok(Math.abs(normals.margin - -5) < 1e-9);
  const silent = t.find((x) => x.target.includes('without a region')) as (typeof t)[number];
  assert.equal(marginText(silent), 'met');
  assert.equal(totalCount(runs, 'ours', 'globalFindings'), 3);
});

test('generated geometry images keep their size, and edge and corner defects touch the border', () => {
  const spec = { width: 120, height: 40, background: 'plain' as const };
  const good = generateGeometryImage(spec, 1);
  assert.equal(good.data.length, 120 * 40);
  assert.equal(good.mask, undefined);
  assert.deepEqual(generateGeometryImage(spec, 1).data, good.data, 'deterministic for a seed');
  for (const placement of ['edge', 'corner'] as Placement[]) {
    for (let seed = 0; seed < 5; seed++) {
      const img = generateGeometryImage(spec, 100 + seed, placement);
      const m = img.mask as Uint8Array;
      let border = 0;
      for (let x = 0; x < 120; x++) border += m[x] + m[39 * 120 + x];
      for (let y = 0; y < 40; y++) border += m[y * 120] + m[y * 120 + 119];
      assert.ok(border > 0, `${placement} defect ${seed} reaches the border`);
    }
  }
  const [cx, cy] = defectCentre(100, 100, 10, 'corner', rngFor(3, 't'));
  assert.ok((cx < 10 || cx > 89) && (cy < 10 || cy > 89), 'a corner defect sits within its radius of two borders');
});

test('the README results block shows the default against the better PatchCore per metric and replaces only what sits between its markers', () => {
  const runs = [
    run('a', 'ours', 4, 0, 0.9, { pixelAuroc: 0.8 }),
    run('a', 'pc1', 4, 0, 0.7, { pixelAuroc: 0.85 }),
    run('a', 'pc10', 4, 0, 0.75, { pixelAuroc: 0.6 }),
  ];
  const results = {
    plan: { shots: [4], defaultBackbone: 'b' },
    startedAt: '2026-01-02T03:04:05Z',
    datasets: [{ id: 'a' }],
    runs,
  } as unknown as BenchResults;
  const table = readmeResultsTable(results);
  const row = table.find((l) => l.startsWith('| 4 |'));
  assert.ok(row, table.join('\n'));
  assert.match(row, /\| 0\.900 \/ 0\.750 \| 0\.800 \/ 0\.850 \|/, 'image AUROC against PatchCore 10 %, pixel AUROC against PatchCore 1 %');
  const readme = `intro\n${README_RESULTS_START}\nold table\n${README_RESULTS_END}\noutro\n`;
  const next = withReadmeResults(readme, table);
  assert.ok(next.startsWith('intro\n') && next.endsWith(`${README_RESULTS_END}\noutro\n`));
  assert.ok(!next.includes('old table') && next.includes(row));
  assert.equal(withReadmeResults('no markers here', table), 'no markers here');
});
