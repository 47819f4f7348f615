import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AnomalyLensError } from '../../shared/errors';
import { MODEL_FORMAT_VERSION, ModelManifest } from '../../shared/model';
import type { DetectorState } from '../method/detector';
import { replaceDirAtomic } from '../io/atomic';

export const MANIFEST_FILE = 'model.json';

/** The arrays of a detector by name, in a fixed order (the order files are written). */
export function stateArrays(state: DetectorState): Record<string, { data: Float32Array; shape: number[] }> {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  const d = state.bank.length / Math.max(1, state.bankRows);
  out.bank = { data: state.bank, shape: [state.bankRows, d] };
  if (state.center) out.center = { data: state.center, shape: [state.center.length] };
  if (state.jointScale) out.joint_scale = { data: Float32Array.from(state.jointScale), shape: [2] };
  if (state.rawProjection && state.head) {
    const D = state.head.sizes[0];
    out.raw_projection = { data: state.rawProjection, shape: [D, state.rawProjection.length / D] };
  }
  if (state.globalBank) out.global_bank = { data: state.globalBank, shape: [state.globalRows, state.globalBank.length / state.globalRows] };
  state.head?.weights.forEach((w, l) => (out[`W${l}`] = { data: w, shape: [state.head!.sizes[l], state.head!.sizes[l + 1]] }));
  state.head?.biases.forEach((b, l) => (out[`b${l}`] = { data: b, shape: [state.head!.sizes[l + 1]] }));
  return out;
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Writes manifest + arrays into a fresh sibling folder, then swaps it into place, so a reader
 * never sees a half-written model.
 */
export async function writeModel(dir: string, manifest: ModelManifest, state: DetectorState): Promise<ModelManifest> {
  const arrays: ModelManifest['arrays'] = {};
  let full = manifest;
  await replaceDirAtomic(path.resolve(dir), async (tmp) => {
    await fs.mkdir(tmp, { recursive: true });
    for (const [name, a] of Object.entries(stateArrays(state))) {
      const file = `${name}.f32`;
      const bytes = bytesOf(a.data);
      await fs.writeFile(path.join(tmp, file), bytes);
      arrays[name] = { file, dtype: 'float32', shape: a.shape, sha256: sha256(bytes) };
    }
    full = { ...manifest, arrays };
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(full, null, 2) + '\n');
  });
  return full;
}

export async function readModelManifest(dir: string): Promise<ModelManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new AnomalyLensError('MODEL_INVALID', 'no model here (model.json missing)', { file: dir, hint: 'train a model first, or point to the folder that holds model.json' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AnomalyLensError('MODEL_INVALID', `model.json is not valid JSON: ${(err as Error).message}`, { file });
  }
  return validateManifest(json, file);
}

function validateManifest(json: unknown, file: string): ModelManifest {
  const bad = (what: string): never => {
    throw new AnomalyLensError('MODEL_INVALID', `model.json: ${what}`, { file, hint: 'retrain the model' });
  };
  if (typeof json !== 'object' || json === null) return bad('not an object');
  const m = json as Partial<ModelManifest>;
  if (typeof m.formatVersion !== 'number') return bad('formatVersion missing');
  if (m.formatVersion > MODEL_FORMAT_VERSION) {
    throw new AnomalyLensError('MODEL_NEWER_FORMAT', `model format ${m.formatVersion} is newer than this tool reads (${MODEL_FORMAT_VERSION})`, {
      file,
      hint: 'update Anomaly Lens',
    });
  }
  if (typeof m.id !== 'string' || !m.id) bad('id missing');
  if (!m.backbone || typeof m.backbone.id !== 'string' || typeof m.backbone.sha256 !== 'string') bad('backbone id/sha256 missing');
  if (!m.options || (m.options.method !== 'gpmlp' && m.options.method !== 'patchcore')) bad('options.method missing or unknown');
  if (!m.preprocess || !(m.preprocess.crop > 0)) bad('preprocess missing');
  if (!m.grid || !(m.grid.featureDim > 0)) bad('grid missing');
  const t = m.tiling;
  if (t !== undefined && !(t && Number.isInteger(t.tile) && t.tile >= 32 && t.overlap >= 0 && t.overlap < t.tile && t.scale > 0)) bad('tiling must give tile ≥ 32, 0 ≤ overlap < tile and scale > 0');
  const c = m.calibration;
  if (!c || !Number.isFinite(c.threshold) || !(c.spread > 0) || !c.patchStats) bad('calibration missing or invalid');
  if (!m.arrays || !m.arrays.bank) bad('arrays.bank missing');
  // Models saved before the whole-map term and view counts existed read as they were made.
  if (m.options && m.options.mapMeanWeight === undefined) m.options.mapMeanWeight = 0;
  if (m.options && m.options.augmentViews === undefined) m.options.augmentViews = 6;
  if (m.options && m.options.testViews === undefined) m.options.testViews = 1;
  if (m.options && !(m.options.mapMeanWeight >= 0)) bad('options.mapMeanWeight must be ≥ 0');
  return m as ModelManifest;
}

export async function readModelArrays(dir: string, manifest: ModelManifest): Promise<DetectorState> {
  const arrays: Record<string, Float32Array> = {};
  for (const [name, spec] of Object.entries(manifest.arrays)) {
    const file = path.join(dir, spec.file);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(file));
    } catch {
      throw new AnomalyLensError('MODEL_INVALID', `array '${name}' is missing`, { file, hint: 'the model folder is incomplete; retrain or restore it' });
    }
    const expected = spec.shape.reduce((a, b) => a * b, 1) * 4;
    if (bytes.length !== expected) throw new AnomalyLensError('MODEL_INVALID', `array '${name}' has ${bytes.length} bytes, expected ${expected}`, { file });
    if (sha256(bytes) !== spec.sha256) throw new AnomalyLensError('MODEL_INVALID', `array '${name}' does not match its checksum (corrupted?)`, { file });
    arrays[name] = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  const layers = Object.keys(arrays).filter((k) => /^W\d+$/.test(k)).length;
  const state: DetectorState = {
    bank: arrays.bank,
    bankRows: manifest.arrays.bank.shape[0],
    center: arrays.center,
    globalBank: arrays.global_bank,
    globalRows: manifest.arrays.global_bank?.shape[0] ?? 0,
    jointScale: arrays.joint_scale ? [arrays.joint_scale[0], arrays.joint_scale[1]] : undefined,
    rawProjection: arrays.raw_projection,
  };
  if (layers > 0) {
    const sizes = [manifest.arrays.W0.shape[0], ...Array.from({ length: layers }, (_, l) => manifest.arrays[`W${l}`].shape[1])];
    state.head = {
      sizes,
      weights: Array.from({ length: layers }, (_, l) => arrays[`W${l}`]),
      biases: Array.from({ length: layers }, (_, l) => arrays[`b${l}`]),
    };
  }
  return state;
}
