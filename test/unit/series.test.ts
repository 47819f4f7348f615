import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { orderSeries, readSeriesHeader, seriesStack, type SeriesHeader, type SeriesMember } from '../../src/core/image/dicom/series';
import { SeriesStacks, nodeStackFs, type StackFs } from '../../src/extension/seriesStack';
import { TS, imageElements, writeDicom, type El } from './dicomWriter';

/** A 4x4 8-bit slice of a series, with the series fields given. */
function slice(o: { series?: string; instance?: number; position?: [number, number, number]; orientation?: number[]; frames?: number }): Uint8Array {
  const extra: El[] = [];
  if (o.series) extra.push({ tag: 0x0020000e, vr: 'UI', value: o.series });
  if (o.instance !== undefined) extra.push({ tag: 0x00200013, vr: 'IS', value: String(o.instance) });
  if (o.position) extra.push({ tag: 0x00200032, vr: 'DS', value: o.position.join('\\') });
  if (o.orientation) extra.push({ tag: 0x00200037, vr: 'DS', value: o.orientation.join('\\') });
  const frames = o.frames ?? 1;
  const els = imageElements({ rows: 4, columns: 4, bitsAllocated: 8, frames: o.frames, extra });
  return writeDicom({ transferSyntax: TS.explicitLE, elements: els, pixels: new Uint8Array(16 * frames), pixelVr: 'OB' });
}

const h = (seriesUid: string, more: Partial<SeriesHeader> = {}): SeriesHeader => ({ seriesUid, frames: 1, ...more });

test('the series header is read from the start of a file; non-series files give undefined', () => {
  const bytes = slice({ series: '1.2.3', instance: 7, position: [1, 2, -30.5], orientation: [1, 0, 0, 0, 1, 0] });
  assert.deepEqual(readSeriesHeader(bytes), { seriesUid: '1.2.3', instanceNumber: 7, position: [1, 2, -30.5], orientation: [1, 0, 0, 0, 1, 0], frames: 1 });
  // Only the header: a prefix that stops inside the pixel data still reads.
  assert.equal(readSeriesHeader(bytes.subarray(0, bytes.length - 8))?.seriesUid, '1.2.3');
  assert.equal(readSeriesHeader(slice({ instance: 1 })), undefined, 'no Series Instance UID');
  assert.equal(readSeriesHeader(new TextEncoder().encode('not a dicom file at all')), undefined);
  assert.equal(readSeriesHeader(slice({ series: '9', frames: 3 }))?.frames, 3);
});

test('stack order: Instance Number, then position along the slice normal, then name', () => {
  const byInstance: SeriesMember[] = [
    { name: 'c.dcm', header: h('s', { instanceNumber: 3 }) },
    { name: 'a.dcm', header: h('s', { instanceNumber: 10 }) },
    { name: 'b.dcm', header: h('s', { instanceNumber: 2 }) },
    { name: 'z.dcm', header: h('s') },
  ];
  assert.deepEqual(orderSeries(byInstance).map((m) => m.name), ['b.dcm', 'c.dcm', 'a.dcm', 'z.dcm'], 'numeric, not text order; missing numbers last');
  // Sagittal slices: z is the same for all; the normal (row × column cosines) points to −x here.
  const sagittal = [0, 1, 0, 0, 0, -1];
  const byPosition: SeriesMember[] = [
    { name: 's1.dcm', header: h('s', { position: [20, 0, 5], orientation: sagittal as SeriesHeader['orientation'] }) },
    { name: 's2.dcm', header: h('s', { position: [-10, 0, 5], orientation: sagittal as SeriesHeader['orientation'] }) },
    { name: 's3.dcm', header: h('s', { position: [5, 0, 5], orientation: sagittal as SeriesHeader['orientation'] }) },
  ];
  assert.deepEqual(orderSeries(byPosition).map((m) => m.name), ['s1.dcm', 's3.dcm', 's2.dcm']);
  // Without orientation, z orders them; equal everything falls back to the name.
  const byZ: SeriesMember[] = [
    { name: 'b.dcm', header: h('s', { instanceNumber: 1, position: [0, 0, 9] }) },
    { name: 'a.dcm', header: h('s', { instanceNumber: 1, position: [0, 0, -9] }) },
    { name: 'd.dcm', header: h('s', { instanceNumber: 1 }) },
    { name: 'c.dcm', header: h('s', { instanceNumber: 1 }) },
  ];
  assert.deepEqual(orderSeries(byZ).map((m) => m.name), ['a.dcm', 'b.dcm', 'c.dcm', 'd.dcm']);
});

