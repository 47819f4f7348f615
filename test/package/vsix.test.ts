/**
 * Runs what a user installs. Unpacks the built VSIX into a temporary folder outside this
 * repository (so nothing resolves from its node_modules), starts the packaged engine worker
 * (dist/worker.js) in plain Node with the packaged onnxruntime and models, trains on generated
 * images, scans a folder large enough to use the packaged pool workers, and decodes compressed
 * DICOM through every packaged WebAssembly codec.
 *
 * A file the runtime needs but the package lacks fails here in seconds, naming the error and the
 * files that sit beside packaged ones in this checkout but are missing from the VSIX.
 *
 * `npm run package` runs this after packaging; `npm run test:package` runs it on the newest
 * dist/*.vsix (ANOMALY_LENS_VSIX names another).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import jpeg from 'jpeg-js';
import { WorkerClient } from '../../src/extension/workerClient';
import type { ScanItem, SourceRef } from '../../src/shared/workerProtocol';
import { writeTextureSet } from '../../src/core/samples/write';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../unit/codecEncoders';
import { TS, imageElements, writeDicom } from '../unit/dicomWriter';
import { missingBesidePackaged, unpackVsix } from './vsix';

const root = path.resolve(__dirname, '../..');

function newestVsix(): string | undefined {
  if (process.env.ANOMALY_LENS_VSIX) return path.resolve(process.env.ANOMALY_LENS_VSIX);
  const dist = path.join(root, 'dist');
  const found = readdirSync(dist)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => path.join(dist, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0];
}

/** The environment without overrides that would point the packaged worker back at this checkout. */
function packagedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.ANOMALY_LENS_MODELS;
  return env;
}

const vsix = newestVsix();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'al-vsix-'));
const data = path.join(tmp, 'data');
let entries: string[] = [];
let client: WorkerClient;
const workerLog: string[] = [];

/** The failure with what would explain it: files the package lacks, and the worker's last lines. */
function explain(err: unknown): Error {
  const message = (err as Error).message;
  const missing = missingBesidePackaged(entries, root, message);
  const lines = [`the packaged extension failed: ${message}`];
  if (missing.length > 0) lines.push(`files in this checkout beside packaged ones but missing from ${path.basename(vsix ?? '')}:`, ...missing.map((m) => `  ${m}`));
  if (workerLog.length > 0) lines.push('worker log:', ...workerLog.slice(-10).map((l) => `  ${l}`));
  return new Error(lines.join('\n'));
}

const ref = (rel: string): SourceRef => ({ name: rel, uri: pathToFileURL(path.join(data, rel)).toString() });
const listPngs = (dir: string): string[] =>
  readdirSync(path.join(data, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listPngs(path.join(dir, d.name)) : d.name.endsWith('.png') ? [path.join(dir, d.name)] : [],
  ).sort();

before(async () => {
  if (!vsix) return;
  entries = await unpackVsix(vsix, tmp);
  await writeTextureSet(data, { kind: 'woven', seed: 3, size: 128, train: 4, testGood: 10, testPerDefect: 2 });
  client = new WorkerClient({
    // execArgv [] keeps this runner's TypeScript loader out of the worker: it runs as VS Code runs it.
    create: () => new Worker(path.join(tmp, 'extension/dist/worker.js'), { env: packagedEnv(), execArgv: [] }),
    readFile: async (uri) => new Uint8Array(await readFile(new URL(uri))),
    log: (l) => workerLog.push(l),
  });
});

after(async () => {
  await client?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

test('the VSIX holds the bundles, the bundled backbones and this platform\'s onnxruntime', { skip: !vsix && 'no dist/*.vsix: run npm run package' }, () => {
  const names = new Set(entries);
  for (const f of ['package.json', 'dist/extension.js', 'dist/worker.js', 'dist/pool-worker.js', 'dist/webview/main.js', 'models/inceptionv3-int8.onnx']) {
    assert.ok(names.has(`extension/${f}`), `${f} is missing from ${vsix}`);
  }
  assert.ok(entries.some((e) => /onnxruntime-node\/bin\/napi-v6\/.+\.node$/.test(e)), 'no onnxruntime native binding in the VSIX');
});

test('the packaged worker trains on 4 images and scans 16 with its pool workers', { skip: !vsix && 'no dist/*.vsix: run npm run package' }, async () => {
  try {
    const model = await client.request('train', { normal: listPngs('train').map(ref), anomalies: [], options: { workers: 2 }, saveDir: path.join(tmp, 'model') });
    assert.equal(model.trainingImages, 4);
    const items: ScanItem[] = [];
    const test = listPngs('test');
    const summary = await client.request('scan', { sources: test.map(ref), modelDir: path.join(tmp, 'model'), workers: 2 }, { onItem: (i) => items.push(i as ScanItem) });
    assert.deepEqual(items.filter((i) => i.kind === 'failed'), []);
    assert.equal(summary.scored, test.length);
  } catch (err) {
    throw explain(err);
  }
});

test('the packaged worker decodes DICOM through each packaged WebAssembly codec', { skip: !vsix && 'no dist/*.vsix: run npm run package' }, async () => {
  const W = 32;
  const H = 24;
  const gray = new Uint16Array(W * H).map((_, i) => (i * 37) % 4096);
  const info = { width: W, height: H, bitsPerSample: 16, componentCount: 1, isSigned: false };
  const rgba = new Uint8Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256));
  const baseline = new Uint8Array(jpeg.encode({ data: rgba, width: W, height: H }, 90).data);
  const cases = [
    { name: 'jpegls.dcm', ts: TS.jpegLsLossless, frame: encodeJpegLs(info, gray), bits: 16, samples: 1 },
    { name: 'j2k.dcm', ts: TS.j2kLossless, frame: encodeJ2k(info, gray), bits: 16, samples: 1 },
    { name: 'htj2k.dcm', ts: TS.htj2kLossless, frame: encodeHtj2k(info, gray), bits: 16, samples: 1 },
    { name: 'baseline.dcm', ts: TS.jpegBaseline, frame: baseline, bits: 8, samples: 3 },
  ];
  try {
    for (const c of cases) {
      const elements = imageElements({ rows: H, columns: W, bitsAllocated: c.bits, samples: c.samples, photometric: c.samples === 3 ? 'YBR_FULL_422' : undefined });
      writeFileSync(path.join(data, c.name), writeDicom({ transferSyntax: c.ts, elements, pixels: { frames: [[c.frame]], offsetTable: false } }));
      const load = await client.request('decode', { source: ref(c.name) });
      if (!load.ok) throw new Error(`${c.name}: ${load.error.code} ${load.error.message}`);
      assert.equal(load.info.width, W, c.name);
      assert.equal(load.info.height, H, c.name);
    }
  } catch (err) {
    throw explain(err);
  }
});
