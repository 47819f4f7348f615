/**
 * Runs a backbone (bundled or user-supplied ONNX + manifest) on onnxruntime and returns its
 * feature taps, finest first.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnomalyLensError } from '../../shared/errors';
import { createSession, RuntimeOptions, Session, tensor } from '../onnx/runtime';
import { BackboneManifest, validateBackboneManifest } from './manifest';

export const BUNDLED_BACKBONE_IDS = ['mobilenetv2', 'inceptionv3', 'inceptionv3-int8'] as const;
export type BundledBackboneId = (typeof BUNDLED_BACKBONE_IDS)[number];

export interface TapOutput {
  data: Float32Array;
  /** [N, C, h, w] */
  dims: number[];
}

export interface Backbone {
  readonly manifest: BackboneManifest;
  /** sha256 of the ONNX file actually loaded. */
  readonly sha256: string;
  readonly manifestPath: string;
  readonly provider: string;
  /** Input float32 NCHW, already scaled as `manifest.scaling` says. */
  run(input: Float32Array, dims: [number, number, number, number]): Promise<{ taps: TapOutput[] }>;
  release(): Promise<void>;
}

/**
 * The folder holding the bundled models: $ANOMALY_LENS_MODELS, else `models/` of the package
 * root, found by walking up from this module (works from src/ under tsx and from the bundle in
 * dist/) and from the working directory.
 */
export function findModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ANOMALY_LENS_MODELS) return path.resolve(env.ANOMALY_LENS_MODELS);
  const starts = [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()].filter((s): s is string => !!s);
  for (const start of starts) {
    const root = findPackageRoot(start);
    if (root) return path.join(root, 'models');
  }
  return path.resolve(starts[0], 'models');
}

function findPackageRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'anomaly-lens') return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Bundled id → its manifest path; a .json path → itself; a .onnx path → the manifest beside it. */
export function resolveManifestPath(ref: string, modelsDir = findModelsDir()): string {
  if ((BUNDLED_BACKBONE_IDS as readonly string[]).includes(ref)) return path.join(modelsDir, `${ref}.manifest.json`);
  const abs = path.resolve(ref);
  if (abs.toLowerCase().endsWith('.onnx')) {
    const base = abs.slice(0, -'.onnx'.length);
    const candidates = [`${base}.manifest.json`, `${base}.json`];
    const hit = candidates.find((c) => fs.existsSync(c));
    if (!hit) {
      throw new AnomalyLensError('BACKBONE_MISSING', 'an ONNX backbone needs a manifest beside it', {
        file: abs,
        hint: `write ${path.basename(candidates[0])} (input name, scaling, taps); see docs/backbones.md`,
      });
    }
    return hit;
  }
  return abs;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export function readBackboneManifest(manifestPath: string, bundled: boolean): BackboneManifest {
  if (!fs.existsSync(manifestPath)) {
    throw new AnomalyLensError('BACKBONE_MISSING', bundled ? 'the bundled backbone has not been converted yet' : 'backbone manifest not found', {
      file: manifestPath,
      hint: bundled ? 'run npm run build' : 'pass a bundled id (mobilenetv2, inceptionv3) or the path to a backbone manifest',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new AnomalyLensError('BACKBONE_INVALID', `backbone manifest is not valid JSON (${(err as Error).message})`, { file: manifestPath, cause: err });
  }
  return validateBackboneManifest(json, manifestPath);
}

export async function loadBackbone(ref: string, runtime: RuntimeOptions): Promise<Backbone> {
  const bundled = (BUNDLED_BACKBONE_IDS as readonly string[]).includes(ref);
  const manifestPath = resolveManifestPath(ref);
  const manifest = readBackboneManifest(manifestPath, bundled);
  const onnxPath = path.resolve(path.dirname(manifestPath), manifest.file);
  if (!fs.existsSync(onnxPath)) {
    throw new AnomalyLensError('BACKBONE_MISSING', `backbone '${manifest.id}' model file is missing`, {
      file: onnxPath,
      hint: bundled ? 'run npm run build' : `put the ONNX file where the manifest's "file" points`,
    });
  }
  const bytes = new Uint8Array(fs.readFileSync(onnxPath));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (manifest.sha256 && manifest.sha256 !== sha256) {
    throw new AnomalyLensError('BACKBONE_INVALID', `backbone '${manifest.id}' file does not match its manifest (sha256 ${sha256.slice(0, 12)}…, expected ${manifest.sha256.slice(0, 12)}…)`, {
      file: onnxPath,
      hint: bundled ? 'run npm run build -- to reconvert (or npx tsx scripts/convert-models.ts --force)' : 'update "sha256" in the manifest or restore the original file',
    });
  }
  let session: Session;
  try {
    session = await createSession(bytes, runtime);
  } catch (err) {
    throw new AnomalyLensError('BACKBONE_INVALID', `onnxruntime cannot load backbone '${manifest.id}': ${(err as Error).message.split('\n')[0]}`, { file: onnxPath, cause: err });
  }
  const missing = [
    ...(session.inputNames.includes(manifest.input) ? [] : [`input '${manifest.input}' (model has ${session.inputNames.join(', ')})`]),
    ...manifest.taps.filter((t) => !session.outputNames.includes(t.name)).map((t) => `output '${t.name}'`),
  ];
  if (missing.length > 0) {
    await session.release();
    throw new AnomalyLensError('BACKBONE_INVALID', `backbone '${manifest.id}' lacks ${missing.join(', ')}; model outputs: ${session.outputNames.join(', ')}`, {
      file: manifestPath,
      hint: 'fix the names in the manifest',
    });
  }
  runtime.log?.(`backbone ${manifest.id} (${sha256.slice(0, 12)}) on ${session.provider}`);
  return new OnnxBackbone(manifest, sha256, manifestPath, session);
}

class OnnxBackbone implements Backbone {
  private checkedChannels = false;

  constructor(
    readonly manifest: BackboneManifest,
    readonly sha256: string,
    readonly manifestPath: string,
    private readonly session: Session,
  ) {}

  get provider(): string {
    return this.session.provider;
  }

  async run(input: Float32Array, dims: [number, number, number, number]): Promise<{ taps: TapOutput[] }> {
    const [n, c, h, w] = dims;
    if (c !== 3 || n < 1 || h < 1 || w < 1 || input.length !== n * c * h * w) {
      throw new AnomalyLensError('BAD_ARGUMENT', `backbone input must be float32 [N,3,H,W] with matching length; got dims [${dims.join(',')}] and ${input.length} values`);
    }
    const fixed = this.manifest.batch;
    if (fixed !== undefined && n % fixed !== 0) {
      throw new AnomalyLensError('BAD_ARGUMENT', `backbone '${this.manifest.id}' runs batches of ${fixed}; got N = ${n}`);
    }
    const chunk = fixed ?? n;
    const per = chunk * c * h * w;
    const parts: TapOutput[][] = [];
    for (let at = 0; at < n; at += chunk) {
      const feed = chunk === n ? input : input.subarray((at / chunk) * per, (at / chunk + 1) * per);
      const out = await this.session.run({ [this.manifest.input]: tensor(feed, [chunk, c, h, w]) });
      parts.push(this.manifest.taps.map((t) => ({ data: out[t.name].data as Float32Array, dims: out[t.name].dims.map(Number) })));
    }
    const taps = parts.length === 1 ? parts[0] : this.manifest.taps.map((_, i) => concatBatch(parts.map((p) => p[i])));
    if (!this.checkedChannels) {
      taps.forEach((t, i) => {
        const want = this.manifest.taps[i];
        if (t.dims.length !== 4 || t.dims[1] !== want.channels) {
          throw new AnomalyLensError('BACKBONE_INVALID', `tap '${want.name}' has dims [${t.dims.join(',')}], manifest says ${want.channels} channels (NCHW)`, {
            file: this.manifestPath,
          });
        }
      });
      this.checkedChannels = true;
    }
    return { taps };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

function concatBatch(parts: TapOutput[]): TapOutput {
  const total = parts.reduce((s, p) => s + p.data.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  const dims = [...parts[0].dims];
  dims[0] = parts.reduce((s, p) => s + p.dims[0], 0);
  return { data, dims };
}
