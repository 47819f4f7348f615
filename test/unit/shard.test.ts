import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inShard, parseShard, shardOf } from '../../src/core/shard/slice';
import { JOURNAL_FILE, readJournal, ScanJournal } from '../../src/core/shard/journal';
import { mergeShards, type MergeRowBase, type ShardInput } from '../../src/core/shard/merge';
import { AnomalyLensError } from '../../src/shared/errors';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'al-shard-'));

test('--shard parses i/n (0-based) and refuses anything else with a hint', () => {
  assert.deepEqual(parseShard('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShard(' 3 / 4 '), { index: 3, count: 4 });
  for (const bad of ['4/4', '1/0', '-1/3', 'a/b', '2', '1/2/3', '']) {
    assert.throws(() => parseShard(bad), (e: unknown) => e instanceof AnomalyLensError && e.code === 'BAD_ARGUMENT' && !!e.hint, bad);
  }
});

test('shardOf is SHA-1 of the forward-slash path, first 8 bytes big-endian, mod n (values from Python hashlib)', () => {
  // python3: int.from_bytes(hashlib.sha1(s.encode()).digest()[:8], 'big') % n
  assert.equal(shardOf('parts/a.png', 4), 3);
  assert.equal(shardOf('parts/a.png', 7), 0);
  assert.equal(shardOf('parts/a.png', 1000), 107);
  assert.equal(shardOf('x/y/z.tif', 7), 3);
  assert.equal(shardOf('ü/ß.png', 1000), 202);
  assert.equal(shardOf('parts\\a.png', 4), shardOf('parts/a.png', 4), 'Windows separators give the same shard');
});

test('the shards of a list partition it: every item exactly once, roughly balanced', () => {
  const items = Array.from({ length: 2000 }, (_, i) => ({ name: `lot${i % 13}/img_${i}.png` }));
  const n = 5;
  const parts = Array.from({ length: n }, (_, i) => inShard(items, { index: i, count: n }));
  assert.equal(parts.reduce((s, p) => s + p.length, 0), items.length);
  assert.equal(new Set(parts.flat().map((x) => x.name)).size, items.length);
  for (const p of parts) assert.ok(p.length > 330 && p.length < 470, `shard size ${p.length} of 2000/5`);
});

test('the journal records finished images durably, survives a torn last line and resumes', () => {
  const dir = tmpDir();
  const h = { shard: '1/3', modelId: 'm1', outDir: dir, annotationDir: path.join(dir, 'annotations') };
  const j = ScanJournal.open<{ score: number }>(dir, h);
  assert.equal(j.previous.size, 0);
  j.scored('a.png', { score: 1 });
  j.failed('b.png', { code: 'DECODE_FAILED', message: 'bad' });
  j.close();
  // A crash in the middle of the next write leaves half a line.
  fs.appendFileSync(path.join(dir, JOURNAL_FILE), '{"type":"scored","name":"c.p');
  const again = ScanJournal.open<{ score: number }>(dir, h);
  assert.deepEqual([...again.previous.keys()], ['a.png', 'b.png']);
  assert.ok(again.has('a.png') && !again.has('c.png'));
  again.scored('c.png', { score: 3 });
  again.close();
  const read = readJournal<{ score: number }>(path.join(dir, JOURNAL_FILE))!;
  assert.equal(read.tornBytes, 0);
  assert.deepEqual(read.entries.map((e) => e.name), ['a.png', 'b.png', 'c.png']);
  assert.notEqual(read.entries[0].run, read.entries[2].run, 'entries say which run wrote them');
});

test('a journal of another shard or model is not reused', () => {
  const dir = tmpDir();
  ScanJournal.open(dir, { shard: '0/2', modelId: 'm1', outDir: dir, annotationDir: dir }).close();
  assert.throws(() => ScanJournal.open(dir, { shard: '1/2', modelId: 'm1', outDir: dir, annotationDir: dir }), /holds shard "0\/2"/);
  assert.throws(() => ScanJournal.open(dir, { shard: '0/2', modelId: 'm2', outDir: dir, annotationDir: dir }), /of model m1/);
});

interface Row extends MergeRowBase {
  anomalous: boolean;
}

function shardInput(i: number, n: number, rows: { name: string; score: number }[], scanned = rows.length, model = 'm'): ShardInput<Row> {
  const out = `/old/machine${i}/out`;
  return {
    dir: `/now/shard${i}`,
    scanned,
    seconds: 2,
    journal: {
      header: { type: 'header', format: 1, shard: `${i}/${n}`, modelId: model, outDir: out, annotationDir: `${out}/annotations`, createdAt: '' },
      tornBytes: 0,
      entries: rows.map((r) => ({
        type: 'scored' as const,
        name: r.name,
        run: 'r',
        row: { name: r.name, score: r.score, rank: 0, anomalous: r.score > 1, heatmap: `${out}/heatmaps/${r.name}`, annotation: `${out}/annotations/${r.name}.json` },
      })),
    },
  };
}

test('merging ranks all rows together and rebases files into the shards’ current folders', () => {
  const m = mergeShards([shardInput(0, 2, [{ name: 'a.png', score: 1 }, { name: 'c.png', score: 3 }]), shardInput(1, 2, [{ name: 'b.png', score: 2 }])], { allowPartial: false });
  assert.deepEqual(m.rows.map((r) => [r.rank, r.name]), [[1, 'c.png'], [2, 'b.png'], [3, 'a.png']]);
  assert.equal(m.seconds, 4);
  const heat = m.files.find((f) => f.kind === 'heatmap' && f.to === 'heatmaps/b.png')!;
  assert.deepEqual(heat.from, [path.join('/now/shard1', 'heatmaps/b.png'), '/old/machine1/out/heatmaps/b.png']);
  assert.ok(m.files.some((f) => f.kind === 'annotation' && f.to === 'c.png.json'));
});

test('merging refuses missing, duplicated, unfinished or foreign shards unless partial is allowed', () => {
  const a = shardInput(0, 3, [{ name: 'a.png', score: 1 }]);
  const b = shardInput(1, 3, [{ name: 'b.png', score: 1 }]);
  assert.throws(() => mergeShards([a, b], { allowPartial: false }), /missing shard\(s\) 2\/3/);
  assert.equal(mergeShards([a, b], { allowPartial: true }).missingShards[0], 2);
  assert.throws(() => mergeShards([a, a], { allowPartial: false }), /given twice/);
  const unfinished = shardInput(2, 3, [{ name: 'c.png', score: 1 }], 5);
  assert.throws(() => mergeShards([a, b, unfinished], { allowPartial: false }), /unfinished shard\(s\) 2\/3/);
  assert.throws(() => mergeShards([a, b, shardInput(2, 3, [], 0, 'other')], { allowPartial: false }), /different models/);
  assert.throws(() => mergeShards([a, shardInput(1, 2, [])], { allowPartial: true }), /different splits/);
});
