// Input discovery and reading over hostile file systems: links, loops, FIFOs, devices, size caps,
// and DICOM files without an extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findImages, toSource } from '../../src/cli/sources';
import { readRegularFile } from '../../src/core/io/regularFile';
import { AnomalyLensError } from '../../src/shared/errors';
import { TS, imageElements, writeDicom } from './dicomWriter';

const posix = process.platform !== 'win32';

function hostileFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-sources-'));
  writeFileSync(path.join(dir, 'good.png'), 'not really a png');
  symlinkSync('good.png', path.join(dir, 'link.png'));
  symlinkSync('loop.png', path.join(dir, 'loop.png'));
  symlinkSync('missing.png', path.join(dir, 'dangling.png'));
  execFileSync('mkfifo', [path.join(dir, 'pipe.png')]);
  mkdirSync(path.join(dir, 'sub'));
  symlinkSync('..', path.join(dir, 'sub', 'up')); // a folder cycle
  const dcm = writeDicom({ transferSyntax: TS.explicitLE, elements: imageElements({ rows: 2, columns: 2, bitsAllocated: 8 }), pixels: new Uint8Array(4), pixelVr: 'OB' });
  writeFileSync(path.join(dir, 'sub', 'CT-MONO2-16-ankle'), dcm);
  writeFileSync(path.join(dir, 'sub', '1.2.840.113619.2.55.3.320'), dcm);
  writeFileSync(path.join(dir, 'sub', 'README'), 'plain text, no preamble');
  return dir;
}

test('a folder scan lists symlinked images, loops, dangling links and FIFOs; extension-less DICOM is found by its preamble', { skip: !posix && 'needs POSIX links and FIFOs', timeout: 20_000 }, async () => {
  const dir = hostileFolder();
  const found = await findImages([dir], dir);
  const byName = new Map(found.map((f) => [f.name, f]));
  assert.deepEqual([...byName.keys()].sort(), ['dangling.png', 'good.png', 'link.png', 'loop.png', 'pipe.png', 'sub/1.2.840.113619.2.55.3.320', 'sub/CT-MONO2-16-ankle']);
  assert.equal(byName.get('sub/CT-MONO2-16-ankle')?.sniffed, 'dicom');
  const read = async (name: string) => toSource(byName.get(name)!).read();
  assert.equal(Buffer.from(await read('link.png')).toString(), 'not really a png', 'a valid link is read through');
  const refused = async (name: string, why: RegExp) =>
    assert.rejects(read(name), (e: unknown) => e instanceof AnomalyLensError && e.code === 'FILE_UNREADABLE' && e.file === name && why.test(e.message));
  await refused('loop.png', /symbolic link loop/);
  await refused('dangling.png', /not found/);
  await refused('pipe.png', /named pipe \(FIFO\), not a regular file/);
  assert.ok((await read('sub/CT-MONO2-16-ankle')).length > 132);
});

test('a list file naming a FIFO and /dev/zero gets a typed refusal for each, without blocking or reading', { skip: !posix && 'needs POSIX special files', timeout: 20_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-list-'));
  execFileSync('mkfifo', [path.join(dir, 'pipe.dcm')]);
  writeFileSync(path.join(dir, 'inputs.txt'), 'pipe.dcm\n/dev/zero\n');
  const found = await findImages([path.join(dir, 'inputs.txt')], dir);
  assert.equal(found.length, 2);
  for (const f of found) {
    await assert.rejects(toSource(f).read(), (e: unknown) => e instanceof AnomalyLensError && e.code === 'FILE_UNREADABLE' && /not a regular file/.test(e.message));
  }
});

test('a file over the size cap is refused from its size, not read', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-cap-'));
  const file = path.join(dir, 'big.png');
  writeFileSync(file, new Uint8Array(4096));
  await assert.rejects(readRegularFile(file, 'big.png', 1024), (e: unknown) => e instanceof AnomalyLensError && e.code === 'IMAGE_TOO_LARGE' && /4096 bytes, over the limit of 1024/.test(e.message));
  assert.equal((await readRegularFile(file, 'big.png', 4096)).length, 4096);
});
