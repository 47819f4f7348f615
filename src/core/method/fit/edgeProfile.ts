/**
 * The sample the edge profile is measured on. The learned head has seen every training patch, so
 * its own held-out maps show no border excess; a k-center sample of training patches in the raw
 * feature space, own image left out, shows the excess a new image's map has (docs/method.md,
 * "Border and corner heat").
 */
import type { MethodOptions } from '../../../shared/model';
import type { RuntimeOptions } from '../../onnx/runtime';
import { Rng } from '../../rng';
import { rawSpaceCanvases } from '../localise';
import type { SizedCanvas } from '../pixelCalibration';
import { selectRepository } from '../selector';
import { imagePenalty, neighbourhoodPenalty, type HeldOutView, type ProfileCanvases } from './calibration';
import { gather, type PatchMatrix } from './patchMatrix';
import { MAX_SELECTION_WORK, type SelectionSpace } from './select';

/** Training patches in the profile's k-center sample, drawn from four times as many random ones. */
const PROFILE_ROWS = 2048;

/** The method measures its profile on the raw-space sample; PatchCore (and edgeCorrection off) on its own held-out maps. */
export function profileSource(patches: PatchMatrix, source: readonly number[], space: SelectionSpace, options: MethodOptions, runtime: RuntimeOptions): ProfileCanvases {
  if (options.method === 'patchcore' || options.edgeCorrection === false) return () => Promise.resolve(undefined);
  return (held) => rawSampleCanvases(patches, source, space, held, options, runtime);
}

async function rawSampleCanvases(
  patches: PatchMatrix,
  source: readonly number[],
  space: SelectionSpace,
  held: readonly HeldOutView[],
  options: MethodOptions,
  runtime: RuntimeOptions,
): Promise<SizedCanvas[]> {
  const { rows, n, D } = patches;
  const pool = new Rng(options.seed + 13).permutation(n).subarray(0, Math.min(n, 4 * PROFILE_ROWS)).sort();
  const picked = await selectRepository(gather(space.points, space.dim, pool), pool.length, space.dim, undefined, {
    budget: Math.min(pool.length, PROFILE_ROWS),
    alpha: 0,
    selector: 'gradient',
    projection: space.projection,
    seed: options.seed,
    maxWork: MAX_SELECTION_WORK,
  });
  const sample = Uint32Array.from(picked, (i) => pool[i]);
  const sampleSource = Uint32Array.from(sample, (r) => source[patches.view[r]]);
  const samplePos = Uint32Array.from(sample, (r) => patches.pos[r]);
  const single = new Set(source).size === 1;
  const views = held.map(({ views, src }) => ({ views, penalty: single ? neighbourhoodPenalty(views[0], samplePos, sample.length) : imagePenalty(sampleSource, src) }));
  return rawSpaceCanvases(gather(rows, D, sample), sample.length, D, views, options, runtime);
}
