// The scan's outputs under faults: a second writer, colliding and very long names, a full disk.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/cli';
import { deps } from '../../src/cli/deps';
import { LOCK_FILE } from '../../src/core/io/outputLock';
import { encodeSamplePng } from '../../src/core/samples/write';
import { fakeDetector, memoryIo, openFakeScorer } from './cli-helpers';

const original = { ...deps };
const dirs: string[] = [];
afterEach(() => {
  Object.assign(deps, original);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const png = (fill: number): Uint8Array => encodeSamplePng({ width: 16, height: 16, channels: 1, data: new Uint8Array(256).fill(fill) });

function folder(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-scanout-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'imgs'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, 'imgs', name), bytes);
  return dir;
}

test('a second scan into an --out held by a running scan is refused, naming the holder; a stale lock is taken over', async () => {
  const dir = folder({ 'a.png': png(20) });
  deps.openScorer = openFakeScorer;
  mkdirSync(path.join(dir, 'out'));
  const lock = path.join(dir, 'out', LOCK_FILE);
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z', command: 'anomaly-lens scan' }));
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--quiet'], io), 1);
  assert.match(io.stderr, new RegExp(`OUTPUT_LOCKED .*in use by process ${process.pid} on ${os.hostname()}`));
  assert.equal(existsSync(path.join(dir, 'out', 'scores.json')), false, 'nothing was written');

  // A holder that no longer runs (the largest pid Linux allows is below 2^22).
  writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), started: 'x', command: 'anomaly-lens scan' }));
  const io2 = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--quiet'], io2), 0, io2.stderr);
  assert.equal(existsSync(lock), false, 'the lock is released at the end');
});

test('two scans started together into one --out: one scores, the other is refused', async () => {
  const dir = folder({ 'a.png': png(20), 'b.png': png(200) });
  deps.openScorer = openFakeScorer;
  const ios = [memoryIo(dir), memoryIo(dir)];
  const codes = await Promise.all(ios.map((io) => runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--quiet'], io)));
  assert.deepEqual([...codes].sort(), [0, 1]);
  assert.match(ios[codes.indexOf(1)].stderr, /OUTPUT_LOCKED/);
});

test('dup.jpg and dup.jpg.png get separate heatmaps and overlays', async () => {
  const dir = folder({ 'dup.jpg': png(20), 'dup.jpg.png': png(200) });
  deps.openScorer = openFakeScorer;
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--json', '--quiet'], io), 0, io.stderr);
  const rows = JSON.parse(io.stdout).results as { name: string; heatmap: string; overlay: string }[];
  assert.equal(rows.length, 2);
  assert.notEqual(rows[0].heatmap, rows[1].heatmap);
  assert.notEqual(rows[0].overlay, rows[1].overlay);
  for (const r of rows) assert.ok(existsSync(r.heatmap) && existsSync(r.overlay), r.heatmap);
});

test('an image name of 244 characters is scored and all its outputs written', async () => {
  const name = `${'n'.repeat(240)}.png`;
  const dir = folder({ [name]: png(100) });
  deps.openScorer = openFakeScorer;
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--json', '--quiet'], io), 0, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.equal(out.failures.length, 0, JSON.stringify(out.failures));
  assert.ok(existsSync(path.join(dir, 'out', 'annotations', `${name}.json`)));
});

test('a full disk while writing outputs: the lost results are summarised and the exit code is non-zero', async () => {
  const dir = folder({ 'a.png': png(20), 'b.png': png(200), 'c.png': png(90) });
  deps.openScorer = openFakeScorer;
  deps.writeFile = async (file, data) => {
    if (/[\\/]b\.png\.png$/.test(file)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return original.writeFile(file, data);
  };
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--quiet'], io), 1);
  assert.match(io.stderr, /1 scored result was lost: WRITE_FAILED b\.png: .*no space left on the device/);
  const summary = JSON.parse(readFileSync(path.join(dir, 'out', 'scores.json'), 'utf8'));
  assert.equal(summary.lost, 1);
  assert.equal(summary.scored, 2);
  assert.deepEqual(summary.failures.map((f: { name: string; error: { code: string } }) => [f.name, f.error.code]), [['b.png', 'WRITE_FAILED']]);
});

test('when even the summary cannot be written, the scan fails with WRITE_FAILED', async () => {
  const dir = folder({ 'a.png': png(20) });
  deps.openScorer = openFakeScorer;
  deps.writeFile = async () => {
    throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
  };
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--quiet'], io), 1);
  assert.match(io.stderr, /WRITE_FAILED/);
});

test('counts read as English: "1 image", not "1 images"', async () => {
  const dir = folder({ 'a.png': png(20) });
  deps.openScorer = openFakeScorer;
  const io = memoryIo(dir);
  assert.equal(await runCli(['scan', 'imgs', '--model', '.', '--out', 'out', '--quiet'], io), 0, io.stderr);
  assert.match(io.stdout, /^scored 1 of 1 image in /);
  deps.trainDetector = async () => {
    const d = fakeDetector();
    return { ...d, manifest: { ...d.manifest, trainingImages: 1 } };
  };
  deps.saveDetector = async (_d, out) => void mkdirSync(out, { recursive: true });
  const io2 = memoryIo(dir);
  assert.equal(await runCli(['train', 'imgs/a.png', '--out', 'model'], io2), 0, io2.stderr);
  assert.match(io2.stdout, / on 1 image with /);
});
