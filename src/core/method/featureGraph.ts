import { attr, GraphBuilder, Value } from '../onnx/builder';

/**
 * Patch features from backbone taps (METHOD §1), as one ONNX graph:
 * 3x3 average pooling per tap → bilinear upsampling to the finest tap's grid → channel concat →
 * adaptive average pooling over channels to `featureDim` → [N, H*W, D] patches and [N, D] global mean.
 */
export function adaptivePoolMatrix(inDim: number, outDim: number): Float32Array {
  const m = new Float32Array(inDim * outDim);
  for (let j = 0; j < outDim; j++) {
    const start = Math.floor((j * inDim) / outDim);
    const end = Math.ceil(((j + 1) * inDim) / outDim);
    for (let i = start; i < end; i++) m[i * outDim + j] = 1 / (end - start);
  }
  return m;
}

export interface FeatureGraphSpec {
  tapNames: string[];
  channels: number[];
  /** Average groups of this many neighbouring channels per tap (1 = off; taps it does not divide are kept). */
  channelPool: number;
  /** Adaptive pooling of the concatenated channels to this size (0 = off). */
  featureDim: number;
}

function pooledChannels(spec: FeatureGraphSpec): number[] {
  return spec.channels.map((c) => (spec.channelPool > 1 && c % spec.channelPool === 0 ? c / spec.channelPool : c));
}

export function outputDim(spec: FeatureGraphSpec): number {
  const total = pooledChannels(spec).reduce((a, b) => a + b, 0);
  return spec.featureDim > 0 && spec.featureDim < total ? spec.featureDim : total;
}

export function buildFeatureGraph(spec: FeatureGraphSpec): Uint8Array {
  const g = new GraphBuilder('patch_features');
  const channels = pooledChannels(spec);
  const pooled: Value[] = spec.tapNames.map((name, i) => {
    let x = g.input(name, ['N', spec.channels[i], `H${i}`, `W${i}`]);
    if (channels[i] !== spec.channels[i]) {
      // [N, C, H, W] → [N, C/f, f, H, W] → mean over the group axis.
      const f = spec.channelPool;
      const hw = g.op('Shape', [x], { start: attr.int(2) });
      const shape5 = g.op('Concat', [g.constInt64([0, channels[i], f]), hw], { axis: attr.int(0) });
      x = g.reduceMean(g.op('Reshape', [x, shape5]), [2], false);
    }
    return g.op('AveragePool', [x], {
      kernel_shape: attr.ints([3, 3]),
      strides: attr.ints([1, 1]),
      pads: attr.ints([1, 1, 1, 1]),
      count_include_pad: attr.int(0),
    });
  });
  const gridShape = g.op('Shape', [pooled[0]], { start: attr.int(2) });
  const aligned = pooled.map((p, i) => {
    if (i === 0) return p;
    const sizes = g.op('Concat', [g.op('Shape', [p], { end: attr.int(2) }), gridShape], { axis: attr.int(0) });
    return g.op('Resize', [p, '', '', sizes], {
      mode: attr.string('linear'),
      coordinate_transformation_mode: attr.string('half_pixel'),
    });
  });
  const cat = aligned.length > 1 ? g.op('Concat', aligned, { axis: attr.int(1) }) : aligned[0];
  const total = channels.reduce((a, b) => a + b, 0);
  const nhwc = g.transpose(cat, [0, 2, 3, 1]);
  const flat = g.op('Reshape', [nhwc, g.constInt64([0, -1, total])]);
  const d = outputDim(spec);
  const reduced = d < total ? g.matmul(flat, g.constFloat(adaptivePoolMatrix(total, d), [total, d], 'channel_pool')) : flat;
  g.output(reduced, 'patches', ['N', 'P', d]);
  g.output(g.reduceMean(reduced, [1], false), 'global', ['N', d]);
  g.output(g.op('Cast', [gridShape], { to: attr.int(1) }), 'grid', [2]);
  return g.toModel({ 'anomaly-lens:graph': 'patch_features' });
}
