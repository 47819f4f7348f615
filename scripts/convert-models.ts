/**
 * Build step: converts the TF.js models shipped in `nsfwjs` into the bundled ONNX backbones
 * (`models/<id>.onnx` + `models/<id>.manifest.json`). Skips a backbone whose manifest records
 * the same source hash and converter version and whose ONNX file still matches its sha256.
 *
 * The int8 variants (QUANTIZED_BACKBONES) are then derived from their float base with the
 * committed calibration ranges (tools/convert/ranges/); `--calibrate` re-measures
 * those ranges on generated images and rewrites the file (needed when the float model changes).
 *
 *   npx tsx scripts/convert-models.ts [--force] [--only <id>] [--out <dir>] [--calibrate]
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BUNDLED_BACKBONES,
  convertBundled,
  hashModelFiles,
  nsfwjsPackageDir,
  nsfwjsVersion,
  QUANTIZED_BACKBONES,
  QuantizedBackboneSpec,
  StoredRanges,
} from '../tools/convert/nsfwjs';
import { calibrateRanges, calibrationInputs, roundRanges } from '../tools/convert/calibrate';
import { DEFAULT_QUANTIZE, quantisedTensors, quantizeConvGraph } from '../tools/convert/quantize';
import { IR_VERSION, OPSET } from '../src/core/onnx/builder';
import { encodeModel } from '../src/core/onnx/proto';
import { decodeModel } from '../src/core/onnx/reader';
import { CONVERTER_VERSION } from '../tools/convert/version';
import { BackboneManifest, scalingRange } from '../src/core/backbone/manifest';
import { createSession, tensor } from '../src/core/onnx/runtime';
import { writeFileAtomic } from '../src/core/io/atomic';

const root = path.resolve(__dirname, '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const LICENCE = (version: string, modelDir: string): string =>
  `Weights converted from the TF.js model dist/models/${modelDir} of the npm package nsfwjs@${version} ` +
  '(MIT License, Copyright (c) 2019 Infinite Red, Inc.; https://github.com/infinitered/nsfwjs). ' +
  'Converted to ONNX by Anomaly Lens (scripts/convert-models.ts); only the feature layers up to the taps are kept.';

const RANGES_DIR = path.join(root, 'tools', 'convert', 'ranges');

function upToDate(outDir: string, spec: { id: string; file: string }, sourceHash: string): boolean {
  const mf = path.join(outDir, `${spec.id}.manifest.json`);
  const onnx = path.join(outDir, spec.file);
  if (!fs.existsSync(mf) || !fs.existsSync(onnx)) return false;
  try {
    const m = JSON.parse(fs.readFileSync(mf, 'utf8')) as BackboneManifest;
    if (m.source?.sourceHash !== sourceHash || m.source?.converter !== CONVERTER_VERSION) return false;
    return createHash('sha256').update(fs.readFileSync(onnx)).digest('hex') === m.sha256;
  } catch {
    return false;
  }
}

/** Runs the new model once at the default size to record each tap's grid (and prove it loads). */
async function measureGrids(onnx: Uint8Array, spec: { id: string; inputSize: number; taps: { name: string; channels: number }[] }): Promise<[number, number][]> {
  const s = await createSession(onnx, { device: 'cpu', threads: 2 });
  try {
    const n = spec.inputSize;
    const out = await s.run({ input: tensor(new Float32Array(3 * n * n).fill(0.5), [1, 3, n, n]) });
    return spec.taps.map((t) => {
      const d = out[t.name].dims.map(Number);
      if (d[1] !== t.channels) throw new Error(`${spec.id}: tap ${t.name} has ${d[1]} channels, expected ${t.channels}`);
      return [d[2], d[3]];
    });
  } finally {
    await s.release();
  }
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const only = arg('--only');
  const outDir = path.resolve(arg('--out') ?? path.join(root, 'models'));
  fs.mkdirSync(outDir, { recursive: true });
  const pkgDir = nsfwjsPackageDir(root);
  const version = nsfwjsVersion(pkgDir);
  const t0 = performance.now();
  for (const spec of BUNDLED_BACKBONES) {
    if (only && spec.id !== only) continue;
    const t = performance.now();
    const sourceHash = hashModelFiles(pkgDir, spec.modelDir);
    if (!force && upToDate(outDir, spec, sourceHash)) {
      console.log(`${spec.id}: up to date (${Math.round(performance.now() - t)} ms)`);
      continue;
    }
    const converted = convertBundled(spec, pkgDir);
    const grids = await measureGrids(converted.onnx, spec);
    const sha256 = createHash('sha256').update(converted.onnx).digest('hex');
    const manifest: BackboneManifest = {
      id: spec.id,
      file: spec.file,
      sha256,
      input: 'input',
      inputSize: spec.inputSize,
      scaling: spec.scaling,
      taps: spec.taps.map((tap, i) => ({ name: tap.name, stride: tap.stride, channels: tap.channels, grid: grids[i], source: converted.sourceNodes[i] })),
      title: spec.title,
      licence: LICENCE(version, spec.modelDir),
      source: { package: 'nsfwjs', version, sourceHash: converted.sourceHash, converter: CONVERTER_VERSION, notes: spec.notes },
    };
    await writeBackbone(outDir, converted.onnx, manifest);
    const grid = grids.map((g) => g.join('x')).join(', ');
    console.log(`${spec.id}: wrote ${spec.file} (${(converted.onnx.byteLength / 1e6).toFixed(1)} MB, taps ${grid} at ${spec.inputSize}) in ${Math.round(performance.now() - t)} ms`);
  }
  for (const spec of QUANTIZED_BACKBONES) {
    if (only && spec.id !== only && spec.base !== only) continue;
    await buildQuantized(spec, outDir, force, process.argv.includes('--calibrate'));
  }
  console.log(`convert-models: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Derives an int8 backbone from its (already written) float base and the committed ranges. */
async function buildQuantized(spec: QuantizedBackboneSpec, outDir: string, force: boolean, calibrate: boolean): Promise<void> {
  const t = performance.now();
  const baseManifest = JSON.parse(fs.readFileSync(path.join(outDir, `${spec.base}.manifest.json`), 'utf8')) as BackboneManifest;
  const baseBytes = new Uint8Array(fs.readFileSync(path.join(outDir, baseManifest.file)));
  const base = decodeModel(baseBytes);
  const rangesPath = path.join(RANGES_DIR, spec.rangesFile);
  if (calibrate) {
    const inputs = calibrationInputs(baseManifest.inputSize, baseManifest.scaling);
    const ranges = await calibrateRanges(base.graph, quantisedTensors(base.graph), baseManifest.input, inputs, baseManifest.inputSize);
    // The input's range is known exactly from the scaling; generated images need not reach it.
    ranges[baseManifest.input] = scalingRange(baseManifest.scaling);
    const stored: StoredRanges = { base: spec.base, baseSha256: baseManifest.sha256 ?? '', images: inputs.length, weightBits: DEFAULT_QUANTIZE.weightBits, ranges: roundRanges(ranges) };
    await writeFileAtomic(rangesPath, formatRanges(stored));
    console.log(`${spec.id}: calibrated ${Object.keys(ranges).length} tensors on ${inputs.length} generated images -> ${path.relative(root, rangesPath)}`);
  }
  const rangesText = fs.readFileSync(rangesPath, 'utf8');
  const stored = JSON.parse(rangesText) as StoredRanges;
  if (stored.baseSha256 !== baseManifest.sha256) {
    throw new Error(`${spec.id}: ${path.relative(root, rangesPath)} was calibrated on another ${spec.base} (sha256 ${stored.baseSha256.slice(0, 12)}…, built ${String(baseManifest.sha256).slice(0, 12)}…); run npx tsx scripts/convert-models.ts --calibrate`);
  }
  const sourceHash = createHash('sha256').update(`${baseManifest.sha256}\n${rangesText}`).digest('hex');
  if (!force && !calibrate && upToDate(outDir, spec, sourceHash)) {
    console.log(`${spec.id}: up to date (${Math.round(performance.now() - t)} ms)`);
    return;
  }
  const graph = quantizeConvGraph(base.graph, stored.ranges, { weightBits: stored.weightBits });
  const onnx = encodeModel({ irVersion: IR_VERSION, opsetVersion: OPSET, producerName: 'anomaly-lens', producerVersion: CONVERTER_VERSION, graph, metadata: base.metadata });
  const grids = await measureGrids(onnx, { id: spec.id, inputSize: baseManifest.inputSize, taps: baseManifest.taps });
  const manifest: BackboneManifest = {
    ...baseManifest,
    id: spec.id,
    file: spec.file,
    sha256: createHash('sha256').update(onnx).digest('hex'),
    taps: baseManifest.taps.map((tap, i) => ({ ...tap, grid: grids[i] })),
    title: spec.title,
    source: { ...baseManifest.source, sourceHash, converter: CONVERTER_VERSION, notes: spec.notes },
  };
  await writeBackbone(outDir, onnx, manifest);
  console.log(`${spec.id}: wrote ${spec.file} (${(onnx.byteLength / 1e6).toFixed(1)} MB) from ${spec.base} in ${Math.round(performance.now() - t)} ms`);
}

/** One line per tensor, so a recalibration reads as a clean diff. */
function formatRanges(stored: StoredRanges): string {
  const { ranges, ...head } = stored;
  const lines = Object.entries(ranges).map(([k, r]) => `    ${JSON.stringify(k)}: [${r[0]}, ${r[1]}]`);
  const top = JSON.stringify(head, null, 2).slice(0, -2);
  return `${top},\n  "ranges": {\n${lines.join(',\n')}\n  }\n}\n`;
}

/** The model first and the manifest last (each via rename), so a crash never leaves a manifest pointing at a half file. */
async function writeBackbone(outDir: string, onnx: Uint8Array, manifest: BackboneManifest): Promise<void> {
  await writeFileAtomic(path.join(outDir, manifest.file), onnx);
  await writeFileAtomic(path.join(outDir, `${manifest.id}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(`convert-models: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
