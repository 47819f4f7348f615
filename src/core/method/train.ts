import * as ort from 'onnxruntime-node';
import { AnomalyLensError, throwIfCancelled } from '../../shared/errors';
import type { MethodOptions } from '../../shared/model';
import type { RunContext } from '../api';
import { createSession, RuntimeOptions, Session } from '../onnx/runtime';
import { buildProbeGraph, buildTrainStepGraph, cloneMlp, MlpParams } from './head';
import { Rng } from '../rng';

export type HeadTrainOptions = Pick<MethodOptions, 'nu' | 'margin' | 'lambda' | 'noise' | 'learningRate' | 'maxEpochs' | 'patience' | 'batchSize' | 'seed'>;

export interface EpochRecord {
  epoch: number;
  lossPos: number;
  lossNeg: number;
  heldOut: number;
}

export interface HeadTrainResult {
  params: MlpParams;
  epochs: number;
  bestEpoch: number;
  history: EpochRecord[];
  /** Mean squared distance of the repository to c before training: the unit of ν and m. */
  initialScale: number;
  /** Collapse check: mean ‖φ(r)−c‖² of normal points vs of noise-perturbed points, after training. */
  collapse: { normal: number; perturbed: number };
}

export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function paramFeeds(p: MlpParams, prefix = ''): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (let l = 0; l + 1 < p.sizes.length; l++) {
    feeds[`${prefix}W${l}`] = new ort.Tensor('float32', p.weights[l], [p.sizes[l], p.sizes[l + 1]]);
    feeds[`${prefix}b${l}`] = new ort.Tensor('float32', p.biases[l], [p.sizes[l + 1]]);
  }
  return feeds;
}

/** Runs the probe graph (forward pass with weights as inputs) over rows in blocks. */
export class Probe {
  private constructor(private readonly session: Session, readonly sizes: number[]) {}

  static async open(sizes: number[], runtime: RuntimeOptions): Promise<Probe> {
    return new Probe(await createSession(buildProbeGraph(sizes), runtime), sizes);
  }

  async run(params: MlpParams, rows: Float32Array, n: number, blockRows = 8192): Promise<{ z: Float32Array; hnorm: Float32Array }> {
    const D = this.sizes[0];
    const d = this.sizes[this.sizes.length - 1];
    const z = new Float32Array(n * d);
    const hnorm = new Float32Array(n);
    const feeds = paramFeeds(params);
    for (let s = 0; s < n; s += blockRows) {
      const m = Math.min(blockRows, n - s);
      const res = await this.session.run({ ...feeds, x: new ort.Tensor('float32', rows.subarray(s * D, (s + m) * D), [m, D]) });
      z.set(res.z.data as Float32Array, s * d);
      hnorm.set(res.hnorm.data as Float32Array, s);
    }
    return { z, hnorm };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export function meanRows(z: Float32Array, n: number, d: number): Float32Array {
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) c[j] += z[i * d + j];
  return Float32Array.from(c, (v) => v / Math.max(1, n));
}

export function sqDistances(z: Float32Array, n: number, d: number, c: Float32Array): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = z[i * d + j] - c[j];
      s += t * t;
    }
    out[i] = s;
  }
  return out;
}

