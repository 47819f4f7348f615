import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { runCli } from '../../src/cli/cli';
import type { TrainOptions } from '../../src/core/api';
import { deps } from '../../src/cli/deps';
import { createAnnotationValidator } from '../../src/shared/annotation';
import { encodeSamplePng } from '../../src/core/samples/write';
import { generateTexture } from '../../src/core/samples/textures';
import { fakeDetector, fakeManifest, memoryIo, openFakeScorer } from './cli-helpers';

const repoRoot = path.resolve(__dirname, '../..');
const original = { ...deps };
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'al-cli-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  Object.assign(deps, original);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every file under a folder, relative, for "nothing half-written" checks. */
function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** A scan folder with two valid PNGs (one bright = anomalous for the fake), a corrupt one and an empty one. */
function scanFolder(): string {
  const dir = tempDir();
  const imgs = path.join(dir, 'imgs');
  mkdirSync(path.join(imgs, 'sub'), { recursive: true });
  writeFileSync(path.join(imgs, 'dark.png'), encodeSamplePng({ width: 32, height: 32, channels: 1, data: new Uint8Array(32 * 32).fill(20) }));
  writeFileSync(path.join(imgs, 'sub', 'bright.png'), encodeSamplePng({ width: 32, height: 32, channels: 1, data: new Uint8Array(32 * 32).fill(230) }));
  writeFileSync(path.join(imgs, 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
  writeFileSync(path.join(imgs, 'empty.jpg'), Buffer.alloc(0));
  writeFileSync(path.join(imgs, 'notes.txt'), 'ignored: not an image extension inside a folder');
  return dir;
}

test('no command prints usage and exits 2; --help exits 0', async () => {
  const io = memoryIo(tempDir());
  assert.equal(await runCli([], io), 2);
  assert.match(io.stdout, /usage: anomaly-lens <command>/);
  const io2 = memoryIo(tempDir());
  assert.equal(await runCli(['--help'], io2), 0);
  assert.equal(await runCli(['scan', '--help'], io2), 0);
  assert.match(io2.stdout, /--model <model dir>/);
});

test('unknown command and unknown option are usage errors (exit 2, one line)', async () => {
  const io = memoryIo(tempDir());
  assert.equal(await runCli(['frobnicate'], io), 2);
  assert.match(io.stderr, /^usage: unknown command "frobnicate"/);
  const io2 = memoryIo(tempDir());
  assert.equal(await runCli(['scan', 'x', '--model', 'm', '--bogus'], io2), 2);
  assert.equal(io2.stderr.trim().split('\n').length, 1);
  assert.match(io2.stderr, /--bogus/);
});

test('bad option values and missing required flags exit 2 naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['train', 'a'], /train needs --out/],
    [['scan', 'a'], /scan needs --model/],
    [['scan', 'a', '--model', 'm', '--threads', 'abc'], /--threads must be a positive integer, got "abc"/],
    [['train', 'a', '--out', 'o', '--rho', '2'], /--rho must be a fraction/],
    [['train', 'a', '--out', 'o', '--device', 'tpu'], /--device must be one of auto, cpu/],
    [['train', 'a', '--out', 'o', '--top-fraction', '1.5'], /--top-fraction must be a fraction in \[0, 1\]/],
  ];
  for (const [args, re] of cases) {
    const io = memoryIo(tempDir());
    assert.equal(await runCli(args, io), 2, args.join(' '));
    assert.match(io.stderr, re);
    assert.equal(io.stderr.trim().split('\n').length, 1);
  }
});

test('scan with a missing model folder fails with exit 1 and one clear error line', async () => {
  const dir = scanFolder();
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', 'no-such-model'], io), 1);
  const lines = io.stderr.trim().split('\n');
  assert.equal(lines.length, 1, io.stderr);
  assert.match(lines[0], /^error: MODEL_INVALID .*no-such-model: model folder not found \(train one first/);
});

test('train on an empty folder fails with TRAINING_SET_EMPTY naming the folder', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'empty'));
  const io = memoryIo(dir);
  assert.equal(await runCli(['train', 'empty', '--out', 'model'], io), 1);
  assert.match(io.stderr, /^error: TRAINING_SET_EMPTY empty: no image files found/);
  assert.equal(existsSync(path.join(dir, 'model')), false, 'no model folder is left behind');
});

