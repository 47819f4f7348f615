/**
 * One self-contained ONNX graph for a trained detector:
 *   image [N,3,H,W] → backbone (inlined) → patch features (the engine's own feature graph) →
 *   φ + kNN against the repository (the engine's own score graph, on [N·P, D] rows) →
 *   per-patch score grid → the 112×112 score canvas (bilinear, half-pixel) → Gaussian blur
 *   (edge padding + two 1-D convolutions, as ops.gaussianBlur) → image score (max or top-fraction
 *   mean) → fusion with the image-level term → normalisation;
 *   the canvas resized to H×W is `anomaly_map`.
 * Reusing the engine's feature and score graphs means the exported arithmetic is the engine's.
 */
import type { MethodOptions, ModelManifest } from '../../shared/model';
import { edgeDivisor, effectivePixelThreshold } from '../method/pixelCalibration';
import { gaussianKernel } from '../image/ops';
import { buildFeatureGraph, type FeatureGraphSpec } from '../method/featureGraph';
import { testViewTurns } from '../method/views';
import { buildDetectorScoreGraph, fusedTerms, SCORE_CANVAS, type DetectorState } from '../method/detector';
import { attr, GraphBuilder, IR_VERSION, OPSET, type Value } from '../onnx/builder';
import { DataType } from '../onnx/proto';
import type { ReadModel } from '../onnx/reader';
import { decodeModel } from '../onnx/reader';
import { inlineGraph } from './inline';


/** The engine's Gaussian kernel, so the exported blur matches it exactly. */
export const gaussianKernel1d = gaussianKernel;

export interface DetectorGraphSpec {
  manifest: ModelManifest;
  state: DetectorState;
  /** The backbone model as read from its ONNX file, and the name of its image input. */
  backbone: ReadModel;
  backboneInput: string;
  /** Backbone output names of the taps, finest first. */
  tapNames: string[];
  /** Declared batch dimension: 'N' (dynamic) or a fixed size for fixed-batch backbones. */
  batch: number | 'N';
  /** Add pred_label / pred_mask using this raw threshold. */
  threshold?: number;
  metadata: Record<string, string>;
}

export const OUTPUT_NAMES = {
  image: 'image',
  map: 'anomaly_map',
  score: 'pred_score',
  normalized: 'pred_score_normalized',
  label: 'pred_label',
  mask: 'pred_mask',
} as const;

/** [N, k] nearest distances → [N] (k = 1: itself; k > 1: softmin-weighted mean, as reduceNeighbours). */
function reduceK(g: GraphBuilder, nn: Value, k: number): Value {
  if (k === 1) return g.op('Reshape', [nn, g.constInt64([-1])]);
  const first = g.op('Slice', [nn, g.constInt64([0]), g.constInt64([1]), g.constInt64([1])]);
  const w = g.op('Exp', [g.op('Neg', [g.sub(nn, first)])]);
  const num = g.reduceSum(g.mul(w, nn), [1], false);
  return g.op('Div', [num, g.reduceSum(w, [1], false)]);
}

/** Separable Gaussian blur of [N,1,H,W] with clamped borders: Pad(edge) + Conv per axis. */
function blur(g: GraphBuilder, x: Value, sigma: number): Value {
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) >> 1;
  const horizontal = g.op('Pad', [x, g.constInt64([0, 0, 0, r, 0, 0, 0, r])], { mode: attr.string('edge') });
  const h = g.op('Conv', [horizontal, g.constFloat(k, [1, 1, 1, k.length], 'blur_kernel_x')], { kernel_shape: attr.ints([1, k.length]) });
  const vertical = g.op('Pad', [h, g.constInt64([0, 0, r, 0, 0, 0, r, 0])], { mode: attr.string('edge') });
  return g.op('Conv', [vertical, g.constFloat(k, [1, 1, k.length, 1], 'blur_kernel_y')], { kernel_shape: attr.ints([k.length, 1]) });
}

function imageScore(g: GraphBuilder, canvas: Value, topFraction: number): Value {
  const flat = g.op('Reshape', [canvas, g.constInt64([0, -1])]);
  if (topFraction <= 0) return g.op('ReduceMax', [flat], { axes: attr.ints([1]), keepdims: attr.int(0) });
  if (topFraction >= 1) return g.reduceMean(flat, [1], false);
  const n = Math.max(1, Math.round(SCORE_CANVAS * SCORE_CANVAS * topFraction));
  const [top] = g.opN('TopK', [flat, g.constInt64([n])], 2, { axis: attr.int(1), largest: attr.int(1), sorted: attr.int(1) });
  return g.reduceMean(top, [1], false);
}

