/**
 * Stage 3, bank: the repository in the space the detector scores in. For the method that is the
 * trained head's embedding, joined with a projection of the raw features when rawWeight > 0; for
 * the PatchCore baseline the raw features themselves. The training images' global features join
 * when the global term is on.
 */
import type { MethodOptions } from '../../../shared/model';
import type { PatchFeatures } from '../../api';
import type { RuntimeOptions } from '../../onnx/runtime';
import type { DetectorState } from '../detector';
import type { MlpParams } from '../head';
import { matmulRows } from '../linalg';
import { projectionMatrix } from '../selector';
import { meanRows, type Probe } from '../train';
import { gather, type PatchMatrix } from './patchMatrix';

export function patchCoreBank(patches: PatchMatrix, selected: Uint32Array): DetectorState {
  return { bank: gather(patches.rows, patches.D, selected), bankRows: selected.length, globalRows: 0 };
}

export async function methodBank(
  patches: PatchMatrix,
  selected: Uint32Array,
  head: MlpParams,
  center: Float32Array,
  probe: Probe,
  options: MethodOptions,
  runtime: RuntimeOptions,
): Promise<DetectorState> {
  const { rows, D } = patches;
  const repo = gather(rows, D, selected);
  const bank = (await probe.run(head, repo, selected.length)).z;
  const state: DetectorState = { head, center, bank, bankRows: selected.length, globalRows: 0 };
  if (options.rawWeight > 0) {
    const p = options.rawProjection > 0 && options.rawProjection < D ? options.rawProjection : 0;
    const rawProjection = p > 0 ? projectionMatrix(D, p, options.seed + 77) : undefined;
    const raw = rawProjection ? await matmulRows(repo, selected.length, D, rawProjection, p, runtime) : repo;
    Object.assign(state, { rawProjection }, jointBank(bank, raw, selected.length, options.embedDim, p > 0 ? p : D, options.rawWeight));
  }
  return state;
}

/** Adds every training view's global feature when the global term is on. */
export function addGlobalBank(state: DetectorState, views: readonly PatchFeatures[], options: MethodOptions, D: number): void {
  if (!(options.globalWeight > 0)) return;
  const globalBank = new Float32Array(views.length * D);
  views.forEach((v, i) => globalBank.set(v.global.subarray(0, D), i * D));
  state.globalBank = globalBank;
  state.globalRows = views.length;
}

/** Root-mean-square distance of rows to their mean: the scale that makes two spaces comparable. */
function rmsSpread(rows: Float32Array, n: number, d: number): number {
  const mean = meanRows(rows, n, d);
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) s += (rows[i * d + j] - mean[j]) ** 2;
  return Math.sqrt(s / Math.max(1, n)) || 1;
}

/** Repository rows in the joint space [φ(r)/s_φ, w·r/s_x]. */
function jointBank(z: Float32Array, raw: Float32Array, n: number, d: number, D: number, w: number): Pick<DetectorState, 'bank' | 'jointScale'> {
  const s0 = 1 / rmsSpread(z, n, d);
  const s1 = w / rmsSpread(raw, n, D);
  const bank = new Float32Array(n * (d + D));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) bank[i * (d + D) + j] = z[i * d + j] * s0;
    for (let j = 0; j < D; j++) bank[i * (d + D) + d + j] = raw[i * D + j] * s1;
  }
  return { bank, jointScale: [s0, s1] };
}
