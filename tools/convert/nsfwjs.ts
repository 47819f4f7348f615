/**
 * The two backbones bundled with Anomaly Lens, converted from the TF.js models inside the npm
 * package `nsfwjs` (MIT). Its model files are CommonJS modules returning the model JSON and
 * base64 weight shards; the package's `exports` map hides them from bare specifiers, so they
 * are required by absolute path.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { convertGraphModel, TfGraphModelJson } from './graphModel';
import { convertLayersModel, TfLayersModelJson } from './layersModel';
import { decodeWeights, TfjsWeightGroup, WeightMap } from './weights';
import type { BackboneScaling } from '../../src/core/backbone/manifest';

export interface BundledTap {
  /** Node (graph model) or layer (layers model) in the TF.js model. */
  source: string;
  /** ONNX output name. */
  name: string;
  stride: number;
  channels: number;
}

export interface BundledBackboneSpec {
  id: string;
  file: string;
  title: string;
  /** Folder under `nsfwjs/dist/models`. */
  modelDir: string;
  kind: 'graph' | 'layers';
  scaling: BackboneScaling;
  inputSize: number;
  /** Finest first. */
  taps: BundledTap[];
  notes: string;
}

export const BUNDLED_BACKBONES: BundledBackboneSpec[] = [
  {
    id: 'mobilenetv2',
    file: 'mobilenetv2.onnx',
    title: 'MobileNetV2 1.4 (nsfwjs "mobilenet_v2_mid")',
    modelDir: 'mobilenet_v2_mid',
    kind: 'graph',
    // The graph's own first ops map [0,1] to [-1,1] (hub_input/Mul ×2, hub_input/Sub −1): feed [0,1].
    scaling: 'unit',
    inputSize: 224,
    taps: [
      { source: 'expanded_conv_6/expand/Relu6', name: 'expanded_conv_6__expand__Relu6', stride: 8, channels: 288 },
      { source: 'expanded_conv_13/expand/Relu6', name: 'expanded_conv_13__expand__Relu6', stride: 16, channels: 816 },
    ],
    notes: 'TF.js graph model, uint8-quantised weights; the input rescaling to [-1,1] is part of the graph.',
  },
  {
    id: 'inceptionv3',
    file: 'inceptionv3.onnx',
    title: 'Inception-V3 (nsfwjs "inception_v3")',
    modelDir: 'inception_v3',
    kind: 'layers',
    // nsfwjs divides pixels by 255 and the Keras model has no rescaling layer: feed [0,1].
    scaling: 'unit',
    inputSize: 224,
    taps: [
      { source: 'mixed2', name: 'mixed2', stride: 8, channels: 288 },
      { source: 'mixed7', name: 'mixed7', stride: 16, channels: 768 },
    ],
    notes: 'TF.js layers model, uint8-quantised weights; BatchNorm folded; fixed 299 input freed ("valid" convs: 25x25 at mixed2 and 12x12 at mixed7 for 224 input).',
  },
];

export interface NsfwjsModelFiles {
  json: unknown;
  shards: Map<string, Uint8Array>;
  /** sha256 over the model file and its shards as shipped: the conversion cache key. */
  sourceHash: string;
  version: string;
  dir: string;
}

/** Locates the nsfwjs package from `fromDir` (the project root) without going through its exports map. */
export function nsfwjsPackageDir(fromDir: string): string {
  let dir = path.resolve(fromDir);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', 'nsfwjs');
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`npm package 'nsfwjs' not found from ${fromDir}; run npm install`);
    dir = up;
  }
}

export function nsfwjsVersion(pkgDir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Hashes the shipped files of one model without evaluating them (cheap up-to-date check). */
export function hashModelFiles(pkgDir: string, modelDir: string): string {
  const dir = path.join(pkgDir, 'dist', 'models', modelDir);
  const h = createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) {
    h.update(f);
    h.update(fs.readFileSync(path.join(dir, f)));
  }
  return h.digest('hex');
}

export function loadNsfwjsModel(pkgDir: string, modelDir: string): NsfwjsModelFiles {
  const dir = path.join(pkgDir, 'dist', 'models', modelDir);
  const req = createRequire(path.join(dir, 'model.min.js'));
  const json = req(path.join(dir, 'model.min.js')) as { weightsManifest: TfjsWeightGroup[] };
  const shards = new Map<string, Uint8Array>();
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const b64 = req(path.join(dir, `${p}.min.js`)) as unknown;
      if (typeof b64 !== 'string') throw new Error(`${dir}/${p}.min.js did not return a base64 string`);
      shards.set(p, new Uint8Array(Buffer.from(b64, 'base64')));
    }
  }
  return { json, shards, sourceHash: hashModelFiles(pkgDir, modelDir), version: nsfwjsVersion(pkgDir), dir };
}

export function weightsOf(files: NsfwjsModelFiles): WeightMap {
  const groups = (files.json as { weightsManifest: TfjsWeightGroup[] }).weightsManifest;
  return decodeWeights(groups, (p) => {
    const s = files.shards.get(p);
    if (!s) throw new Error(`weight shard ${p} missing in ${files.dir}`);
    return s;
  });
}

export interface ConvertedBackbone {
  spec: BundledBackboneSpec;
  onnx: Uint8Array;
  /** Full TF.js node/layer name of each tap, finest first. */
  sourceNodes: string[];
  sourceHash: string;
  version: string;
}

export function convertBundled(spec: BundledBackboneSpec, pkgDir: string): ConvertedBackbone {
  const files = loadNsfwjsModel(pkgDir, spec.modelDir);
  const weights = weightsOf(files);
  const converted =
    spec.kind === 'graph'
      ? convertGraphModel(files.json as TfGraphModelJson, weights, spec.taps.map((t) => ({ node: t.source, output: t.name })), spec.id)
      : convertLayersModel(files.json as TfLayersModelJson, weights, spec.taps.map((t) => t.source), spec.id);
  converted.outputs.forEach((o, i) => {
    if (o.name !== spec.taps[i].name) throw new Error(`converter named tap ${i} '${o.name}', expected '${spec.taps[i].name}'`);
  });
  return { spec, onnx: converted.onnx, sourceNodes: converted.outputs.map((o) => o.node), sourceHash: files.sourceHash, version: files.version };
}

/** A bundled backbone derived from another by int8 quantisation (quantize.ts). */
export interface QuantizedBackboneSpec {
  id: string;
  file: string;
  title: string;
  /** The float backbone it is quantised from. */
  base: string;
  /** Calibration ranges, committed beside the converter (ranges/<id>.json). */
  rangesFile: string;
  notes: string;
}

export const QUANTIZED_BACKBONES: QuantizedBackboneSpec[] = [
  {
    id: 'inceptionv3-int8',
    file: 'inceptionv3-int8.onnx',
    title: 'Inception-V3, int8 (nsfwjs "inception_v3", quantised)',
    base: 'inceptionv3',
    rangesFile: 'inceptionv3-int8.json',
    notes:
      'The inceptionv3 backbone with every convolution in int8 (QDQ: 7-bit per-channel weights, uint8 activations with ranges calibrated on generated textures and MNIST digits); pools and concats in float.',
  },
];

/** Stored calibration: the ranges plus what they were measured on. */
export interface StoredRanges {
  base: string;
  /** sha256 of the float ONNX file the ranges were measured on. */
  baseSha256: string;
  images: number;
  weightBits: 7 | 8;
  ranges: Record<string, [number, number]>;
}
