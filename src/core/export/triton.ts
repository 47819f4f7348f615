/**
 * A Triton Inference Server model repository for an exported detector:
 *   <repo>/<name>/config.pbtxt, <repo>/<name>/1/model.onnx, <repo>/<name>/sidecar.json
 * Batched model (max_batch_size > 0): Triton adds the batch dimension, so dims omit it and the
 * per-image scalar outputs are declared [1] and reshaped to [] (Triton's idiom for [N] outputs).
 */
import type { ExportSidecar } from './sidecar';

export interface TritonOptions {
  name: string;
  maxBatchSize: number;
  /** Instances per GPU (or CPU when kind is KIND_CPU). */
  instances: number;
  kind: 'KIND_GPU' | 'KIND_CPU';
}

const BOOL_OUTPUTS = new Set(['pred_label', 'pred_mask']);

export function tritonConfig(sidecar: ExportSidecar, o: TritonOptions): string {
  const size = sidecar.preprocessing.size;
  const batched = sidecar.onnx.batch === 'dynamic' && o.maxBatchSize > 0;
  const out = (name: string): string => {
    const type = BOOL_OUTPUTS.has(name) ? 'TYPE_BOOL' : 'TYPE_FP32';
    const perImage = name === 'anomaly_map' || name === 'pred_mask' ? `[ 1, ${size}, ${size} ]` : '[ 1 ]';
    const reshape = perImage === '[ 1 ]' && batched ? '\n    reshape: { shape: [ ] }' : '';
    const dims = batched ? perImage : name === 'anomaly_map' || name === 'pred_mask' ? `[ -1, 1, ${size}, ${size} ]` : '[ -1 ]';
    return `  {\n    name: "${name}"\n    data_type: ${type}\n    dims: ${dims}${reshape}\n  }`;
  };
  return [
    `# Anomaly Lens detector ${sidecar.model.id} (backbone ${sidecar.backbone.id}); see sidecar.json for preprocessing.`,
    `name: "${o.name}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${batched ? o.maxBatchSize : 0}`,
    'input [',
    `  {\n    name: "${sidecar.onnx.input}"\n    data_type: TYPE_FP32\n    dims: ${batched ? `[ 3, ${size}, ${size} ]` : `[ -1, 3, ${size}, ${size} ]`}\n  }`,
    ']',
    'output [',
    sidecar.onnx.outputs.map(out).join(',\n'),
    ']',
    ...(batched ? ['dynamic_batching { }'] : []),
    `instance_group [ { count: ${o.instances}, kind: ${o.kind} } ]`,
    '',
  ].join('\n');
}
