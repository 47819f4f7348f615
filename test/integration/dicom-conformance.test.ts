import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..');
const dataRoot = process.env.ANOMALY_LENS_DATA ?? path.resolve(repoRoot, '../shared/data');
const corpus = path.join(dataRoot, 'dicom');

test('conformance over ../shared/data/dicom: every file decodes or fails as expected; lossless NEMA matches REF', { timeout: 600_000 }, (t) => {
  if (!fs.existsSync(corpus)) {
    t.skip(`DICOM corpus not found at ${corpus} (set ANOMALY_LENS_DATA); skipping the conformance run`);
    return;
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/conformance.ts'), corpus, '--no-speed', '--no-memory'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.signal, null, run.stderr);
  const rows = run.stdout.split('\n').filter((l) => !l.startsWith('| transfer syntax') && /^\| [^|]+ \| [^|]+ \| (decoded|expected error|wrong) \| /.test(l));
  assert.ok(rows.length > 300, `only ${rows.length} rows:\n${run.stderr}`);
  const wrong = rows.filter((r) => r.includes('| wrong |'));
  assert.deepEqual(wrong, [], 'rows that are wrong');
  assert.ok(!run.stdout.includes('CRASH'), 'an untyped exception escaped the decoder');
  const lossless = rows.filter((r) => /^\| nema-wg04\/(J2KR|JLSL|JPLL|RLE)\//.test(r));
  assert.ok(lossless.length >= 50, `only ${lossless.length} lossless NEMA rows`);
  for (const r of lossless) assert.match(r, /identical to REF/, r);
  // 12-bit lossy JPEG (JPEG extended) against REF: sane quality, not merely "something decoded".
  const jply = rows.filter((r) => /^\| nema-wg04\/JPLY\//.test(r) && r.includes('vs REF'));
  assert.ok(jply.length >= 9, `only ${jply.length} JPLY rows compared with REF`);
  for (const r of jply) {
    const psnr = Number(/PSNR ([0-9.]+) dB/.exec(r)?.[1]);
    assert.ok(psnr > 40, `PSNR ${psnr} dB too low: ${r}`);
  }
  assert.match(rows.find((r) => r.startsWith('| pydicom/SC_rgb_jpeg.dcm ')) ?? '', /\| decoded \| 256x256x3/);
  assert.match(rows.find((r) => r.startsWith('| pydicom/no_meta.dcm ')) ?? '', /\| expected error \| DICOM_INVALID: .*1 stray byte/);
});
