import { createHash } from 'node:crypto';
import { AnomalyLensError } from '../../shared/errors';
import { MODEL_FORMAT_VERSION, MethodOptions, ModelManifest } from '../../shared/model';
import type { RunContext } from '../api';
import type { PatchFeatures } from '../engine';
import { createSession, RuntimeOptions } from '../onnx/runtime';
import { calibrate, meanStd } from './calibrate';
import { buildDetectorScoreGraph, Detector, DetectorState, fuseScore, runScore, testViewsOf } from './detector';
import type { OnnxFeatureExtractor } from './features';
import { initMlp } from './head';
import { calibrateLocalisation, rawSpaceCanvases } from './localise';
import { matmulRows } from './linalg';
import { Rng } from '../rng';
import { groupBy } from '../collections';
import { projectionMatrix, selectRepository } from './selector';
import { meanRows, Probe, trainHead } from './train';

export const TOOL_VERSION = '0.1.0';
/** Above this many greedy steps (candidates × budget) the selector thins chunks first. */
const MAX_SELECTION_WORK = 1 << 23;
/** Leave-one-out calibration looks at this many training images at most. */
const MAX_CALIBRATION_IMAGES = 64;
/** Training patches sampled for the edge profile's raw-space maps. */
const PROFILE_ROWS = 2048;
/** Rows within this grid distance of a query patch are excluded when only one image exists. */
const SINGLE_IMAGE_EXCLUSION = 2;

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

function stackPatches(views: PatchFeatures[]): { rows: Float32Array; n: number; D: number; view: Uint32Array; pos: Uint32Array } {
  const D = views[0].dim;
  const n = views.reduce((s, v) => s + v.gridH * v.gridW, 0);
  const shared = contiguousRows(views, D);
  const rows = shared ?? new Float32Array(n * D);
  const view = new Uint32Array(n);
  const pos = new Uint32Array(n);
  let o = 0;
  views.forEach((v, vi) => {
    const P = v.gridH * v.gridW;
    if (!shared) rows.set(v.patches.subarray(0, P * D), o * D);
    view.fill(vi, o, o + P);
    for (let i = 0; i < P; i++) pos[o + i] = i;
    o += P;
  });
  return { rows, n, D, view, pos };
}

/** The views' patches as one matrix without copying, when they already sit back to back in one buffer. */
function contiguousRows(views: PatchFeatures[], D: number): Float32Array | undefined {
  const first = views[0].patches;
  let end = first.byteOffset;
  for (const v of views) {
    const len = v.gridH * v.gridW * D;
    if (v.patches.buffer !== first.buffer || v.patches.byteOffset !== end || v.patches.length !== len) return undefined;
    end += len * Float32Array.BYTES_PER_ELEMENT;
  }
  return new Float32Array(first.buffer, first.byteOffset, (end - first.byteOffset) / Float32Array.BYTES_PER_ELEMENT);
}

function gather(rows: Float32Array, D: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * D);
  for (let i = 0; i < idx.length; i++) out.set(rows.subarray(idx[i] * D, (idx[i] + 1) * D), i * D);
  return out;
}

function checkViews(views: PatchFeatures[]): void {
  if (views.length === 0) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'no normal images to train on', { hint: 'select at least one normal image' });
  const { dim, gridH, gridW } = views[0];
  for (const v of views) {
    if (v.dim !== dim || v.gridH * v.gridW === 0) {
      throw new AnomalyLensError('INTERNAL', `feature shape mismatch for ${v.name}: ${v.gridH}x${v.gridW}x${v.dim} vs ${gridH}x${gridW}x${dim}`);
    }
  }
}

