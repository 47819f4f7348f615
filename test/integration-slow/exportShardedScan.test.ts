/**
 * Sharded scans with real processes (`node --import tsx src/cli/main.ts`): three shards merged
 * equal one single-process scan, and a shard killed mid-way resumes without redoing journaled images.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { saveDetector, trainDetector } from '../../src/core/engine';
import { generateTexture } from '../../src/core/samples/textures';
import { encodeSamplePng } from '../../src/core/samples/write';
import { JOURNAL_FILE, readJournal } from '../../src/core/shard/journal';

const repoRoot = path.resolve(__dirname, '../..');
const built = fs.existsSync(path.join(repoRoot, 'models/mobilenetv2.onnx'));
const N_IMAGES = 36;

let tmp: string;
let images: string;
let model: string;

function cli(args: string[]): ChildProcess {
  // tsx by file URL: the children run in a temp folder, where the bare name would not resolve.
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  return spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finish(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += d));
  p.stdout?.resume();
  return new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

async function run(args: string[]): Promise<void> {
  const r = await finish(cli(args));
  assert.equal(r.code, 0, `${args.join(' ')} failed: ${r.stderr}`);
}

const scanArgs = (out: string, extra: string[] = []) => ['scan', 'images', '--model', 'model', '--out', out, '--device', 'cpu', '--threads', '1', '--quiet', ...extra];

interface Scores {
  results: { name: string; score: number; normalized: number; anomalous: boolean; rank: number }[];
  failures: { name: string }[];
}
const readScores = (dir: string): Scores => JSON.parse(fs.readFileSync(path.join(tmp, dir, 'scores.json'), 'utf8'));

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => f.split(path.sep).join('/')).sort();
}

before(async () => {
  if (!built) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-shards-'));
  images = path.join(tmp, 'images');
  for (let i = 0; i < N_IMAGES; i++) {
    const defect = i % 6 === 5 ? (['scratch', 'spot', 'crack'] as const)[i % 3] : undefined;
    const file = path.join(images, `lot${i % 3}`, `part_${String(i).padStart(3, '0')}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, encodeSamplePng(generateTexture('woven', 900 + i, 96, defect)));
  }
  fs.writeFileSync(path.join(images, 'lot0', 'broken.png'), 'not a png');
  const train = Array.from({ length: 4 }, (_, i) => {
    const b = new Uint8Array(encodeSamplePng(generateTexture('woven', 50 + i, 96)));
    return { name: `t${i}.png`, read: async () => b };
  });
  const det = await trainDetector(train, { method: { maxEpochs: 2, patience: 1, seed: 4 }, device: 'cpu', threads: 2 });
  model = path.join(tmp, 'model');
  await saveDetector(det, model);
  await det.release();
});
after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

test('three shard processes merged equal a single-process scan (scores, failures, file set, report)', { skip: !built && 'models/ not built', timeout: 300_000 }, async () => {
  await run(scanArgs('single'));
  await Promise.all([0, 1, 2].map((i) => run(scanArgs(`s${i}`, ['--shard', `${i}/3`]))));
  const sizes = [0, 1, 2].map((i) => readScores(`s${i}`).results.length);
  assert.ok(sizes.every((n) => n > 0), `every shard got work: ${sizes}`);
  await run(['merge', 's0', 's1', 's2', '--out', 'merged', '--report', 'merged/report.html', '--model', 'model', '--quiet']);

  const single = readScores('single');
  const merged = readScores('merged');
  assert.equal(merged.results.length, N_IMAGES);
  assert.deepEqual(
    merged.results.map((r) => [r.rank, r.name, r.score, r.normalized, r.anomalous]),
    single.results.map((r) => [r.rank, r.name, r.score, r.normalized, r.anomalous]),
  );
  assert.deepEqual(merged.failures.map((f) => f.name), ['lot0/broken.png']);
  assert.deepEqual(single.failures.map((f) => f.name), ['lot0/broken.png']);
  for (const sub of ['heatmaps', 'overlays', 'annotations']) {
    const a = filesUnder(path.join(tmp, 'single', sub));
    assert.equal(a.length, sub === 'annotations' ? N_IMAGES : N_IMAGES);
    assert.deepEqual(filesUnder(path.join(tmp, 'merged', sub)), a, sub);
  }
  // Annotation contents agree apart from their timestamps.
  const strip = (t: string) => t.replace(/"\d{4}-\d\d-\d\dT[^"]*"/g, '"T"');
  const ann = 'lot1/part_001.png.json';
  assert.equal(strip(fs.readFileSync(path.join(tmp, 'merged/annotations', ann), 'utf8')), strip(fs.readFileSync(path.join(tmp, 'single/annotations', ann), 'utf8')));
  const csvSingle = fs.readFileSync(path.join(tmp, 'single/scores.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 8).join(','));
  const csvMerged = fs.readFileSync(path.join(tmp, 'merged/scores.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 8).join(','));
  assert.deepEqual(csvMerged, csvSingle);
  assert.match(fs.readFileSync(path.join(tmp, 'merged/report.html'), 'utf8'), /part_0/);
});

test('a shard killed mid-way resumes without redoing the images in its journal', { skip: !built && 'models/ not built', timeout: 300_000 }, async () => {
  const out = path.join(tmp, 'k0');
  const journalFile = path.join(out, JOURNAL_FILE);
  // One shard of one: the whole folder, so the kill lands well before the end.
  const p = cli(scanArgs('k0', ['--shard', '0/1']));
  const done = finish(p);
  // Kill as soon as a few images are journaled.
  for (let t = 0; t < 1200; t++) {
    const j = fs.existsSync(journalFile) ? readJournal(journalFile) : undefined;
    if (j && j.entries.length >= 3) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  p.kill('SIGKILL');
  const first = await done;
  assert.equal(first.signal, 'SIGKILL', 'the shard was still running when killed (otherwise nothing was tested)');
  const before = readJournal<{ score: number }>(journalFile)!;
  const firstNames = before.entries.map((e) => e.name);
  assert.ok(firstNames.length >= 3 && firstNames.length < N_IMAGES, `killed after ${firstNames.length} images`);
  assert.ok(!fs.existsSync(path.join(out, 'scores.json')), 'a killed shard has not written its summary');
  const annotationTimes = new Map(
    before.entries.filter((e) => e.type === 'scored').map((e) => [e.name, fs.statSync(path.join(out, 'annotations', `${e.name}.json`)).mtimeMs]),
  );

  await run(scanArgs('k0', ['--shard', '0/1']));
  const after = readJournal<{ score: number }>(journalFile)!;
  const names = after.entries.map((e) => e.name);
  assert.equal(new Set(names).size, names.length, 'no image is journaled twice');
  assert.deepEqual(names.slice(0, firstNames.length), firstNames, 'the first run’s entries are kept');
  const runs = new Set(after.entries.slice(firstNames.length).map((e) => e.run));
  assert.equal(runs.size, 1);
  assert.ok(!runs.has(before.entries[0].run), 'the second run only added what was left');
  for (const [name, mtime] of annotationTimes) assert.equal(fs.statSync(path.join(out, 'annotations', `${name}.json`)).mtimeMs, mtime, `${name} was not rescored`);

  // The resumed shard's summary covers the whole shard and agrees with the single-process scan.
  const resumed = readScores('k0');
  const single = new Map(readScores('single').results.map((r) => [r.name, r.score]));
  assert.equal(resumed.results.length + resumed.failures.length, names.length);
  for (const r of resumed.results) assert.equal(r.score, single.get(r.name), r.name);
  await run(['merge', 'k0', '--out', 'kmerged', '--quiet']);
  assert.deepEqual(
    readScores('kmerged').results.map((r) => [r.name, r.score]),
    readScores('single').results.map((r) => [r.name, r.score]),
  );
});
