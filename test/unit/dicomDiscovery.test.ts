import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PREAMBLE_BYTES, findBareDicom, mayBeBareDicom, nodeSniffFs, type SniffFs } from '../../src/extension/dicomDiscovery';

const part10 = (extra = 64): Uint8Array => {
  const b = new Uint8Array(PREAMBLE_BYTES + extra);
  b.set(Buffer.from('DICM'), 128);
  return b;
};

/** An in-memory fs that records every read. */
function memoryFs(files: Record<string, Uint8Array>): SniffFs & { reads: { path: string; length: number }[] } {
  const reads: { path: string; length: number }[] = [];
  return {
    reads,
    readHead: async (p, length) => {
      reads.push({ path: p, length });
      const f = files[p];
      return f?.subarray(0, length);
    },
  };
}

test('names that may be DICOM without an image extension: none, or a numeric one', () => {
  for (const n of ['CT-MONO2-16-ankle', 'IM00001', '1.2.840.113619.2.55.3.604688119.971.1', 'I0']) assert.ok(mayBeBareDicom(n), n);
  for (const n of ['notes.txt', 'scan.png', 'README', '.hidden', 'a.json']) assert.equal(mayBeBareDicom(n), n === 'README', n);
});

test('extension-less DICOM files are found by the preamble; other files are never read', async () => {
  const fs = memoryFs({
    '/w/CT-MONO2-16-ankle': part10(),
    '/w/sub/IM00001': part10(),
    '/w/1.2.840.10008.99.7': part10(),
    '/w/README': Uint8Array.from(Buffer.from('not dicom at all '.repeat(20))),
    '/w/short': part10().subarray(0, 100),
    '/w/notes.txt': part10(),
  });
  const listed = ['/w/CT-MONO2-16-ankle', '/w/sub/IM00001', '/w/1.2.840.10008.99.7', '/w/README', '/w/short', '/w/notes.txt', '/w/gone'];
  const { dicom, skipped } = await findBareDicom(listed, fs);
  assert.deepEqual(dicom, ['/w/CT-MONO2-16-ankle', '/w/sub/IM00001', '/w/1.2.840.10008.99.7']);
  assert.equal(skipped, 0);
  assert.ok(fs.reads.every((r) => r.length === PREAMBLE_BYTES), 'only the first 132 bytes are asked for');
  assert.ok(!fs.reads.some((r) => r.path === '/w/notes.txt'), 'a file with another extension is not read');
});

test('the number of files looked at is capped, and reads run a few at a time', async () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 50; i++) files[`/w/IM${i}`] = part10();
  let inFlight = 0;
  let peak = 0;
  const fs: SniffFs = {
    readHead: async (p, length) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return files[p]?.subarray(0, length);
    },
  };
  const { dicom, skipped } = await findBareDicom(Object.keys(files), fs, { maxFiles: 20, concurrency: 3 });
  assert.equal(dicom.length, 20);
  assert.equal(skipped, 30);
  assert.ok(peak <= 3, `peak concurrency ${peak}`);
});

test('a read that fails leaves the file out instead of failing the scan', async () => {
  const fs: SniffFs = { readHead: async (p) => (p.endsWith('bad') ? Promise.reject(new Error('EACCES')) : part10()) };
  assert.deepEqual((await findBareDicom(['/w/bad', '/w/good'], fs)).dicom, ['/w/good']);
});

test('on disk: reads the head of regular files only (a folder named like an image is skipped)', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-sniff-'));
  await writeFile(path.join(root, 'IM00001'), part10(4096));
  await writeFile(path.join(root, 'IM00002'), new Uint8Array(400));
  await mkdir(path.join(root, 'IM00003'));
  const names = ['IM00001', 'IM00002', 'IM00003'].map((n) => path.join(root, n));
  assert.deepEqual((await findBareDicom(names, nodeSniffFs)).dicom, [path.join(root, 'IM00001')]);
  await rm(root, { recursive: true });
});