/** Fits the method (or the PatchCore baseline) on already-extracted normal features. */
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
  const { rows, n, D, view, pos } = stackPatches(input.views);
  const srcOfRow = (r: number) => input.source[view[r]];
  ctx.onProgress?.({ stage: 'selection', done: 0, total: 1, message: `${n} patches` });

  let state: DetectorState;
  let epochs = 0;
  let selected: Uint32Array;
  const proj = options.selectorProjection > 0 && options.selectorProjection < D ? options.selectorProjection : 0;
  const points = proj > 0 ? await matmulRows(rows, n, D, projectionMatrix(D, proj, options.seed), proj, runtime) : rows;
  const pDim = proj > 0 ? proj : D;

  if (options.method === 'patchcore') {
    const budget = Math.max(1, Math.round(options.rho * n));
    selected = await selectRepository(points, n, pDim, undefined, { budget, alpha: 0, selector: 'gradient', projection: proj, seed: options.seed, maxWork: MAX_SELECTION_WORK });
    state = { bank: gather(rows, D, selected), bankRows: selected.length, globalRows: 0 };
  } else {
    const sizes = [D, ...options.hidden, options.embedDim];
    const init = initMlp(sizes, options.seed);
    // One forward-pass session serves the untrained φ (centre, gradient norms) and the trained one (bank).
    const probe = await Probe.open(sizes, runtime);
    try {
      let center: Float32Array;
      let gradNorms: Float32Array | undefined;
      {
        const { z, hnorm } = await probe.run(init, rows, n);
        center = meanRows(z, n, options.embedDim);
        if (options.alpha > 0 && options.selector === 'gradient') {
          gradNorms = new Float32Array(n);
          const d = options.embedDim;
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < d; j++) s += (z[i * d + j] - center[j]) ** 2;
            gradNorms[i] = 2 * hnorm[i] * Math.sqrt(s);
          }
        }
      }
      const budget = Math.min(n, Math.max(Math.min(n, options.minRepository), Math.min(options.maxRepository, Math.round(options.rho * n))));
      selected = await selectRepository(points, n, pDim, gradNorms, { budget, alpha: options.alpha, selector: options.selector, projection: proj, seed: options.seed, maxWork: MAX_SELECTION_WORK });
      ctx.onProgress?.({ stage: 'selection', done: 1, total: 1, message: `repository ${selected.length} of ${n}` });

      // Label-free early stopping watches 10 % of the repository held out of the gradient steps.
      const perm = new Rng(options.seed + 5).permutation(selected.length);
      const nHeld = selected.length >= 20 ? Math.round(selected.length * 0.1) : 0;
      const heldIdx = Array.from(perm.subarray(0, nHeld), (i) => selected[i]);
      const trainIdx = Array.from(perm.subarray(nHeld), (i) => selected[i]);
      const result = await trainHead(
        gather(rows, D, trainIdx),
        trainIdx.length,
        gather(rows, D, heldIdx),
        nHeld,
        init,
        center,
        options,
        runtime,
        ctx,
      );
      epochs = result.epochs;
      ctx.log?.(`head: ${result.epochs} epochs (best ${result.bestEpoch}); collapse check normal ${result.collapse.normal.toFixed(3)} vs perturbed ${result.collapse.perturbed.toFixed(3)}`);
      const repo = gather(rows, D, selected);
      const bank = (await probe.run(result.params, repo, selected.length)).z;
      state = { head: result.params, center, bank, bankRows: selected.length, globalRows: 0 };
      if (options.rawWeight > 0) {
        const p = options.rawProjection > 0 && options.rawProjection < D ? options.rawProjection : 0;
        const rawProjection = p > 0 ? projectionMatrix(D, p, options.seed + 77) : undefined;
        const raw = rawProjection ? await matmulRows(repo, selected.length, D, rawProjection, p, runtime) : repo;
        Object.assign(state, { rawProjection }, jointBank(bank, raw, selected.length, options.embedDim, p > 0 ? p : D, options.rawWeight));
      }
    } finally {
      await probe.release();
    }
  }

  if (options.globalWeight > 0) {
    state.globalBank = new Float32Array(input.views.length * D);
    input.views.forEach((v, i) => state.globalBank!.set(v.global.subarray(0, D), i * D));
    state.globalRows = input.views.length;
  }

  // Calibration: every training image scored against the repository without its own patches.
  ctx.onProgress?.({ stage: 'calibration', done: 0, total: 1 });
  const bankSource = Uint32Array.from(selected, (r) => srcOfRow(r));
  const bankPos = Uint32Array.from(selected, (r) => pos[r]);
  const sources = [...new Set(input.source)];
  const calSession = await createSession(buildDetectorScoreGraph(state, options, D, true), runtime);
  const raws: { src: number; patch: number; mapMean: number; global?: number; canvas: Float32Array }[] = [];
  const profileHeld: { view: PatchFeatures; src: number }[] = [];
  try {
    const rng = new Rng(options.seed + 9);
    const chosen = looAll || sources.length <= MAX_CALIBRATION_IMAGES ? sources : Array.from(rng.permutation(sources.length).subarray(0, MAX_CALIBRATION_IMAGES), (i) => sources[i]);
    const single = sources.length === 1;
    const viewsOf = groupBy(input.views, (_, i) => input.source[i]);
    for (const src of chosen) {
      const own = viewsOf.get(src)!;
      const f = own[0];
      const penalty = single ? neighbourhoodPenalty(f, bankPos, state.bankRows) : imagePenalty(bankSource, src);
      const globalPenalty = state.globalRows > 0 ? Float32Array.from(input.source, (s) => (s === src && !single ? 1e30 : 0)) : undefined;
      const raw = await runScore(calSession, testViewsOf(own, options), options, { ...penalty, global: globalPenalty });
      raws.push({ src, patch: raw.patch, mapMean: raw.mapMean, global: raw.global, canvas: raw.canvas });
      profileHeld.push({ view: f, src });
    }
  } finally {
    await calSession.release();
  }
  // The learned method's own held-out maps hide the border excess (see localise.ts): measure it on a
  // random sample of all training patches in the raw space, every position as often as it occurs.
  let profileCanvases: Float32Array[] | undefined;
  if (options.method !== 'patchcore' && options.edgeCorrection !== false) {
    const pool = new Rng(options.seed + 13).permutation(n).subarray(0, Math.min(n, 4 * PROFILE_ROWS)).sort();
    const poolPoints = gather(points, pDim, pool);
    const picked = await selectRepository(poolPoints, pool.length, pDim, undefined, { budget: Math.min(pool.length, PROFILE_ROWS), alpha: 0, selector: 'gradient', projection: proj, seed: options.seed, maxWork: MAX_SELECTION_WORK });
    const sample = Uint32Array.from(picked, (i) => pool[i]);
    const sampleSource = Uint32Array.from(sample, (r) => srcOfRow(r));
    const samplePos = Uint32Array.from(sample, (r) => pos[r]);
    const single = sources.length === 1;
    const held = profileHeld.map(({ view: f, src }) => ({ view: f, penalty: single ? neighbourhoodPenalty(f, samplePos, sample.length) : imagePenalty(sampleSource, src) }));
    profileCanvases = await rawSpaceCanvases(gather(rows, D, sample), sample.length, D, held, options, runtime);
  }
  const pixel = calibrateLocalisation(raws, options, profileCanvases);
  const patchStats = meanStd(raws.map((r) => r.patch));
  const globals = raws.filter((r) => r.global !== undefined && Number.isFinite(r.global) && r.global < 1e14).map((r) => r.global as number);
  const globalStats = state.globalRows > 0 && globals.length > 0 ? meanStd(globals) : undefined;
  const mapMeanStats = options.mapMeanWeight > 0 ? meanStd(raws.map((r) => r.mapMean)) : undefined;
  const stats = { patchStats, globalStats, mapMeanStats };
  const normalScores = raws.map((r) => fuseScore(r, options, stats));

  const provisional = makeManifest(extractor, options, state, input, epochs, started, { ...calibrate(normalScores, [], options.thresholdQuantile, stats), pixel });
  let detector = await Detector.create(provisional, state, extractor, runtime, maxPixels);
  if (input.anomalies.length > 0) {
    const anomalyScores: number[] = [];
    for (const views of viewsByImage(input.anomalies, options.testViews)) anomalyScores.push((await detector.scoreFeatures(views)).score);
    const calibration = { ...calibrate(normalScores, anomalyScores, options.thresholdQuantile, stats), pixel };
    detector = detector.withCalibration(calibration);
  }
  ctx.onProgress?.({ stage: 'calibration', done: 1, total: 1 });
  const looScores = new Map<number, number>();
  raws.forEach((r, i) => looScores.set(r.src, normalScores[i]));
  return { detector, looScores };
}

