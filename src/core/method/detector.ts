import * as ort from 'onnxruntime-node';
import { AnomalyLensError } from '../../shared/errors';
import type { DecodedImage } from '../../shared/image';
import type { CalibrationStats, MethodOptions, ModelManifest, TileGeometry } from '../../shared/model';
import type { FittedDetector, ImageScore, ImageSource, PatchFeatures } from '../api';
import { decodeSource } from '../io/source';
import { gaussianBlur, mapToImage, resizeBilinear } from '../image/ops';
import { createSession, RuntimeOptions, Session } from '../onnx/runtime';
import { normalizeScore } from './calibrate';
import type { OnnxFeatureExtractor } from './features';
import type { MlpParams } from './head';
import { correctEdges, effectivePixelThreshold } from './pixelCalibration';
import { buildScoreGraph, reduceNeighbours } from './scoreGraph';
import { gridFromView, testViewsOf, testViewTurns } from './views';
import { planTiles } from '../tiling/plan';
import { groupByTile, TiledScorer, type TileGrid } from '../tiling/score';
import { stitchedToImage, type StitchedCanvas } from '../tiling/stitch';

/** Everything a trained detector needs to score, besides the backbone. */
export interface DetectorState {
  head?: MlpParams;
  center?: Float32Array;
  /** Scales of the joint space [learned, raw] when rawWeight > 0. */
  jointScale?: [number, number];
  /** Random projection [D, p] of the raw part of the joint space. */
  rawProjection?: Float32Array;
  /** Repository in the scoring space [M, d] (joint space: [M, d + D]). */
  bank: Float32Array;
  bankRows: number;
  /** Training images' global features [G, D] (only when the global term is on). */
  globalBank?: Float32Array;
  globalRows: number;
}

/** Side of the fixed canvas (in 224-pixel units) where image scores are read, independent of image size. */
export const SCORE_CANVAS = 112;

export function buildDetectorScoreGraph(state: DetectorState, options: MethodOptions, featureDim: number, withPenalty: boolean): Uint8Array {
  return buildScoreGraph({
    featureDim,
    head: state.head,
    jointScale: state.jointScale,
    rawProjection: state.rawProjection,
    bank: state.bank,
    bankRows: state.bankRows,
    k: options.k,
    mode: options.method === 'patchcore' ? 'knn' : options.scoreMode,
    center: state.center,
    globalBank: options.globalWeight > 0 ? state.globalBank : undefined,
    globalRows: options.globalWeight > 0 ? state.globalRows : undefined,
    withPenalty,
  });
}

export interface RawScore {
  /** Blurred score canvas (SCORE_CANVAS²) over the crop, or the stitched canvas of a tiled image. */
  canvas: Float32Array;
  /** A tiled image's stitched canvas over the whole image. */
  stitched?: StitchedCanvas;
  patch: number;
  /** Mean of the whole canvas (the whole-map term). */
  mapMean: number;
  global?: number;
}

/** Score-graph penalty: repository rows excluded (calibration), for every view. */
export interface ScorePenalty {
  rows: Float32Array;
  dims: number[];
  global?: Float32Array;
}

/**
 * Runs a score graph on one image's features: one view, or the model's test views (in
 * testViewTurns order), whose score grids are turned back and averaged. A tiled image's views
 * (tile after tile) are scored per tile and stitched into one canvas over the whole image.
 */
export async function runScore(
  session: Session,
  list: readonly PatchFeatures[],
  options: MethodOptions,
  penalty?: ScorePenalty,
  edge?: readonly number[],
): Promise<RawScore> {
  const placement = list[0].tile;
  if (placement) {
    const f0 = list[0];
    const scorer = new TiledScorer(f0.imageW, f0.imageH, placement.geometry, options, SCORE_CANVAS, 224);
    for (const tile of groupByTile(list)) scorer.add(await viewGrid(session, tile, penalty), tile[0].tile!.region, tile[0].tile!.span);
    const t = scorer.finish(edge);
    return { canvas: t.stitched.canvas, stitched: t.stitched, patch: t.patch, mapMean: t.mapMean, global: t.global };
  }
  const g = await viewGrid(session, list, penalty);
  const canvas = correctEdges(scoreCanvas(g.grid, g.gridW, g.gridH, options), SCORE_CANVAS, edge);
  const patch = imageScoreFromCanvas(canvas, options.topFraction);
  return { canvas, patch, mapMean: imageScoreFromCanvas(canvas, 1), global: g.global };
}

