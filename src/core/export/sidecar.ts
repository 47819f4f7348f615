/**
 * The sidecar JSON that travels with an exported detector: how to preprocess, what the outputs
 * mean, threshold and normalisation, backbone and model identity, opset/IR. The same JSON is
 * stored in the ONNX metadata_props under SIDECAR_KEY so the two cannot drift apart.
 */
import { effectivePixelThreshold } from '../method/pixelCalibration';
import { testViewTurns } from '../method/views';
import type { ModelManifest } from '../../shared/model';
import { scalingAffine, type BackboneScaling } from '../backbone/manifest';
import { IR_VERSION, OPSET } from '../onnx/builder';
import { fusedTerms, SCORE_CANVAS } from '../method/detector';
import { EDGE_WEIGHT } from '../tiling/stitch';
import { OUTPUT_NAMES } from './detectorGraph';

export const SIDECAR_KEY = 'anomaly_lens.sidecar';
export const SIDECAR_FORMAT = 1;

export interface ExportSidecar {
  format: number;
  producer: string;
  model: { id: string; method: string; createdAt: string; trainingImages: number; repositorySize: number };
  backbone: { id: string; sha256: string; scaling: string; taps: string[] };
  onnx: { opset: number; irVersion: number; batch: 'dynamic' | number; input: string; outputs: string[] };
  preprocessing: {
    layout: 'NCHW';
    channels: 'RGB';
    dtype: 'float32';
    /** Square input side the model was trained at (dynamic H/W work; scores are comparable only at this size). */
    size: number;
    resize: number;
    crop: number;
    intensity: string;
    /** Tiled models: the caller cuts the image into these tiles and stitches the tiles' maps (docs/deploy.md). */
    tiling?: { tile: number; overlap: number; scale: number };
    /** input = rgb01 · scale[c] + offset[c], with rgb01 the image in [0, 1] after resize and crop. */
    scaling: { name: string; scale: number[]; offset: number[] };
    steps: string[];
  };
  scoring: {
    /** Views each image is scored in inside the graph (turned copies batched through the backbone; maps turned back and averaged). */
    testViews: { count: number; turns: string[] };
    canvas: number;
    blurSigmaCanvasPx: number;
    imageScore: string;
    globalTerm: { weight: number; patchStats: { mean: number; std: number }; globalStats?: { mean: number; std: number } } | null;
    /** Whole-map term: + weight · (mean of the canvas − mean) / std, with the patch term also a z-score. */
    mapMeanTerm: { weight: number; patchStats: { mean: number; std: number }; mapMeanStats: { mean: number; std: number } } | null;
    k: number;
    mode: string;
    jointSpace: boolean;
    /** Largest input side whose grid still fits the canvas (above it the engine antialiases, the graph does not). */
    exactUpToInputSide: number;
    /** Tiled models: how the caller stitches the tiles' maps and reads the image score (docs/deploy.md, "Tiled models"). */
    stitch: TiledStitch | null;
  };
  threshold: { raw: number; mode: string; applied: boolean };
  normalisation: { formula: string; threshold: number; spread: number };
  /**
   * Localisation: anomaly_map pixels at or above `threshold` are the region (null: the image threshold, a model without one); heat is anchored there.
   * `edgeCorrected`: the graph divides its map by the edge profile (a tiled model's caller does it on the stitched map instead: scoring.stitch).
   */
  pixel: { threshold: number; spread: number; basis: string; edgeCorrected: boolean } | null;
}

export interface TiledStitch {
  /** Weight of a tile's map pixel d px from a tile edge inside the image: max(edgeWeight, min(1, (d + 0.5) / overlap)); 1 towards image borders. */
  edgeWeight: number;
  /** Image pixels per edge-profile step (tile / canvas). */
  profileStepPx: number;
  /** The stitched map is divided by e[dx]·e[dy], d = floor(px to that axis's nearest image border / profileStepPx), e = 1 from its length on; null: no correction. */
  edgeProfile: number[] | null;
  /** Image score: mean of the stitched map's hottest `topPixels` pixels (0: its max; the whole map when topFraction is 1). */
  topPixels: number;
}

/** The stitching rule of a tiled model (the engine's MapStitcher, TiledScorer and stitchedImageScore, in image pixels). */
function tiledStitch(m: ModelManifest): TiledStitch | null {
  if (!m.tiling) return null;
  const tf = m.options.topFraction;
  return {
    edgeWeight: EDGE_WEIGHT,
    profileStepPx: m.tiling.tile / SCORE_CANVAS,
    edgeProfile: m.calibration.pixel?.edgeProfile ?? null,
    topPixels: tf <= 0 ? 0 : tf >= 1 ? m.tiling.tile * m.tiling.tile : Math.max(1, Math.round(m.tiling.tile * m.tiling.tile * tf)),
  };
}