test('a stack holds the single-frame files of the same series only', () => {
  const members: SeriesMember[] = [
    { name: 'a2.dcm', header: h('A', { instanceNumber: 2 }) },
    { name: 'b1.dcm', header: h('B', { instanceNumber: 1 }) },
    { name: 'a1.dcm', header: h('A', { instanceNumber: 1 }) },
    { name: 'cine.dcm', header: h('A', { instanceNumber: 3, frames: 20 }) },
  ];
  assert.deepEqual(seriesStack(members, 'a2.dcm'), ['a1.dcm', 'a2.dcm']);
  assert.equal(seriesStack(members, 'b1.dcm'), undefined, 'alone in its series');
  assert.equal(seriesStack(members, 'cine.dcm'), undefined, 'a multi-frame file steps through its own frames');
  assert.equal(seriesStack(members, 'missing.dcm'), undefined);
});

test('SeriesStacks groups a folder on disk and re-reads only changed headers', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-series-'));
  try {
    writeFileSync(path.join(dir, 'slice-b.dcm'), slice({ series: '1.9', instance: 1 }));
    writeFileSync(path.join(dir, 'slice-a.dcm'), slice({ series: '1.9', instance: 3 }));
    writeFileSync(path.join(dir, 'slice-c.dcm'), slice({ series: '1.9', instance: 2 }));
    writeFileSync(path.join(dir, 'other.dcm'), slice({ series: '7.7', instance: 1 }));
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    let heads = 0;
    const counting: StackFs = { ...nodeStackFs, head: (f, n) => { heads++; return nodeStackFs.head(f, n); } };
    const stacks = new SeriesStacks(counting);
    const want = ['slice-b.dcm', 'slice-c.dcm', 'slice-a.dcm'].map((n) => path.join(dir, n));
    assert.deepEqual(await stacks.stackFor(path.join(dir, 'slice-a.dcm')), want);
    assert.equal(heads, 4, 'one header read per DICOM file');
    assert.deepEqual(await stacks.stackFor(path.join(dir, 'slice-c.dcm')), want);
    assert.equal(heads, 4, 'cached for the folder');
    assert.equal(await stacks.stackFor(path.join(dir, 'other.dcm')), undefined);
    // Renumber a slice: only that file is read again, and the order follows.
    writeFileSync(path.join(dir, 'slice-b.dcm'), slice({ series: '1.9', instance: 9 }));
    utimesSync(path.join(dir, 'slice-b.dcm'), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(await stacks.stackFor(path.join(dir, 'slice-a.dcm')), ['slice-c.dcm', 'slice-a.dcm', 'slice-b.dcm'].map((n) => path.join(dir, n)));
    assert.equal(heads, 5);
    assert.equal(await stacks.stackFor(path.join(dir, 'notes.txt')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder with more DICOM files than the bound is not stacked', async () => {
  const names = Array.from({ length: 1001 }, (_, i) => `s${i}.dcm`);
  let heads = 0;
  const fs: StackFs = { list: async () => names, stat: async () => ({ mtime: 1, size: 1 }), head: async () => { heads++; return new Uint8Array(0); } };
  assert.equal(await new SeriesStacks(fs).stackFor('/x/s1.dcm'), undefined);
  assert.equal(heads, 0, 'no header read');
});
