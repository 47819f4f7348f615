/**
 * Backbone manifest: the small JSON that sits beside an ONNX feature extractor and says how to
 * feed it and which outputs are the feature taps. The bundled backbones are written by
 * `scripts/convert-models.ts`; users write one for their own ONNX model.
 */
import { AnomalyLensError } from '../../shared/errors';

/**
 * How RGB in [0, 1] becomes the network input:
 * - `unit`: unchanged, [0, 1];
 * - `symmetric`: 2x − 1, [−1, 1];
 * - `imagenet`: (x − mean) / std with the ImageNet RGB statistics.
 */
export type BackboneScaling = 'unit' | 'symmetric' | 'imagenet';
export const BACKBONE_SCALINGS: readonly BackboneScaling[] = ['unit', 'symmetric', 'imagenet'];

export interface BackboneTap {
  /** ONNX output name. */
  name: string;
  /** Nominal stride in input pixels (the grid is about input/stride; read real sizes from the output dims). */
  stride: number;
  channels: number;
  /** Grid [height, width] at `inputSize`, when known. */
  grid?: [number, number];
  /** The node or layer of the original model this output comes from. */
  source?: string;
}

export interface BackboneManifest {
  /** Stable identifier recorded in trained models, e.g. `mobilenetv2`. */
  id: string;
  /** ONNX file, relative to the manifest's folder. */
  file: string;
  /** sha256 of the ONNX file; checked on load when present (always present for bundled backbones). */
  sha256?: string;
  /** Name of the float32 NCHW input `[N, 3, H, W]`. */
  input: string;
  /** Default square input size. */
  inputSize: number;
  scaling: BackboneScaling;
  /** Fixed batch size of the export (1 for models exported with batch 1); absent = dynamic. */
  batch?: number;
  /** Feature taps, finest (smallest stride) first. */
  taps: BackboneTap[];
  title?: string;
  licence?: string;
  source?: { package?: string; version?: string; sourceHash?: string; converter?: string; notes?: string };
}

/** The range every input value falls in under `scaling` (RGB in [0, 1] mapped), over all channels. */
export function scalingRange(scaling: BackboneScaling): [number, number] {
  const { scale, offset } = scalingAffine(scaling);
  return [Math.min(...offset), Math.max(...scale.map((s, i) => s + offset[i]))];
}

/** Per-channel affine map from RGB in [0, 1] to the network input: x·scale + offset. */
export function scalingAffine(scaling: BackboneScaling): { scale: [number, number, number]; offset: [number, number, number] } {
  switch (scaling) {
    case 'unit':
      return { scale: [1, 1, 1], offset: [0, 0, 0] };
    case 'symmetric':
      return { scale: [2, 2, 2], offset: [-1, -1, -1] };
    case 'imagenet': {
      const mean = [0.485, 0.456, 0.406];
      const std = [0.229, 0.224, 0.225];
      return {
        scale: [1 / std[0], 1 / std[1], 1 / std[2]],
        offset: [-mean[0] / std[0], -mean[1] / std[1], -mean[2] / std[2]],
      };
    }
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Checks a parsed manifest and returns it typed. Every problem is collected so the user fixes
 * the file in one go; the error names the manifest file and each offending field.
 */
export function validateBackboneManifest(json: unknown, file: string): BackboneManifest {
  const problems: string[] = [];
  if (!isObj(json)) throw invalid(file, ['the manifest is not a JSON object']);
  const m = json;
  if (!isStr(m.id) || !/^[A-Za-z0-9._-]+$/.test(m.id)) problems.push('"id" must be a non-empty string of letters, digits, ".", "_" or "-"');
  if (!isStr(m.file) || !m.file.toLowerCase().endsWith('.onnx')) problems.push('"file" must name the .onnx file (relative to the manifest)');
  if (m.sha256 !== undefined && (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256))) problems.push('"sha256" must be 64 lowercase hex digits');
  if (!isStr(m.input)) problems.push('"input" must name the model input');
  if (!isPosInt(m.inputSize) || m.inputSize < 32) problems.push('"inputSize" must be an integer ≥ 32');
  if (!BACKBONE_SCALINGS.includes(m.scaling as BackboneScaling)) problems.push(`"scaling" must be one of ${BACKBONE_SCALINGS.map((s) => `'${s}'`).join(', ')}`);
  if (m.batch !== undefined && !isPosInt(m.batch)) problems.push('"batch" must be a positive integer when given');
  if (!Array.isArray(m.taps) || m.taps.length === 0) {
    problems.push('"taps" must be a non-empty array of {name, stride, channels}');
  } else {
    const names = new Set<string>();
    m.taps.forEach((t: unknown, i: number) => {
      if (!isObj(t)) return problems.push(`taps[${i}] must be an object`);
      if (!isStr(t.name)) problems.push(`taps[${i}].name must name a model output`);
      else if (names.has(t.name)) problems.push(`taps[${i}].name '${t.name}' is listed twice`);
      else names.add(t.name);
      if (!isPosInt(t.stride)) problems.push(`taps[${i}].stride must be a positive integer`);
      if (!isPosInt(t.channels)) problems.push(`taps[${i}].channels must be a positive integer`);
      if (t.grid !== undefined && !(Array.isArray(t.grid) && t.grid.length === 2 && t.grid.every(isPosInt))) problems.push(`taps[${i}].grid must be [height, width]`);
      const prev = m.taps as { stride?: unknown }[];
      if (i > 0 && isPosInt(t.stride) && isPosInt(prev[i - 1].stride) && t.stride < (prev[i - 1].stride as number)) {
        problems.push('"taps" must be listed finest first (non-decreasing stride)');
      }
    });
  }
  if (problems.length > 0) throw invalid(file, problems);
  return m as unknown as BackboneManifest;
}

function invalid(file: string, problems: string[]): AnomalyLensError {
  return new AnomalyLensError('BACKBONE_INVALID', `backbone manifest is invalid: ${problems.join('; ')}`, {
    file,
    hint: 'see docs/backbones.md for the manifest format',
  });
}