export function makeSidecar(m: ModelManifest, o: { threshold?: number; batch: 'dynamic' | number; finestStride: number }): ExportSidecar {
  const affine = scalingAffine(m.backbone.scaling as BackboneScaling);
  const outputs: string[] = [OUTPUT_NAMES.map, OUTPUT_NAMES.score, OUTPUT_NAMES.normalized];
  if (o.threshold !== undefined) outputs.push(OUTPUT_NAMES.label, OUTPUT_NAMES.mask);
  const cal = m.calibration;
  const opts = m.options;
  const terms = fusedTerms(opts, cal);
  return {
    format: SIDECAR_FORMAT,
    producer: `anomaly-lens ${m.toolVersion}`,
    model: { id: m.id, method: opts.method, createdAt: m.createdAt, trainingImages: m.trainingImages, repositorySize: m.repositorySize },
    backbone: { id: m.backbone.id, sha256: m.backbone.sha256, scaling: m.backbone.scaling, taps: m.backbone.taps },
    onnx: { opset: OPSET, irVersion: IR_VERSION, batch: o.batch, input: OUTPUT_NAMES.image, outputs },
    preprocessing: {
      layout: 'NCHW',
      channels: 'RGB',
      dtype: 'float32',
      size: m.preprocess.crop,
      resize: m.preprocess.resize,
      crop: m.preprocess.crop,
      intensity: m.preprocess.intensity,
      ...(m.tiling ? { tiling: m.tiling } : {}),
      scaling: { name: m.backbone.scaling, scale: affine.scale, offset: affine.offset },
      steps: [
        'decode; 8-bit RGB/gray → [0, 1] (value / 255); gray replicated to 3 channels; alpha ignored',
        ...(m.tiling
          ? [`cut the image into ${m.tiling.tile}x${m.tiling.tile} tiles overlapping by at least ${m.tiling.overlap} px (positions spread evenly from 0 to side − tile); each tile is one input, its pred_score a tile score; resize each tile's anomaly_map to the tile, blend the tiles with scoring.stitch weights, divide by the edge profile at the image borders and read the image score from the stitched map (docs/deploy.md)`]
          : []),
        m.preprocess.resize === m.preprocess.crop
          ? `resize the whole image to ${m.preprocess.crop}x${m.preprocess.crop} (bilinear, antialiased when shrinking)`
          : `resize the shorter side to ${m.preprocess.resize} (bilinear, antialiased), centre-crop ${m.preprocess.crop}x${m.preprocess.crop}`,
        'input[c] = rgb01[c] * scale[c] + offset[c]',
        'anomaly_map covers the model input; map it back through the same resize/crop for original-image coordinates',
      ],
    },
    scoring: {
      testViews: { count: opts.testViews, turns: testViewTurns(opts.testViews) },
      canvas: SCORE_CANVAS,
      blurSigmaCanvasPx: (opts.blurSigma * SCORE_CANVAS) / 224,
      imageScore:
        opts.topFraction >= 1 ? 'mean of the blurred canvas' : opts.topFraction > 0 ? `mean of the top ${opts.topFraction} of the blurred canvas` : 'max of the blurred canvas',
      globalTerm: terms.global ? { weight: terms.global.weight, patchStats: cal.patchStats, globalStats: terms.global.stats } : null,
      mapMeanTerm: terms.mapMean ? { weight: terms.mapMean.weight, patchStats: cal.patchStats, mapMeanStats: terms.mapMean.stats } : null,
      k: opts.k,
      mode: opts.method === 'patchcore' ? 'patchcore-knn' : opts.scoreMode,
      jointSpace: opts.rawWeight > 0 && opts.method !== 'patchcore',
      exactUpToInputSide: SCORE_CANVAS * o.finestStride,
      stitch: tiledStitch(m),
    },
    threshold: { raw: o.threshold ?? cal.threshold, mode: o.threshold !== undefined && o.threshold !== cal.threshold ? 'manual' : cal.mode, applied: o.threshold !== undefined },
    normalisation: { formula: 'clip(0.5 + (pred_score - threshold) / (2 * spread), 0, 1)', threshold: cal.threshold, spread: cal.spread },
    pixel: cal.pixel
      ? {
          threshold: effectivePixelThreshold(cal.pixel, o.threshold ?? cal.threshold, terms.global !== undefined || terms.mapMean !== undefined) ?? cal.pixel.threshold,
          spread: cal.pixel.spread,
          basis: cal.pixel.basis,
          edgeCorrected: cal.pixel.edgeProfile !== undefined && !m.tiling,
        }
      : null,
  };
}