test('the first line of train and scan names the device in use, with why no GPU runs', async () => {
  const dir = scanFolder();
  deps.openScorer = openFakeScorer;
  deps.resolveDevice = async () => ({ provider: 'webgpu', label: 'GPU: WebGPU/Vulkan, NVIDIA H100 80GB HBM3', skipped: [] });
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--no-images'], io), 0, io.stderr);
  assert.equal(io.stderr.split('\n')[0], 'GPU: WebGPU/Vulkan, NVIDIA H100 80GB HBM3');
  assert.match(io.stdout, /^ranked by margin over the threshold: 0 = at the threshold/m, 'the ranked list says what its numbers are');
  deps.resolveDevice = async () => ({ provider: 'cpu', label: 'CPU: no GPU adapter found', skipped: [{ provider: 'webgpu', reason: 'no Vulkan loader (libvulkan.so.1) on this machine' }] });
  const io2 = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out2', '--no-images', '--quiet'], io2), 0, io2.stderr);
  assert.equal(io2.stderr, '', '--quiet prints no device line');
  const io3 = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out3', '--no-images'], io3), 0, io3.stderr);
  assert.equal(io3.stderr.split('\n')[0], 'CPU: no GPU adapter found (WebGPU: no Vulkan loader (libvulkan.so.1) on this machine)');
});

test('scan continues past corrupt and empty files, lists them, and writes scores and valid annotations', async () => {
  const dir = scanFolder();
  deps.openScorer = openFakeScorer;
  const io = memoryIo(dir);
  const code = await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--no-images', '--json'], io);
  assert.equal(code, 0, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.equal(out.scanned, 4);
  assert.deepEqual(
    out.results.map((r: { name: string }) => r.name),
    ['sub/bright.png', 'dark.png'],
    'ranked by score, most anomalous first',
  );
  const failures = new Map<string, string>(out.failures.map((f: { name: string; error: { code: string } }) => [f.name, f.error.code]));
  assert.deepEqual([...failures.keys()].sort(), ['corrupt.png', 'empty.jpg']);
  assert.equal(failures.get('empty.jpg'), 'FILE_EMPTY');
  assert.match(failures.get('corrupt.png') ?? '', /^(FILE_TRUNCATED|DECODE_FAILED|UNKNOWN_FORMAT)$/, 'a typed decode error, not INTERNAL');
  assert.match(io.stderr, /skipped: .*corrupt\.png/);
  const csv = readFileSync(path.join(dir, 'out', 'scores.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  assert.match(csv[1], /^1,sub\/bright\.png,/);
  const validate = createAnnotationValidator(new Ajv({ allErrors: true }));
  const ann = JSON.parse(readFileSync(path.join(dir, 'out', 'annotations', 'sub', 'bright.png.json'), 'utf8'));
  const check = validate(ann);
  assert.ok(check.ok, JSON.stringify(check));
  assert.equal(ann.label, 'anomalous');
  assert.equal(ann.prediction.regions.length, 1, 'the bright image gets a predicted region');
  assert.deepEqual(ann.regions, [], 'reviewed regions stay empty until a person decides');
  assert.equal(ann.image.path, 'sub/bright.png');
  assert.ok(!listAll(path.join(dir, 'out')).some((f) => f.includes('.tmp-')), 'no temp files remain');
});

test('scan where every file is bad exits 1 with the first reason', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'imgs'));
  writeFileSync(path.join(dir, 'imgs', 'a.png'), Buffer.alloc(0));
  deps.openScorer = openFakeScorer;
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--no-images'], io), 1);
  assert.match(io.stderr.trim().split('\n').pop() ?? '', /^error: FILE_EMPTY a\.png: no image could be scored/);
});

test('train writes the model through a temp folder and keeps the old model when saving fails', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'good'));
  writeFileSync(path.join(dir, 'good', 'a.png'), encodeSamplePng(generateTexture('woven', 1, 32)));
  let seen = 0;
  deps.trainDetector = async (sources) => {
    seen = sources.length;
    return fakeDetector();
  };
  deps.saveDetector = async (_d, out) => {
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'manifest.json'), '{"v":1}');
  };
  const io = memoryIo(dir);
  assert.equal(await runCli(['train', 'good', '--out', 'model', '--seed', '3'], io), 0, io.stderr);
  assert.equal(seen, 1);
  assert.match(io.stdout, /model written to .*model/);
  assert.equal(readFileSync(path.join(dir, 'model', 'manifest.json'), 'utf8'), '{"v":1}');
  deps.saveDetector = async (_d, out) => {
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'manifest.json'), 'half');
    throw new Error('disk full');
  };
  const io2 = memoryIo(dir);
  assert.equal(await runCli(['train', 'good', '--out', 'model'], io2), 1);
  assert.match(io2.stderr.trim().split('\n').pop() ?? '', /^error: INTERNAL disk full/);
  assert.equal(readFileSync(path.join(dir, 'model', 'manifest.json'), 'utf8'), '{"v":1}', 'old model intact');
  assert.deepEqual(readdirSync(dir).sort(), ['good', 'model'], 'no temp folders left');
});

