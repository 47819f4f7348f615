import { Rng } from '../rng';

/**
 * Gradient-preference selection (METHOD §2): greedily pick
 *   argmax_i g_i^α · min_{j∈S} ‖p_i − p_j‖
 * α = 0 is PatchCore's greedy k-center coreset. The greedy is a chain of small dependent steps
 * (one distance pass over low-dimensional projected points, a running minimum, an argmax); as an
 * onnxruntime Loop the per-step overhead outweighs the work of a step, so this one loop runs in
 * JS on typed arrays. The projection itself is a MatMul on onnxruntime.
 */
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

/** Seeded Gaussian projection [D, p], scaled so distances are preserved on average. */
export function projectionMatrix(D: number, p: number, seed: number): Float32Array {
  const rng = new Rng(seed ^ 0x5eed);
  return rng.fillNormal(new Float32Array(D * p), 1 / Math.sqrt(p));
}

/** Greedy selection over `points` [N, p]; returns `budget` distinct indices in pick order. */
export function greedySelect(points: Float32Array, N: number, p: number, weights: Float32Array, budget: number): Uint32Array {
  const k = Math.min(budget, N);
  const out = new Uint32Array(k);
  let last = 0;
  for (let i = 1; i < N; i++) if (weights[i] > weights[last]) last = i;
  out[0] = last;
  const minD = new Float32Array(N).fill(Infinity);
  const row = new Float32Array(p);
  // Four running sums break the add dependency chain, so V8 keeps more of the loop in flight.
  const p4 = p - (p % 4);
  for (let s = 1; s < k; s++) {
    row.set(points.subarray(last * p, last * p + p));
    let best = 0;
    let bestV = -Infinity;
    for (let i = 0, o = 0; i < N; i++, o += p) {
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let j = 0;
      for (; j < p4; j += 4) {
        const t0 = points[o + j] - row[j];
        const t1 = points[o + j + 1] - row[j + 1];
        const t2 = points[o + j + 2] - row[j + 2];
        const t3 = points[o + j + 3] - row[j + 3];
        d0 += t0 * t0;
        d1 += t1 * t1;
        d2 += t2 * t2;
        d3 += t3 * t3;
      }
      for (; j < p; j++) {
        const t = points[o + j] - row[j];
        d0 += t * t;
      }
      const d = d0 + d1 + (d2 + d3);
      const m = d < minD[i] ? (minD[i] = d) : minD[i];
      const v = m * weights[i];
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    out[s] = best;
    last = best;
  }
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
  // pool of 2 × budget candidates; small chunks keep the first pass cheap.
  const pool = Math.max(2 * budget, 4096);
  if (N * budget <= opts.maxWork || N <= pool) return greedySelect(points, N, p, weights, budget);
  const chunk = 1024;
  const keepRatio = pool / N;
  const candidates: number[] = [];
  for (let start = 0; start < N; start += chunk) {
    const n = Math.min(chunk, N - start);
    const keep = Math.max(1, Math.round(n * keepRatio));
    const sub = greedySelect(points.subarray(start * p, (start + n) * p), n, p, weights.subarray(start, start + n), keep);
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
  const picked = greedySelect(cp, M, p, cw, budget);
  return Uint32Array.from(picked, (i) => candidates[i]);
}
