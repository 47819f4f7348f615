// Slower engine checks (the contaminated fit, every scoring variant): npm run test:integration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitContaminated, trainDetector } from '../../src/core/engine';
import { bad, fast, good, runtime, sample, train } from '../integration/engineFixtures';

test('a contaminated fit ranks the folder’s own anomalies at the top', async () => {
  const extra = Array.from({ length: 8 }, (_, i) => sample(`more/${i}.png`, 300 + i));
  const planted = bad.filter((b) => b.src.name.includes('crack'));
  const folder = [...train, ...extra, ...planted].map((s) => s.src);
  const { detector, ranking } = await fitContaminated(folder, { method: fast, ...runtime, contamination: 0.2 });
  try {
    const top = ranking.slice(0, 3).map((r) => r.name);
    for (const p of planted) assert.ok(top.includes(p.src.name), `${p.src.name} not in the top 3: ${ranking.map((r) => r.name).join(', ')}`);
    assert.equal(ranking.length, folder.length);
  } finally {
    await detector.release();
  }
});

test('every scoring variant trains and scores: distance to centre, k = 3, image-level term, whole-map term, learned space only', async () => {
  for (const method of [{ scoreMode: 'center' as const }, { k: 3 }, { globalWeight: 1 }, { mapMeanWeight: 2, globalWeight: 0 }, { rawWeight: 0 }, { lambda: 0 }]) {
    const det = await trainDetector(train.slice(0, 3).map((s) => s.src), { method: { ...fast, ...method }, ...runtime });
    try {
      const good0 = await det.scoreSource(good[0].src);
      const bad0 = await det.scoreSource(bad[4].src);
      assert.ok(Number.isFinite(good0.score) && Number.isFinite(bad0.score), JSON.stringify(method));
      // Distance to the centre is the weak ablation: it only has to run.
      if (!('scoreMode' in method)) assert.ok(bad0.score > good0.score, `${JSON.stringify(method)}: crack ${bad0.score} ≤ normal ${good0.score}`);
    } finally {
      await det.release();
    }
  }
});
