import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initMlp } from '../../src/core/method/head';
import { Rng } from '../../src/core/rng';
import { meanRows, Probe, sqDistances, trainHead } from '../../src/core/method/train';

const runtime = { device: 'cpu' as const, threads: 1 };
const sizes = [8, 16, 4];

function data(n: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n * sizes[0]));
}

async function centerOf(params: ReturnType<typeof initMlp>, rows: Float32Array, n: number): Promise<Float32Array> {
  const probe = await Probe.open(sizes, runtime);
  try {
    return meanRows((await probe.run(params, rows, n)).z, n, sizes[2]);
  } finally {
    await probe.release();
  }
}

const base = { nu: 0, margin: 1, lambda: 1, noise: 0.5, learningRate: 0.05, batchSize: 32, seed: 1 };

test('early stopping halts after `patience` epochs without held-out improvement and keeps the best weights', async () => {
  const repo = data(128, 1);
  const held = data(32, 2);
  const init = initMlp(sizes, 4);
  const center = await centerOf(init, repo, 128);
  const res = await trainHead(repo, 128, held, 32, init, center, { ...base, maxEpochs: 200, patience: 3 }, runtime);
  assert.ok(res.epochs < 200, `training ran all ${res.epochs} epochs`);
  assert.equal(res.epochs, res.bestEpoch + 3, 'stops exactly `patience` epochs after the best one');
  const best = Math.min(...res.history.map((h) => h.heldOut));
  assert.equal(res.history[res.bestEpoch - 1].heldOut, best);
  // The returned weights are the best epoch's: recompute their held-out loss.
  const probe = await Probe.open(sizes, runtime);
  try {
    const z = (await probe.run(res.params, held, 32)).z;
    const loss = sqDistances(z, 32, sizes[2], center).reduce((a, b) => a + b, 0) / 32 / res.initialScale;
    assert.ok(Math.abs(loss - best) < 1e-4 * Math.max(1, best), `returned weights give ${loss}, best epoch had ${best}`);
  } finally {
    await probe.release();
  }
});

test('training pulls normal points towards the centre and keeps perturbed points farther out (no collapse)', async () => {
  const repo = data(256, 5);
  const init = initMlp(sizes, 6);
  const center = await centerOf(init, repo, 256);
  const res = await trainHead(repo, 256, new Float32Array(0), 0, init, center, { ...base, learningRate: 0.01, maxEpochs: 30, patience: 30 }, runtime);
  assert.ok(res.history[res.history.length - 1].lossPos < res.history[0].lossPos, 'positive loss decreases');
  assert.ok(res.collapse.perturbed > res.collapse.normal * 1.2, `perturbed ${res.collapse.perturbed} vs normal ${res.collapse.normal}`);
});

test('training is reproducible for a seed', async () => {
  const repo = data(64, 7);
  const init = initMlp(sizes, 8);
  const center = await centerOf(init, repo, 64);
  const opts = { ...base, maxEpochs: 5, patience: 5 };
  const a = await trainHead(repo, 64, new Float32Array(0), 0, init, center, opts, runtime);
  const b = await trainHead(repo, 64, new Float32Array(0), 0, init, center, opts, runtime);
  assert.deepEqual(Array.from(a.params.weights[0]), Array.from(b.params.weights[0]));
  const c = await trainHead(repo, 64, new Float32Array(0), 0, init, center, { ...opts, seed: 2 }, runtime);
  assert.notDeepEqual(Array.from(a.params.weights[0]), Array.from(c.params.weights[0]));
});
