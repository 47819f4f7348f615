/**
 * `anomaly-lens export --model <dir> --out detector.onnx`: one self-contained ONNX file plus its
 * sidecar JSON (also inside the file's metadata); `--triton <dir>` also writes a Triton model repository.
 */
import * as path from 'node:path';
import { exportDetector, writeExport, writeTritonRepository } from '../../core/export/exportModel';
import { AnomalyLensError } from '../../shared/errors';
import { flag, num, parse, positiveInt, required, str, UsageError } from '../args';
import type { CliIo } from '../io';

export const EXPORT_HELP = `anomaly-lens export --model <model dir> --out <detector.onnx> [options]
  --out <file.onnx>        the exported detector; its sidecar JSON goes beside it (<file>.json)
  --labels                 add pred_label and pred_mask outputs at the model's threshold
  --threshold <raw>        ... at this raw threshold instead (implies --labels)
  --triton <dir>           also write a Triton model repository (<dir>/<name>/config.pbtxt, 1/model.onnx)
  --triton-name <name>     model name in the repository (default anomaly_lens)
  --max-batch <n>          Triton max_batch_size (default 8)
  --triton-cpu             Triton instance_group on CPU instead of GPU
  --fixed-batch            accept a backbone exported with a fixed batch size (the file then has that batch)
  --json  --quiet
Input: image float32 [N,3,H,W], preprocessed as the sidecar says. Outputs: anomaly_map [N,1,H,W],
pred_score [N] (raw), pred_score_normalized [N] (threshold at 0.5). ONNX opset 17, IR version 8.`;

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(
    args,
    {
      model: { type: 'string', short: 'm' },
      out: { type: 'string', short: 'o' },
      labels: { type: 'boolean' },
      threshold: { type: 'string' },
      triton: { type: 'string' },
      'triton-name': { type: 'string' },
      'max-batch': { type: 'string' },
      'triton-cpu': { type: 'boolean' },
      'fixed-batch': { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (flag(v, 'help')) {
    io.out(`${EXPORT_HELP}\n`);
    return 0;
  }
  void positionals;
  const modelDir = path.resolve(io.cwd, required(v, 'model', 'export'));
  const out = path.resolve(io.cwd, required(v, 'out', 'export'));
  if (!/\.onnx$/i.test(out)) throw new UsageError(`--out must name a .onnx file, got "${str(v, 'out')}"`);
  const raw = num(v, 'threshold');
  const name = str(v, 'triton-name') ?? 'anomaly_lens';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new AnomalyLensError('BAD_ARGUMENT', `--triton-name "${name}" must be letters, digits, '_', '.', '-'`);
  const started = io.now();
  const result = await exportDetector({ modelDir, threshold: raw ?? (flag(v, 'labels') ? true : undefined), allowFixedBatch: flag(v, 'fixed-batch') });
  const written = await writeExport(result, out);
  const tritonDir = str(v, 'triton')
    ? await writeTritonRepository(result, path.resolve(io.cwd, str(v, 'triton') as string), {
        name,
        maxBatchSize: num(v, 'max-batch', positiveInt, 'a positive integer') ?? 8,
        instances: 1,
        kind: flag(v, 'triton-cpu') ? 'KIND_CPU' : 'KIND_GPU',
      })
    : undefined;
  const summary = { ...written, triton: tritonDir, bytes: result.bytes.length, seconds: (io.now() - started) / 1000, sidecar: result.sidecar };
  if (flag(v, 'json')) io.out(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!flag(v, 'quiet')) {
    io.out(`exported ${result.sidecar.model.id} (${(result.bytes.length / 1e6).toFixed(1)} MB, opset ${result.sidecar.onnx.opset}, IR ${result.sidecar.onnx.irVersion}, batch ${result.sidecar.onnx.batch})\n`);
    io.out(`  model:   ${written.onnx}\n  sidecar: ${written.sidecar}\n${tritonDir ? `  triton:  ${tritonDir}\n` : ''}`);
    io.out(`  input:   image float32 [N,3,${result.sidecar.preprocessing.size},${result.sidecar.preprocessing.size}], scaling '${result.sidecar.preprocessing.scaling.name}'\n`);
  }
  return 0;
}
