/**
 * Fits the method (or the PatchCore baseline) on already-extracted normal features, in five
 * stages that read top to bottom: select the repository → train the head → build the bank →
 * calibrate on held-out training images (image threshold, pixel threshold, edge profile) → write
 * the manifest.
 */
import type { MethodOptions } from '../../../shared/model';
import type { PatchFeatures, RunContext } from '../../api';
import type { RuntimeOptions } from '../../onnx/runtime';
import { Detector, type DetectorState } from '../detector';
import type { OnnxFeatureExtractor } from '../features';
import { initMlp } from '../head';
import { Probe } from '../train';
import { addGlobalBank, methodBank, patchCoreBank } from './bank';
import { heldOutScores, normalCalibration, withAnomalyThreshold } from './calibration';
import { makeManifest } from './manifest';
import { checkViews, stackPatches, type PatchMatrix } from './patchMatrix';
import { profileSource } from './edgeProfile';
import { selectionSpace, selectMethodRepository, selectPatchCoreRepository, type SelectionSpace } from './select';
import { trainHeadOnRepository } from './trainHead';

export interface FitInput {
  /** Features per training view; `source[i]` says which original image view i came from. */
  views: PatchFeatures[];
  source: number[];
  anomalies: PatchFeatures[];
}

export interface FitResult {
  detector: Detector;
  /** Leave-one-out scores of training images (by source index), fused; for contaminated fits. */
  looScores: Map<number, number>;
}

interface Repository {
  state: DetectorState;
  selected: Uint32Array;
  epochs: number;
}

/** `looAll`: calibrate on every training image (contaminated fits rank them all). */
export async function fitDetector(
  extractor: OnnxFeatureExtractor,
  input: FitInput,
  options: MethodOptions,
  runtime: RuntimeOptions,
  maxPixels: number,
  ctx: RunContext = {},
  looAll = false,
): Promise<FitResult> {
  checkViews(input.views);
  const started = performance.now();
  const patches = stackPatches(input.views);
  ctx.onProgress?.({ stage: 'selection', done: 0, total: 1, message: `${patches.n} patches` });

  const space = await selectionSpace(patches, options, runtime);
  const { state, selected, epochs } = options.method === 'patchcore' ? await patchCoreRepository(patches, space, options) : await methodRepository(patches, space, options, runtime, ctx);
  addGlobalBank(state, input.views, options, patches.D);

  ctx.onProgress?.({ stage: 'calibration', done: 0, total: 1 });
  const profile = profileSource(patches, input.source, space, options, runtime);
  const held = await heldOutScores(state, patches, selected, input, options, runtime, looAll, profile);
  const manifest = makeManifest({
    extractor,
    options,
    state,
    grid: { height: input.views[0].gridH, width: input.views[0].gridW, featureDim: input.views[0].dim },
    trainingImages: new Set(input.source).size,
    epochs,
    started,
    calibration: normalCalibration(held, options),
  });
  const detector = await withAnomalyThreshold(await Detector.create(manifest, state, extractor, runtime, maxPixels), held, input.anomalies, options);
  ctx.onProgress?.({ stage: 'calibration', done: 1, total: 1 });
  return { detector, looScores: held.bySource };
}

async function patchCoreRepository(patches: PatchMatrix, space: SelectionSpace, options: MethodOptions): Promise<Repository> {
  const selected = await selectPatchCoreRepository(patches, space, options);
  return { state: patchCoreBank(patches, selected), selected, epochs: 0 };
}

async function methodRepository(patches: PatchMatrix, space: SelectionSpace, options: MethodOptions, runtime: RuntimeOptions, ctx: RunContext): Promise<Repository> {
  const sizes = [patches.D, ...options.hidden, options.embedDim];
  const init = initMlp(sizes, options.seed);
  // One forward-pass session serves the untrained head (centre, gradient norms) and the trained one (bank).
  const probe = await Probe.open(sizes, runtime);
  try {
    const { selected, center } = await selectMethodRepository(patches, space, init, probe, options, ctx);
    const head = await trainHeadOnRepository(patches, selected, init, center, options, runtime, ctx);
    const state = await methodBank(patches, selected, head.params, center, probe, options, runtime);
    return { state, selected, epochs: head.epochs };
  } finally {
    await probe.release();
  }
}