/** Views of consecutive images, `per` each (features arrive image by image, views in training order). */
function viewsByImage(views: readonly PatchFeatures[], per: number): PatchFeatures[][] {
  if (views.length % per !== 0) throw new AnomalyLensError('BAD_ARGUMENT', `labelled anomalies need ${per} views each (the model's test views), got ${views.length} views`);
  return Array.from({ length: views.length / per }, (_, i) => views.slice(i * per, (i + 1) * per));
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

function imagePenalty(bankSource: Uint32Array, src: number): { rows: Float32Array; dims: number[] } {
  return { rows: Float32Array.from(bankSource, (s) => (s === src ? 1e30 : 0)), dims: [1, bankSource.length] };
}

/** One training image: exclude, for each query patch, repository rows from its own neighbourhood. */
function neighbourhoodPenalty(f: PatchFeatures, bankPos: Uint32Array, M: number): { rows: Float32Array; dims: number[] } {
  const P = f.gridH * f.gridW;
  const rows = new Float32Array(P * M);
  for (let q = 0; q < P; q++) {
    const qy = Math.floor(q / f.gridW);
    const qx = q % f.gridW;
    for (let m = 0; m < M; m++) {
      const by = Math.floor(bankPos[m] / f.gridW);
      const bx = bankPos[m] % f.gridW;
      if (Math.abs(by - qy) <= SINGLE_IMAGE_EXCLUSION && Math.abs(bx - qx) <= SINGLE_IMAGE_EXCLUSION) rows[q * M + m] = 1e30;
    }
  }
  return { rows, dims: [P, M] };
}

function makeManifest(
  extractor: OnnxFeatureExtractor,
  options: MethodOptions,
  state: DetectorState,
  input: FitInput,
  epochs: number,
  started: number,
  calibration: ModelManifest['calibration'],
): ModelManifest {
  const v = input.views[0];
  const bb = extractor.backbone;
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    id: contentId(state, options, bb.sha256),
    createdAt: new Date().toISOString(),
    toolVersion: TOOL_VERSION,
    backbone: {
      id: bb.manifest.id,
      ref: extractor.backboneRef,
      sha256: bb.sha256,
      scaling: bb.manifest.scaling,
      taps: bb.manifest.taps.map((t) => t.name),
      channels: bb.manifest.taps.map((t) => t.channels),
    },
    preprocess: extractor.preprocess,
    options,
    grid: { height: v.gridH, width: v.gridW, featureDim: v.dim },
    repositorySize: state.bankRows,
    trainingImages: new Set(input.source).size,
    trainingSeconds: (performance.now() - started) / 1000,
    epochs,
    calibration,
    arrays: {},
  };
}

/** A content hash: the same inputs and seed give the same id. */
function contentId(state: DetectorState, options: MethodOptions, backboneSha: string): string {
  const h = createHash('sha256');
  h.update(backboneSha);
  h.update(JSON.stringify(options));
  const add = (a?: Float32Array) => a && h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  add(state.bank);
  add(state.center);
  add(state.globalBank);
  add(state.rawProjection);
  state.head?.weights.forEach(add);
  state.head?.biases.forEach(add);
  return `${options.method}-${h.digest('hex').slice(0, 12)}`;
}
