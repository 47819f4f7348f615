/**
 * Stage 1, select: which training patches form the repository. The method weights the greedy
 * coreset by each patch's gradient norm under the untrained head (METHOD §2); the PatchCore
 * baseline uses the plain coreset.
 */
import type { MethodOptions } from '../../../shared/model';
import type { RunContext } from '../../api';
import type { RuntimeOptions } from '../../onnx/runtime';
import type { MlpParams } from '../head';
import { matmulRows } from '../linalg';
import { projectionMatrix, selectRepository } from '../selector';
import { meanRows, type Probe } from '../train';
import type { PatchMatrix } from './patchMatrix';

/** Above this many greedy steps (candidates × budget) the selector thins chunks first. */
export const MAX_SELECTION_WORK = 1 << 23;

/** Where the greedy coreset measures distances: a random projection of the patches when it is smaller. */
export interface SelectionSpace {
  points: Float32Array;
  dim: number;
  projection: number;
}

export async function selectionSpace(patches: PatchMatrix, options: MethodOptions, runtime: RuntimeOptions): Promise<SelectionSpace> {
  const { rows, n, D } = patches;
  const projection = options.selectorProjection > 0 && options.selectorProjection < D ? options.selectorProjection : 0;
  const points = projection > 0 ? await matmulRows(rows, n, D, projectionMatrix(D, projection, options.seed), projection, runtime) : rows;
  return { points, dim: projection > 0 ? projection : D, projection };
}

/** The PatchCore baseline's repository: a fraction rho of the patches, plain greedy coreset. */
export function selectPatchCoreRepository(patches: PatchMatrix, space: SelectionSpace, options: MethodOptions): Promise<Uint32Array> {
  const budget = Math.max(1, Math.round(options.rho * patches.n));
  return selectRepository(space.points, patches.n, space.dim, undefined, {
    budget,
    alpha: 0,
    selector: 'gradient',
    projection: space.projection,
    seed: options.seed,
    maxWork: MAX_SELECTION_WORK,
  });
}

export interface MethodSelection {
  /** Repository rows, indices into the patch matrix. */
  selected: Uint32Array;
  /** Mean embedding of all patches under the untrained head: the centre the head is trained towards. */
  center: Float32Array;
}

/** The method's repository, chosen under the untrained head `init` (whose forward pass `probe` runs). */
export async function selectMethodRepository(
  patches: PatchMatrix,
  space: SelectionSpace,
  init: MlpParams,
  probe: Probe,
  options: MethodOptions,
  ctx: RunContext,
): Promise<MethodSelection> {
  const { rows, n } = patches;
  const { z, hnorm } = await probe.run(init, rows, n);
  const center = meanRows(z, n, options.embedDim);
  const gradNorms = options.alpha > 0 && options.selector === 'gradient' ? gradientNorms(z, hnorm, center, n, options.embedDim) : undefined;
  const budget = Math.min(n, Math.max(Math.min(n, options.minRepository), Math.min(options.maxRepository, Math.round(options.rho * n))));
  const selected = await selectRepository(space.points, n, space.dim, gradNorms, {
    budget,
    alpha: options.alpha,
    selector: options.selector,
    projection: space.projection,
    seed: options.seed,
    maxWork: MAX_SELECTION_WORK,
  });
  ctx.onProgress?.({ stage: 'selection', done: 1, total: 1, message: `repository ${selected.length} of ${n}` });
  return { selected, center };
}

/** Norm of the loss gradient at each patch: 2·|h|·|φ(x) − c| under the untrained head. */
function gradientNorms(z: Float32Array, hnorm: Float32Array, center: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (z[i * d + j] - center[j]) ** 2;
    out[i] = 2 * hnorm[i] * Math.sqrt(s);
  }
  return out;
}