/** The patch-score grid of one image (or tile) from its test views, turned back and averaged, and its image-level term. */
export async function viewGrid(session: Session, list: readonly PatchFeatures[], penalty?: ScorePenalty): Promise<TileGrid> {
  const turns = testViewTurns(list.length);
  const f0 = list[0];
  const P = f0.gridH * f0.gridW;
  const grid = new Float32Array(P);
  let globalSum = 0;
  let hasGlobal = false;
  for (let v = 0; v < list.length; v++) {
    const f = list[v];
    if (f.gridH !== f0.gridH || f.gridW !== f0.gridW || (turns[v] !== 'none' && f.gridH !== f.gridW)) {
      throw new AnomalyLensError('BAD_ARGUMENT', `test views of ${f.name} must share one square patch grid (got ${f.gridW}×${f.gridH})`);
    }
    const feeds: Record<string, ort.Tensor> = { patches: new ort.Tensor('float32', f.patches, [P, f.dim]) };
    if (session.inputNames.includes('global')) feeds.global = new ort.Tensor('float32', f.global, [1, f.dim]);
    if (penalty) {
      feeds.penalty = new ort.Tensor('float32', penalty.rows, penalty.dims);
      if (session.inputNames.includes('global_penalty') && penalty.global) {
        feeds.global_penalty = new ort.Tensor('float32', penalty.global, [1, penalty.global.length]);
      }
    }
    const res = await session.run(feeds);
    const nn = res.nn.data as Float32Array;
    const own = gridFromView(turns[v], reduceNeighbours(nn, P, nn.length / P), f0.gridW);
    for (let i = 0; i < P; i++) grid[i] += own[i] / list.length;
    if (res.global_nn) {
      globalSum += (res.global_nn.data as Float32Array)[0];
      hasGlobal = true;
    }
  }
  return { grid, gridW: f0.gridW, gridH: f0.gridH, global: hasGlobal ? globalSum / list.length : undefined };
}

/**
 * The patch grid on a fixed canvas over the crop (224-px units halved), blurred with σ: image
 * scores are read here, so they do not depend on the image's resolution, and the full-size map
 * is this canvas mapped back through the crop box (a cheap bilinear upsample).
 */
export function scoreCanvas(grid: Float32Array, gridW: number, gridH: number, options: Pick<MethodOptions, 'blurSigma'>): Float32Array {
  const canvas = resizeBilinear(grid, gridW, gridH, SCORE_CANVAS, SCORE_CANVAS);
  return options.blurSigma > 0 ? gaussianBlur(canvas, SCORE_CANVAS, SCORE_CANVAS, (options.blurSigma * SCORE_CANVAS) / 224) : canvas;
}

/** Max (topFraction 0), top-fraction mean, or mean (topFraction 1) of a score canvas. */
export function imageScoreFromCanvas(canvas: Float32Array, topFraction: number): number {
  if (topFraction <= 0) {
    let m = -Infinity;
    for (const v of canvas) if (v > m) m = v;
    return m;
  }
  if (topFraction >= 1) {
    let s = 0;
    for (const v of canvas) s += v;
    return s / canvas.length;
  }
  const sorted = Float32Array.from(canvas).sort();
  const n = Math.max(1, Math.round(sorted.length * topFraction));
  let s = 0;
  for (let i = sorted.length - n; i < sorted.length; i++) s += sorted[i];
  return s / n;
}

export function imageScoreFromGrid(grid: Float32Array, gridW: number, gridH: number, options: Pick<MethodOptions, 'blurSigma' | 'topFraction'>): number {
  return imageScoreFromCanvas(scoreCanvas(grid, gridW, gridH, options), options.topFraction);
}

export interface FusedTerm {
  weight: number;
  stats: { mean: number; std: number };
}

/**
 * The terms a model adds to its patch term, each with its weight and held-out normal statistics;
 * none means the image score is the patch term itself. The engine, the exported graph and its
 * sidecar all read this one rule.
 */
export function fusedTerms(options: MethodOptions, cal: Pick<CalibrationStats, 'globalStats' | 'mapMeanStats'>): { global?: FusedTerm; mapMean?: FusedTerm } {
  return {
    global: options.globalWeight > 0 && cal.globalStats ? { weight: options.globalWeight, stats: cal.globalStats } : undefined,
    mapMean: options.mapMeanWeight > 0 && cal.mapMeanStats ? { weight: options.mapMeanWeight, stats: cal.mapMeanStats } : undefined,
  };
}

/** Fuses the patch term with the model's other terms as z-scores of held-out normal statistics. */
export function fuseScore(
  raw: Pick<RawScore, 'patch' | 'mapMean' | 'global'>,
  options: MethodOptions,
  cal: Pick<CalibrationStats, 'patchStats' | 'globalStats' | 'mapMeanStats'>,
): number {
  const terms = fusedTerms(options, cal);
  const global = raw.global !== undefined ? terms.global : undefined;
  if (!global && !terms.mapMean) return raw.patch;
  const z = (v: number, st: { mean: number; std: number }) => (v - st.mean) / st.std;
  let s = z(raw.patch, cal.patchStats);
  if (global) s += global.weight * z(raw.global as number, global.stats);
  if (terms.mapMean) s += terms.mapMean.weight * z(raw.mapMean, terms.mapMean.stats);
  return s;
}