type Turn = ReturnType<typeof testViewTurns>[number];

/** Reverses one axis (Slice with step −1; an end far below −dim clamps to "before the first"). */
function reverse(g: GraphBuilder, x: Value, axis: number): Value {
  return g.op('Slice', [x, g.constInt64([-1]), g.constInt64([-(2 ** 40)]), g.constInt64([axis]), g.constInt64([-1])]);
}

/**
 * A view of [.., .., S, S] as preprocess.augmentations makes it (out(x, y) = in(source(x, y))):
 * flips reverse an axis; the others transpose the last two axes first.
 */
function turnView(g: GraphBuilder, x: Value, turn: Turn): Value {
  const t = () => g.op('Transpose', [x], { perm: attr.ints([0, 1, 3, 2]) });
  switch (turn) {
    case 'none': return x;
    case 'hflip': return reverse(g, x, 3);
    case 'vflip': return reverse(g, x, 2);
    case 'rot180': return reverse(g, reverse(g, x, 2), 3);
    case 'rot90': return reverse(g, t(), 2);
    case 'rot270': return reverse(g, t(), 3);
    case 'transpose': return t();
    case 'antitranspose': return reverse(g, reverse(g, t(), 2), 3);
  }
}

/** The turn that undoes `turn` (rotations by 90° swap; the rest undo themselves). */
const undo = (turn: Turn): Turn => (turn === 'rot90' ? 'rot270' : turn === 'rot270' ? 'rot90' : turn);

function scalar(g: GraphBuilder, v: number): Value {
  return g.constFloat([v], [1]);
}

