/**
 * `export`: a trained model folder → one self-contained ONNX file (+ sidecar JSON, optionally a
 * Triton model repository). Refuses what it cannot export faithfully, with the reason and a fix.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AnomalyLensError } from '../../shared/errors';
import { readBackboneManifest, resolveManifestPath, BUNDLED_BACKBONE_IDS } from '../backbone/backbone';
import { writeFileAtomic } from '../io/atomic';
import { readModelArrays, readModelManifest } from '../model/modelFile';
import { OPSET } from '../onnx/builder';
import { decodeModel, defaultOpset, OnnxReadError, type ReadModel } from '../onnx/reader';
import { fusedTerms } from '../method/detector';
import { buildDetectorGraph } from './detectorGraph';
import { makeSidecar, SIDECAR_KEY, type ExportSidecar } from './sidecar';
import { tritonConfig, type TritonOptions } from './triton';

/** Oldest backbone opset accepted: ops revised in 14–17 keep their opset-13 meaning at default attributes. */
export const MIN_BACKBONE_OPSET = 13;

export interface ExportOptions {
  modelDir: string;
  /** Add pred_label / pred_mask: true = the model's calibrated threshold, a number = that raw threshold. */
  threshold?: boolean | number;
  /** Accept a fixed-batch backbone and export with that fixed batch size. */
  allowFixedBatch?: boolean;
}

export interface ExportResult {
  bytes: Uint8Array;
  sidecar: ExportSidecar;
  backboneNodes: number;
}

async function readBackbone(ref: string, expectedSha: string, modelDir: string): Promise<{ model: ReadModel; input: string; taps: string[]; batch?: number; stride: number }> {
  const bundled = (BUNDLED_BACKBONE_IDS as readonly string[]).includes(ref);
  const manifestPath = resolveManifestPath(ref);
  const bm = readBackboneManifest(manifestPath, bundled);
  const onnxPath = path.resolve(path.dirname(manifestPath), bm.file);
  const bytes = new Uint8Array(await fs.readFile(onnxPath).catch(() => {
    throw new AnomalyLensError('BACKBONE_MISSING', `backbone '${bm.id}' model file is missing`, { file: onnxPath, hint: bundled ? 'run npm run build' : 'restore the backbone file' });
  }));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== expectedSha) {
    throw new AnomalyLensError('MODEL_BACKBONE_MISMATCH', `model was trained with backbone ${bm.id} ${expectedSha.slice(0, 12)}…, the file found is ${sha.slice(0, 12)}…`, {
      file: modelDir,
      hint: 'export with the backbone the model was trained on, or retrain',
    });
  }
  let model: ReadModel;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    if (err instanceof OnnxReadError) throw new AnomalyLensError('BACKBONE_INVALID', `cannot export this backbone: ${err.message}`, { file: onnxPath, cause: err });
    throw err;
  }
  const opset = defaultOpset(model);
  const others = model.opsetImports.filter((o) => !(o.domain === '' || o.domain === 'ai.onnx'));
  if (others.length > 0 || model.graph.nodes.some((n) => n.domain && n.domain !== 'ai.onnx')) {
    throw new AnomalyLensError('BACKBONE_INVALID', `backbone uses operator domains ${others.map((o) => o.domain).join(', ') || '(custom)'}; the export supports the default ONNX domain only`, {
      file: onnxPath,
      hint: 're-export the backbone with standard ONNX operators',
    });
  }
  if (opset === undefined || opset < MIN_BACKBONE_OPSET || opset > OPSET) {
    throw new AnomalyLensError('BACKBONE_INVALID', `backbone opset ${opset ?? 'missing'}; the export merges backbones of opset ${MIN_BACKBONE_OPSET}–${OPSET} into an opset-${OPSET} file`, {
      file: onnxPath,
      hint: `re-export the backbone at opset ${OPSET} (e.g. torch.onnx.export(..., opset_version=${OPSET}))`,
    });
  }
  return { model, input: bm.input, taps: bm.taps.map((t) => t.name), batch: bm.batch, stride: bm.taps[0].stride };
}

/** Builds the exported detector in memory. */
export async function exportDetector(opts: ExportOptions): Promise<ExportResult> {
  const manifest = await readModelManifest(opts.modelDir);
  const state = await readModelArrays(opts.modelDir, manifest);
  const bb = await readBackbone(manifest.backbone.ref ?? manifest.backbone.id, manifest.backbone.sha256, opts.modelDir);
  if (bb.batch !== undefined && !opts.allowFixedBatch) {
    throw new AnomalyLensError('BACKBONE_INVALID', `backbone '${manifest.backbone.id}' was exported with a fixed batch of ${bb.batch}; the exported detector would accept only N = ${bb.batch}`, {
      file: opts.modelDir,
      hint: 're-export the backbone with a dynamic batch dimension, or pass --fixed-batch to export for N = ' + bb.batch,
    });
  }
  if (manifest.grid.height > 112 || manifest.grid.width > 112) {
    throw new AnomalyLensError('BAD_ARGUMENT', `patch grid ${manifest.grid.height}x${manifest.grid.width} is larger than the 112x112 score canvas; the engine antialiases there, which opset ${OPSET} Resize cannot reproduce`, {
      file: opts.modelDir,
      hint: 'train at a smaller --crop',
    });
  }
  if (manifest.tiling && fusedTerms(manifest.options, manifest.calibration).global) {
    throw new AnomalyLensError('BAD_ARGUMENT', `this model is tiled and fuses an image-level term, which the engine averages over an image's tiles; the exported graph scores one tile and does not return that term`, {
      file: opts.modelDir,
      hint: 'retrain with --global-weight 0 (or --tile off) to export it',
    });
  }
  const threshold = opts.threshold === true ? manifest.calibration.threshold : typeof opts.threshold === 'number' ? opts.threshold : undefined;
  const batch = bb.batch ?? 'N';
  const sidecar = makeSidecar(manifest, { threshold, batch: batch === 'N' ? 'dynamic' : batch, finestStride: bb.stride });
  const bytes = buildDetectorGraph({
    manifest,
    state,
    backbone: bb.model,
    backboneInput: bb.input,
    tapNames: bb.taps,
    batch,
    threshold,
    metadata: { [SIDECAR_KEY]: JSON.stringify(sidecar), 'anomaly_lens.model_id': manifest.id, 'anomaly_lens.threshold': String(sidecar.threshold.raw) },
  });
  return { bytes, sidecar, backboneNodes: bb.model.graph.nodes.length };
}

/** The sidecar's path for an exported file: detector.onnx → detector.json. */
export const sidecarPathFor = (onnxFile: string): string => onnxFile.replace(/\.onnx$/i, '') + '.json';

export async function writeExport(result: ExportResult, outFile: string): Promise<{ onnx: string; sidecar: string }> {
  const sidecar = sidecarPathFor(outFile);
  await writeFileAtomic(outFile, result.bytes);
  await writeFileAtomic(sidecar, `${JSON.stringify(result.sidecar, null, 2)}\n`);
  return { onnx: outFile, sidecar };
}

export async function writeTritonRepository(result: ExportResult, repoDir: string, o: TritonOptions): Promise<string> {
  const dir = path.join(repoDir, o.name);
  await writeFileAtomic(path.join(dir, '1', 'model.onnx'), result.bytes);
  await writeFileAtomic(path.join(dir, 'config.pbtxt'), tritonConfig(result.sidecar, o));
  await writeFileAtomic(path.join(dir, 'sidecar.json'), `${JSON.stringify(result.sidecar, null, 2)}\n`);
  return dir;
}
