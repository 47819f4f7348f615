import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildTrainStepGraph, initMlp, MlpParams } from '../../src/core/method/head';
import { createSession } from '../../src/core/onnx/runtime';
import { Rng } from '../../src/core/rng';

const sizes = [6, 5, 3];
const B = 8;

function feeds(p: MlpParams, x: Float32Array, c: Float32Array, lambda: number) {
  const f: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', x, [B, sizes[0]]),
    c: new ort.Tensor('float32', c, [sizes[2]]),
    nu: new ort.Tensor('float32', Float32Array.from([0.05]), [1]),
    lr: new ort.Tensor('float32', Float32Array.from([0]), [1]),
    // σ = 0 makes the negatives deterministic (x + 0·ε) so finite differences are exact.
    sigma: new ort.Tensor('float32', new Float32Array(sizes[0]), [sizes[0]]),
    margin: new ort.Tensor('float32', Float32Array.from([3]), [1]),
    lambda: new ort.Tensor('float32', Float32Array.from([lambda]), [1]),
  };
  for (let l = 0; l < 2; l++) {
    for (const [pre, src] of [['', p], ['m', null], ['v', null]] as const) {
      const w = src ? src.weights[l] : new Float32Array(p.weights[l].length);
      const b = src ? src.biases[l] : new Float32Array(p.biases[l].length);
      f[`${pre}W${l}`] = new ort.Tensor('float32', w, [sizes[l], sizes[l + 1]]);
      f[`${pre}b${l}`] = new ort.Tensor('float32', b, [sizes[l + 1]]);
    }
  }
  return f;
}

test('train-step gradients match finite differences of the loss (positive and negative terms)', async () => {
  const session = await createSession(
    buildTrainStepGraph({ sizes, withNegatives: true, noiseSeed: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, exposeGradients: true }),
    { device: 'cpu', threads: 1 },
  );
  const rng = new Rng(7);
  const x = rng.fillNormal(new Float32Array(B * sizes[0]));
  const c = rng.fillNormal(new Float32Array(sizes[2]), 0.3);
  const params = initMlp(sizes, 3);
  params.biases[0] = rng.fillNormal(new Float32Array(sizes[1]), 0.1);
  const lambda = 0.7;
  const loss = async (p: MlpParams) => {
    const r = await session.run(feeds(p, x, c, lambda));
    return (r.loss_pos.data as Float32Array)[0] + lambda * (r.loss_neg.data as Float32Array)[0];
  };
  const r = await session.run(feeds(params, x, c, lambda));
  assert.ok((r.loss_neg.data as Float32Array)[0] > 0, 'the negative term must be active for this check');
  let checked = 0;
  for (const [name, l, arr] of [
    ['W', 0, params.weights[0]],
    ['W', 1, params.weights[1]],
    ['b', 0, params.biases[0]],
    ['b', 1, params.biases[1]],
  ] as const) {
    const grad = r[`grad_${name}${l}`].data as Float32Array;
    for (const i of [0, 1, arr.length - 1]) {
      const h = 1e-2;
      const orig = arr[i];
      arr[i] = orig + h;
      const up = await loss(params);
      arr[i] = orig - h;
      const down = await loss(params);
      arr[i] = orig;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]) <= 2e-3 + 2e-2 * Math.abs(fd), `${name}${l}[${i}]: graph ${grad[i]} vs finite difference ${fd}`);
      checked++;
    }
  }
  assert.equal(checked, 12);
});