export class Detector implements FittedDetector {
  private constructor(
    readonly manifest: ModelManifest,
    readonly state: DetectorState,
    readonly extractor: OnnxFeatureExtractor,
    private readonly session: Session,
    private readonly maxPixels: number,
  ) {}

  /** False when the extractor is shared (benchmark fits): release() then leaves it open. */
  ownsExtractor = true;

  static async create(
    manifest: ModelManifest,
    state: DetectorState,
    extractor: OnnxFeatureExtractor,
    runtime: RuntimeOptions,
    maxPixels: number,
  ): Promise<Detector> {
    const session = await createSession(buildDetectorScoreGraph(state, manifest.options, manifest.grid.featureDim, false), runtime);
    extractor.tiling = manifest.tiling;
    return new Detector(manifest, state, extractor, session, maxPixels);
  }

  /** Scores one image from its features: a single view, or its views in training-augmentation order (the model's test views are used). */
  async scoreFeatures(views: PatchFeatures | readonly PatchFeatures[]): Promise<ImageScore> {
    const list: readonly PatchFeatures[] = Array.isArray(views) ? views : [views as PatchFeatures];
    const raw = await runScore(this.session, testViewsOf(list, this.manifest.options), this.manifest.options, undefined, this.manifest.calibration.pixel?.edgeProfile);
    return this.toImageScore(raw, list[0]);
  }

  /** Tile after tile, each tile's features dropped once its grid is stitched: memory stays at one tile whatever the image size. */
  private async scoreTiled(img: DecodedImage, name: string, frame: number, geometry: TileGeometry): Promise<ImageScore> {
    const options = this.manifest.options;
    const scorer = new TiledScorer(img.width, img.height, geometry, options, SCORE_CANVAS, 224);
    let first: PatchFeatures | undefined;
    for (const region of planTiles(img.width, img.height, geometry)) {
      const views = await this.extractor.extractTile(img, region, name, frame, options.testViews);
      first ??= { ...views[0], patches: new Float32Array(0), global: new Float32Array(0) };
      scorer.add(await viewGrid(this.session, views), region, views[0].tile!.span);
    }
    const t = scorer.finish(this.manifest.calibration.pixel?.edgeProfile);
    return this.toImageScore({ canvas: t.stitched.canvas, stitched: t.stitched, patch: t.patch, mapMean: t.mapMean, global: t.global }, first!);
  }

  private toImageScore(raw: RawScore, f: PatchFeatures): ImageScore {
    const cal = this.manifest.calibration;
    const score = fuseScore(raw, this.manifest.options, cal);
    const terms = fusedTerms(this.manifest.options, cal);
    return {
      name: f.name,
      width: f.imageW,
      height: f.imageH,
      score,
      normalized: normalizeScore(score, cal.threshold, cal.spread),
      threshold: cal.threshold,
      anomalous: score > cal.threshold,
      pixelThreshold: effectivePixelThreshold(cal.pixel, cal.threshold, terms.global !== undefined || terms.mapMean !== undefined),
      pixelSpread: cal.pixel?.spread,
      map: raw.stitched ? stitchedToImage(raw.stitched, f.imageW, f.imageH) : mapToImage(raw.canvas, SCORE_CANVAS, SCORE_CANVAS, f.crop, f.imageW, f.imageH, 0),
      parts: { patch: raw.patch, mapMean: raw.mapMean, global: raw.global },
    };
  }

  async scoreImage(img: DecodedImage, name: string, frame = 0): Promise<ImageScore> {
    if (this.manifest.tiling) return this.scoreTiled(img, name, frame, this.manifest.tiling);
    return this.scoreFeatures(await this.extractor.extract(img, name, frame, this.manifest.options.testViews));
  }

  async scoreSource(src: ImageSource): Promise<ImageScore> {
    const img = await decodeSource(src, this.maxPixels);
    return this.scoreImage(img, src.name, src.frame ?? 0);
  }

  /** The same detector with another calibration (the scoring graph does not depend on it). */
  withCalibration(calibration: CalibrationStats): Detector {
    return new Detector({ ...this.manifest, calibration }, this.state, this.extractor, this.session, this.maxPixels);
  }

  /** Releases the scoring graph only; the feature extractor stays open for a successor. */
  async releaseScoring(): Promise<void> {
    await this.session.release();
  }

  async release(): Promise<void> {
    await this.session.release();
    if (this.ownsExtractor) await this.extractor.release();
  }
}

/** Refuses a model whose backbone file is not the one it was trained with. */
export function checkBackbone(manifest: ModelManifest, extractor: OnnxFeatureExtractor, modelDir?: string): void {
  if (extractor.backbone.sha256 === manifest.backbone.sha256) return;
  throw new AnomalyLensError(
    'MODEL_BACKBONE_MISMATCH',
    `model was trained with backbone ${manifest.backbone.id} ${manifest.backbone.sha256.slice(0, 12)}…, but the installed one is ${extractor.backbone.sha256.slice(0, 12)}…`,
    { file: modelDir, hint: 'retrain the model with the current backbone' },
  );
}