/** Per-dimension standard deviation of rows [n, D]. */
export function columnStd(rows: Float32Array, n: number, D: number): Float32Array {
  const mean = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) {
      const v = rows[o + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  return Float32Array.from(mean, (m, j) => Math.sqrt(Math.max(0, sq[j] / n - (m / n) ** 2)));
}

function meanHinge(dist: Float32Array, offset: number, sign: 1 | -1): number {
  let s = 0;
  for (const v of dist) s += Math.max(0, sign * (v - offset));
  return s / Math.max(1, dist.length);
}

/**
 * Trains φ on the repository with the centre fixed (METHOD §3). Label-free early stopping:
 * stop when the held-out positive loss has not improved for `patience` epochs; keep the best weights.
 */
export async function trainHead(
  repo: Float32Array,
  nRepo: number,
  heldOut: Float32Array,
  nHeld: number,
  init: MlpParams,
  center: Float32Array,
  opts: HeadTrainOptions,
  runtime: RuntimeOptions,
  ctx: RunContext = {},
): Promise<HeadTrainResult> {
  if (nRepo === 0) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'the feature repository is empty');
  const sizes = init.sizes;
  const D = sizes[0];
  const d = sizes[sizes.length - 1];
  const withNegatives = opts.lambda > 0;
  const step = await createSession(
    buildTrainStepGraph({ sizes, withNegatives, noiseSeed: opts.seed + 17, exposeGradients: false, ...ADAM }),
    runtime,
  );
  const probe = await Probe.open(sizes, runtime);
  try {
    const initialZ = (await probe.run(init, repo, nRepo)).z;
    const initialScale = Math.max(1e-12, meanHinge(sqDistances(initialZ, nRepo, d, center), 0, 1));
    const nu = opts.nu * initialScale;
    const margin = opts.margin * initialScale;
    const sigma = columnStd(repo, nRepo, D).map((s) => s * opts.noise);

    let params = cloneMlp(init);
    const moments = { m: zerosLike(params), v: zerosLike(params) };
    const rng = new Rng(opts.seed + 101);
    const batchSize = Math.min(opts.batchSize, nRepo);
    const batch = new Float32Array(batchSize * D);
    const constFeeds: Record<string, ort.Tensor> = {
      c: new ort.Tensor('float32', center, [d]),
      nu: new ort.Tensor('float32', Float32Array.from([nu]), [1]),
    };
    if (withNegatives) {
      constFeeds.sigma = new ort.Tensor('float32', sigma, [D]);
      constFeeds.margin = new ort.Tensor('float32', Float32Array.from([margin]), [1]);
      constFeeds.lambda = new ort.Tensor('float32', Float32Array.from([opts.lambda]), [1]);
    }
    const evalRows = nHeld > 0 ? heldOut : repo;
    const evalN = nHeld > 0 ? nHeld : nRepo;
    const heldLoss = async (p: MlpParams) => meanHinge(sqDistances((await probe.run(p, evalRows, evalN)).z, evalN, d, center), nu, 1);

    let best = { loss: await heldLoss(params), params: cloneMlp(params), epoch: 0 };
    const history: EpochRecord[] = [];
    let t = 0;
    let epoch = 0;
    for (epoch = 1; epoch <= opts.maxEpochs; epoch++) {
      throwIfCancelled(ctx.signal);
      const order = rng.permutation(nRepo);
      let lossPos = 0;
      let lossNeg = 0;
      let steps = 0;
      for (let s = 0; s + batchSize <= nRepo; s += batchSize) {
        for (let i = 0; i < batchSize; i++) batch.set(repo.subarray(order[s + i] * D, (order[s + i] + 1) * D), i * D);
        t++;
        const lr = (opts.learningRate * Math.sqrt(1 - ADAM.beta2 ** t)) / (1 - ADAM.beta1 ** t);
        const res = await step.run({
          ...constFeeds,
          ...paramFeeds(params),
          ...paramFeeds(moments.m, 'm'),
          ...paramFeeds(moments.v, 'v'),
          x: new ort.Tensor('float32', batch, [batchSize, D]),
          lr: new ort.Tensor('float32', Float32Array.from([lr]), [1]),
        });
        params = readParams(res, sizes, 'new_');
        moments.m = readParams(res, sizes, 'new_m');
        moments.v = readParams(res, sizes, 'new_v');
        lossPos += (res.loss_pos.data as Float32Array)[0];
        lossNeg += (res.loss_neg.data as Float32Array)[0];
        steps++;
      }
      const held = await heldLoss(params);
      history.push({ epoch, lossPos: lossPos / steps / initialScale, lossNeg: lossNeg / steps / initialScale, heldOut: held / initialScale });
      ctx.onProgress?.({ stage: 'training', done: epoch, total: opts.maxEpochs, loss: lossPos / steps / initialScale, message: `epoch ${epoch}` });
      if (held < best.loss) best = { loss: held, params: cloneMlp(params), epoch };
      else if (epoch - best.epoch >= opts.patience) break;
    }

    const finalZ = (await probe.run(best.params, repo, nRepo)).z;
    const noisy = new Float32Array(repo.length);
    const nrng = new Rng(opts.seed + 202);
    for (let i = 0; i < nRepo; i++) for (let j = 0; j < D; j++) noisy[i * D + j] = repo[i * D + j] + nrng.normal() * sigma[j];
    const noisyZ = (await probe.run(best.params, noisy, nRepo)).z;
    const collapse = {
      normal: meanHinge(sqDistances(finalZ, nRepo, d, center), 0, 1) / initialScale,
      perturbed: meanHinge(sqDistances(noisyZ, nRepo, d, center), 0, 1) / initialScale,
    };
    return { params: best.params, epochs: Math.min(epoch, opts.maxEpochs), bestEpoch: best.epoch, history, initialScale, collapse };
  } finally {
    await step.release();
    await probe.release();
  }
}

function zerosLike(p: MlpParams): MlpParams {
  return { sizes: p.sizes, weights: p.weights.map((w) => new Float32Array(w.length)), biases: p.biases.map((b) => new Float32Array(b.length)) };
}

function readParams(res: Record<string, ort.Tensor>, sizes: number[], prefix: string): MlpParams {
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    weights.push(res[`${prefix}W${l}`].data as Float32Array);
    biases.push(res[`${prefix}b${l}`].data as Float32Array);
  }
  return { sizes, weights, biases };
}