test('train notes on stderr and in --json that a threshold from fewer than 32 normal images runs low', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'good'));
  writeFileSync(path.join(dir, 'good', 'a.png'), encodeSamplePng(generateTexture('woven', 1, 32)));
  deps.saveDetector = async (_d, out) => {
    mkdirSync(out, { recursive: true });
  };
  const trainedOn = (trainingImages: number, anomalyCount = 0) => {
    deps.trainDetector = async () => {
      const base = fakeManifest();
      return { ...fakeDetector(), manifest: { ...base, trainingImages, calibration: { ...base.calibration, anomalyCount } } };
    };
  };
  trainedOn(2);
  const few = memoryIo(dir);
  assert.equal(await runCli(['train', 'good', '--out', 'model', '--quiet'], few), 0, few.stderr);
  assert.match(few.stderr, /^note: Trained on 2 normal images: too few to set the threshold.*--anomalies/m);
  assert.doesNotMatch(few.stdout, /note:/, 'the note goes to stderr, not into the output');
  trainedOn(8);
  const some = memoryIo(dir);
  assert.equal(await runCli(['train', 'good', '--out', 'model', '--json'], some), 0, some.stderr);
  assert.match(JSON.parse(some.stdout).thresholdNote, /^Trained on 8 normal images: with fewer than 32 the threshold runs low/);
  for (const [images, anomalies] of [[32, 0], [3, 2]]) {
    trainedOn(images, anomalies);
    const io = memoryIo(dir);
    assert.equal(await runCli(['train', 'good', '--out', 'model', '--quiet'], io), 0, io.stderr);
    assert.doesNotMatch(io.stderr, /note:/, `${images} images, ${anomalies} labelled anomalies`);
  }
});

test('train passes --augment / --no-augment / --workers through and leaves unset options to the engine', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'good'));
  writeFileSync(path.join(dir, 'good', 'a.png'), encodeSamplePng(generateTexture('woven', 1, 32)));
  const seen: TrainOptions[] = [];
  deps.trainDetector = async (_sources, opts) => {
    seen.push(opts);
    return fakeDetector();
  };
  deps.saveDetector = async (_d, out) => {
    mkdirSync(out, { recursive: true });
  };
  for (const extra of [[], ['--no-augment', '--workers', '1'], ['--augment', '--global-weight', '3', '--top-fraction', '1', '--map-mean-weight', '0.5', '--augment-views', '24', '--test-views', '8']]) {
    const io = memoryIo(dir);
    assert.equal(await runCli(['train', 'good', '--out', 'model', ...extra], io), 0, io.stderr);
  }
  assert.deepEqual(
    seen.map((o) => [o.method?.augment, o.method?.globalWeight, o.workers, o.method?.topFraction, o.method?.mapMeanWeight, o.method?.augmentViews, o.method?.testViews]),
    [
      [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
      [false, undefined, 1, undefined, undefined, undefined, undefined],
      [true, 3, undefined, 1, 0.5, 24, 8],
    ],
  );
  const io = memoryIo(dir);
  assert.equal(await runCli(['train', 'good', '--out', 'model', '--augment-views', '12'], io), 2, 'a view count the engine does not offer is a usage error');
  assert.match(io.stderr, /augment-views.*one of 1, 6, 24/);
  const io2 = memoryIo(dir);
  assert.equal(await runCli(['train', 'good', '--out', 'model', '--test-views', '24'], io2), 2, 'moved views are not test views');
  assert.match(io2.stderr, /test-views.*one of 1, 6, 8/);
});

test('the real process exits with the documented codes', () => {
  const dir = tempDir();
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  const missing = run(['scan', dir, '--model', path.join(dir, 'nope')]);
  assert.equal(missing.status, 1, missing.stderr);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /^error: MODEL_INVALID/);
  const usage = run(['scan', '--nope']);
  assert.equal(usage.status, 2);
});

test('eval prints image AUROC, pixel AUROC and PRO for an MVTec-layout set', async () => {
  const dir = tempDir();
  const { writeTextureSet } = await import('../../src/core/samples/write');
  await writeTextureSet(path.join(dir, 'set'), { kind: 'brushed', seed: 2, size: 48, train: 1, testGood: 3, testPerDefect: 1 });
  deps.openScorer = openFakeScorer;
  const io = memoryIo(dir);
  assert.equal(await runCli(['eval', 'set', '--model', '.', '--json'], io), 0, io.stderr);
  const r = JSON.parse(io.stdout);
  assert.equal(r.images, 6);
  assert.equal(r.anomalous, 3);
  assert.ok(r.imageAuroc >= 0 && r.imageAuroc <= 1);
  assert.ok(typeof r.pixelAuroc === 'number' && typeof r.pro === 'number', 'masks exist, so pixel metrics are reported');
  const io2 = memoryIo(dir);
  assert.equal(await runCli(['eval', 'set', '--model', 'missing'], io2), 1);
  assert.match(io2.stderr, /^error: MODEL_INVALID/);
});
