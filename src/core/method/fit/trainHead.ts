/**
 * Stage 2, train head: the centre-constrained MLP learns on the repository (METHOD §3), with a
 * slice of the repository held out of the gradient steps to stop early without labels.
 */
import type { MethodOptions } from '../../../shared/model';
import type { RunContext } from '../../api';
import type { RuntimeOptions } from '../../onnx/runtime';
import { Rng } from '../../rng';
import type { MlpParams } from '../head';
import { trainHead } from '../train';
import { gather, type PatchMatrix } from './patchMatrix';

/** Share of the repository held out for early stopping (when it has at least MIN_HELD_OUT_REPOSITORY rows). */
const HELD_OUT_SHARE = 0.1;
const MIN_HELD_OUT_REPOSITORY = 20;

export async function trainHeadOnRepository(
  patches: PatchMatrix,
  selected: Uint32Array,
  init: MlpParams,
  center: Float32Array,
  options: MethodOptions,
  runtime: RuntimeOptions,
  ctx: RunContext,
): Promise<{ params: MlpParams; epochs: number }> {
  const { rows, D } = patches;
  const perm = new Rng(options.seed + 5).permutation(selected.length);
  const nHeld = selected.length >= MIN_HELD_OUT_REPOSITORY ? Math.round(selected.length * HELD_OUT_SHARE) : 0;
  const heldIdx = Array.from(perm.subarray(0, nHeld), (i) => selected[i]);
  const trainIdx = Array.from(perm.subarray(nHeld), (i) => selected[i]);
  const result = await trainHead(gather(rows, D, trainIdx), trainIdx.length, gather(rows, D, heldIdx), nHeld, init, center, options, runtime, ctx);
  ctx.log?.(`head: ${result.epochs} epochs (best ${result.bestEpoch}); collapse check normal ${result.collapse.normal.toFixed(3)} vs perturbed ${result.collapse.perturbed.toFixed(3)}`);
  return { params: result.params, epochs: result.epochs };
}