export function buildDetectorGraph(spec: DetectorGraphSpec): Uint8Array {
  const { manifest, state } = spec;
  const o: MethodOptions = manifest.options;
  const D = manifest.grid.featureDim;
  const g = new GraphBuilder('anomaly_lens_detector');
  const N = spec.batch;
  const image = g.input(OUTPUT_NAMES.image, [N, 3, 'H', 'W']);
  // Test views (few-shot models): the turned copies go through the backbone as one batch [V·N, …].
  const turns = testViewTurns(o.testViews);
  const V = turns.length;
  const viewed = V > 1 ? g.op('Concat', turns.map((t) => turnView(g, image, t)), { axis: attr.int(0) }) : image;

  // Backbone, renamed under bb/ and fed by the image (or its views).
  const bb = inlineGraph(g, spec.backbone.graph, 'bb/', { [spec.backboneInput]: viewed });
  const taps = spec.tapNames.map((t) => {
    const v = bb.outputs[t];
    if (!v) throw new Error(`backbone has no output '${t}'`);
    return v;
  });

  // Patch features: the engine's graph, inputs tap0..tapK.
  const featSpec: FeatureGraphSpec = {
    tapNames: taps.map((_, i) => `tap${i}`),
    channels: manifest.backbone.channels,
    channelPool: o.channelPool,
    featureDim: o.featureDim,
  };
  const feat = inlineGraph(g, decodeModel(buildFeatureGraph(featSpec)).graph, 'feat/', Object.fromEntries(taps.map((t, i) => [`tap${i}`, t])));
  const patches = feat.outputs.patches; // [N, P, D]
  const global = feat.outputs.global; // [N, D]

  // Scoring: the engine's graph on [N·P, D] rows (MLP, repository constant, MatMul + TopK).
  const rows = g.op('Reshape', [patches, g.constInt64([-1, D])]);
  const scoreGraph = decodeModel(buildDetectorScoreGraph(state, o, D, false)).graph;
  const wire: Record<string, Value> = { patches: rows };
  if (scoreGraph.inputs.some((i) => i.name === 'global')) wire.global = global;
  const score = inlineGraph(g, scoreGraph, 'score/', wire);
  const kEff = o.method !== 'patchcore' && o.scoreMode === 'center' ? 1 : Math.min(o.k, state.bankRows);
  const patchScores = reduceK(g, score.outputs.nn, kEff); // [N·P]

  // Grid [N,1,h,w] from the finest tap's spatial size (pooling keeps it).
  const hw = g.op('Shape', [taps[0]], { start: attr.int(2), end: attr.int(4) });
  let grid = g.op('Reshape', [patchScores, g.op('Concat', [g.constInt64([-1, 1]), hw], { axis: attr.int(0) })]);
  if (V > 1) {
    // [V, N, h, w]: each view's grid turned back, then their mean, as the engine's runScore.
    const perView = g.op('Reshape', [grid, g.op('Concat', [g.constInt64([V, -1]), hw], { axis: attr.int(0) })]);
    const back = turns.map((t, v) => turnView(g, g.op('Slice', [perView, g.constInt64([v]), g.constInt64([v + 1]), g.constInt64([0])]), undo(t)));
    const sum = back.reduce((a, b) => g.add(a, b));
    grid = g.op('Transpose', [g.mul(sum, scalar(g, 1 / V))], { perm: attr.ints([1, 0, 2, 3]) });
  }
  const nc = g.op('Shape', [grid], { start: attr.int(0), end: attr.int(2) });
  const canvasSize = g.op('Concat', [nc, g.constInt64([SCORE_CANVAS, SCORE_CANVAS])], { axis: attr.int(0) });
  const resizeAttrs = { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel') };
  let canvas = g.op('Resize', [grid, '', '', canvasSize], resizeAttrs);
  if (o.blurSigma > 0) canvas = blur(g, canvas, (o.blurSigma * SCORE_CANVAS) / 224);
  // A tiled model's profile belongs to the image's borders, which one tile does not know: the caller corrects the stitched map.
  const edge = manifest.tiling ? undefined : manifest.calibration.pixel?.edgeProfile;
  if (edge) {
    // The engine divides the canvas by the model's edge profile (pixelCalibration.correctEdges).
    const inverse = Float32Array.from(edgeDivisor(edge, SCORE_CANVAS), (v) => 1 / v);
    canvas = g.mul(canvas, g.constFloat(inverse, [1, 1, SCORE_CANVAS, SCORE_CANVAS], 'edge_correction'));
  }

  // Image score, fused with the whole-map and image-level terms as fuseScore does.
  let s = imageScore(g, canvas, o.topFraction); // [N]
  const cal = manifest.calibration;
  const z = (v: Value, st: { mean: number; std: number }) => g.op('Div', [g.sub(v, scalar(g, st.mean)), scalar(g, st.std)]);
  const terms = fusedTerms(o, cal);
  const globalTerm = score.outputs.global_nn !== undefined ? terms.global : undefined;
  if (globalTerm || terms.mapMean) {
    let fused = z(s, cal.patchStats);
    if (globalTerm) {
      const perImage = g.reduceMean(g.op('Reshape', [score.outputs.global_nn, g.constInt64([V, -1])]), [0], false); // mean over views
      fused = g.add(fused, g.mul(scalar(g, globalTerm.weight), z(perImage, globalTerm.stats)));
    }
    if (terms.mapMean) fused = g.add(fused, g.mul(scalar(g, terms.mapMean.weight), z(imageScore(g, canvas, 1), terms.mapMean.stats)));
    s = fused;
  }
  g.output(s, OUTPUT_NAMES.score, [N]);
  const norm = g.add(scalar(g, 0.5), g.op('Div', [g.sub(s, scalar(g, cal.threshold)), scalar(g, 2 * cal.spread)]));
  // Clip bounds must be 0-d scalars.
  g.output(g.op('Clip', [norm, g.constFloat([0], []), g.constFloat([1], [])]), OUTPUT_NAMES.normalized, [N]);

  // The map at input resolution: the canvas resized to H×W (the engine's mapToImage for a full crop).
  const mapSize = g.op('Concat', [nc, g.op('Shape', [image], { start: attr.int(2), end: attr.int(4) })], { axis: attr.int(0) });
  const map = g.op('Resize', [canvas, '', '', mapSize], resizeAttrs);
  g.output(map, OUTPUT_NAMES.map, [N, 1, 'H', 'W']);

  if (spec.threshold !== undefined) {
    const t = scalar(g, spec.threshold);
    const label = g.op('Greater', [s, t]);
    g.output(label, OUTPUT_NAMES.label, [N], DataType.BOOL);
    // As the engine's annotation: pixels at or above the pixel threshold, only in images labelled anomalous.
    const fused = terms.global !== undefined || terms.mapMean !== undefined;
    const pixelT = scalar(g, effectivePixelThreshold(cal.pixel, spec.threshold, fused) ?? spec.threshold);
    const above = g.op('Not', [g.op('Less', [map, pixelT])]);
    const labelNchw = g.op('Unsqueeze', [label, g.constInt64([1, 2, 3])]);
    g.output(g.op('And', [above, labelNchw]), OUTPUT_NAMES.mask, [N, 1, 'H', 'W'], DataType.BOOL);
  }
  return g.toModel(spec.metadata, `Anomaly Lens detector ${manifest.id} (opset ${OPSET}, IR ${IR_VERSION})`);
}
