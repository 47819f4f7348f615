import * as ort from 'onnxruntime-node';
import { attr, GraphBuilder } from '../onnx/builder';
import { DataType } from '../onnx/proto';
import { createSession, RuntimeOptions, Session } from '../onnx/runtime';
import { Rng } from '../rng';

/**
 * Gradient-preference selection (METHOD §2): greedily pick
 *   argmax_i g_i^α · min_{j∈S} ‖p_i − p_j‖
 * α = 0 is PatchCore's greedy k-center coreset. The greedy loop runs inside one ONNX Loop,
 * so each step (a mat-vec over all candidates and a running minimum) is native code.
 */
export function buildGreedyGraph(): Uint8Array {
  const g = new GraphBuilder('greedy');
  const P = g.input('points', ['N', 'p']);
  const w = g.input('weights', ['N']);
  const first = g.input('first', [], DataType.INT64);
  const iters = g.input('iters', [], DataType.INT64);

  const sqNorm = g.reduceSum(g.mul(P, P), [1], false);
  const distTo = (b: GraphBuilder, row: string) => {
    // ‖p_i − r‖² = ‖p_i‖² − 2 p_i·r + ‖r‖², clamped at 0 against rounding.
    const dot = b.matmul(P, row);
    const rr = b.reduceSum(b.mul(row, row), [0], true);
    const d = b.add(b.sub(sqNorm, b.mul(b.constFloat([2], [1]), dot)), rr);
    return b.op('Relu', [d]);
  };
  const d0 = distTo(g, g.op('Gather', [P, first], { axis: attr.int(0) }));

  const body = new GraphBuilder('greedy_body');
  body.input('i', [], DataType.INT64);
  const condIn = body.input('cond_in', [], DataType.BOOL);
  const minD = body.input('min_in', undefined);
  const idx = body.op('ArgMax', [body.mul(minD, w)], { axis: attr.int(0), keepdims: attr.int(0) });
  const row = body.op('Gather', [P, idx], { axis: attr.int(0) });
  const next = body.op('Min', [minD, distTo(body, row)]);
  body.output(body.op('Identity', [condIn]), 'cond_out', [], DataType.BOOL);
  body.output(next, 'min_out', undefined);
  body.output(idx, 'picked', [], DataType.INT64);

  const yes = g.initializer({ name: 'yes', dataType: DataType.BOOL, dims: [], raw: Uint8Array.from([1]) });
  const [, picked] = g.opN('Loop', [iters, yes, d0], 2, { body: attr.graph(body.graph()) }, ['final_min', 'picked_all']);
  g.output(picked, 'picked_all', ['K'], DataType.INT64);
  return g.toModel();
}

export interface SelectOptions {
  /** Points to keep. */
  budget: number;
  alpha: number;
  /** 'gradient' (α-weighted greedy, α = 0 → k-center) or 'random'. */
  selector: 'gradient' | 'random';
  /** Random projection size for distances (0 = use features as they are). */
  projection: number;
  seed: number;
  /** Above this many candidate-steps (N × budget), a first greedy pass thins each chunk. */
  maxWork: number;
}

let greedySession: Promise<Session> | undefined;
let greedyRuntime: RuntimeOptions | undefined;

function getGreedySession(runtime: RuntimeOptions): Promise<Session> {
  if (!greedySession || greedyRuntime !== runtime) {
    greedyRuntime = runtime;
    // The greedy loop is small and sequential: CPU is the right device for it.
    greedySession = createSession(buildGreedyGraph(), { ...runtime, device: 'cpu' });
  }
  return greedySession;
}

/** Seeded Gaussian projection [D, p], scaled so distances are preserved on average. */
export function projectionMatrix(D: number, p: number, seed: number): Float32Array {
  const rng = new Rng(seed ^ 0x5eed);
  return rng.fillNormal(new Float32Array(D * p), 1 / Math.sqrt(p));
}

/** Runs the greedy loop over `points` [N, p]; returns `budget` distinct indices in pick order. */
export async function greedySelect(
  points: Float32Array,
  N: number,
  p: number,
  weights: Float32Array,
  budget: number,
  runtime: RuntimeOptions,
): Promise<Uint32Array> {
  const k = Math.min(budget, N);
  let first = 0;
  for (let i = 1; i < N; i++) if (weights[i] > weights[first]) first = i;
  const out = new Uint32Array(k);
  out[0] = first;
  if (k === 1) return out;
  const s = await getGreedySession(runtime);
  const res = await s.run({
    points: new ort.Tensor('float32', points, [N, p]),
    weights: new ort.Tensor('float32', weights, [N]),
    first: new ort.Tensor('int64', BigInt64Array.from([BigInt(first)]), []),
    iters: new ort.Tensor('int64', BigInt64Array.from([BigInt(k - 1)]), []),
  });
  const picked = res.picked_all.data as BigInt64Array;
  for (let i = 0; i < k - 1; i++) out[i + 1] = Number(picked[i]);
  return out;
}

/**
 * Picks repository rows from `points` [N, p] (already projected). `gradNorms` are the g_i of
 * METHOD §2 (ignored for α = 0). Large sets are thinned chunk by chunk first, keeping the
 * same criterion, so the cost stays near-linear in N.
 */
export async function selectRepository(
  points: Float32Array,
  N: number,
  p: number,
  gradNorms: Float32Array | undefined,
  opts: SelectOptions,
  runtime: RuntimeOptions,
): Promise<Uint32Array> {
  const budget = Math.max(1, Math.min(N, Math.round(opts.budget)));
  if (budget >= N) return Uint32Array.from({ length: N }, (_, i) => i);
  if (opts.selector === 'random') {
    const perm = new Rng(opts.seed).permutation(N).subarray(0, budget);
    return Uint32Array.from(perm).sort();
  }
  // Distances enter squared, so weight by g^(2α) to rank by g^α · distance.
  const weights = new Float32Array(N);
  for (let i = 0; i < N; i++) weights[i] = opts.alpha === 0 || !gradNorms ? 1 : Math.pow(gradNorms[i] + 1e-12, 2 * opts.alpha);
  // The exact greedy costs N × budget steps over p-d rows. When that is large, contiguous chunks
  // (neighbouring patches of the same images) are first thinned with the same criterion to a
  // pool of 4 × budget candidates; chunks fit in cache, so both passes stay fast.
  const pool = Math.max(4 * budget, 8192);
  if (N * budget <= opts.maxWork || N <= pool) return greedySelect(points, N, p, weights, budget, runtime);
  const chunk = 4096;
  const keepRatio = pool / N;
  const candidates: number[] = [];
  for (let start = 0; start < N; start += chunk) {
    const n = Math.min(chunk, N - start);
    const keep = Math.max(1, Math.round(n * keepRatio));
    const sub = await greedySelect(
      points.subarray(start * p, (start + n) * p),
      n,
      p,
      weights.subarray(start, start + n),
      keep,
      runtime,
    );
    for (const i of sub) candidates.push(start + i);
  }
  candidates.sort((a, b) => a - b);
  const M = candidates.length;
  const cp = new Float32Array(M * p);
  const cw = new Float32Array(M);
  candidates.forEach((src, i) => {
    cp.set(points.subarray(src * p, (src + 1) * p), i * p);
    cw[i] = weights[src];
  });
  const picked = await greedySelect(cp, M, p, cw, budget, runtime);
  return Uint32Array.from(picked, (i) => candidates[i]);
}
