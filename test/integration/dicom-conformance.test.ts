import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..');
const dataRoot = process.env.ANOMALY_LENS_DATA ?? path.resolve(repoRoot, '../shared/data');
const corpus = path.join(dataRoot, 'dicom');

/** Known, documented gaps (docs/conformance.md): each must fail with its specific typed error. */
const KNOWN_GAPS: [RegExp, string][] = [
  [/JPEG Extended \(Process 2 & 4\) \| wrong \| DICOM_UNSUPPORTED_TRANSFER_SYNTAX: frame 1 is 12-bit lossy JPEG/, '12-bit lossy JPEG'],
  [/^\| pydicom\/SC_rgb_jpeg\.dcm \|.*\| wrong \| FILE_TRUNCATED/, 'implicit VR data set under an explicit transfer syntax'],
  [/^\| pydicom\/no_meta\.dcm \|.*\| wrong \| DICOM_INVALID/, 'stray leading byte before the data set'],
];

test('conformance over ../shared/data/dicom: every file decodes or fails as expected; lossless NEMA matches REF', { timeout: 600_000 }, (t) => {
  if (!fs.existsSync(corpus)) {
    t.skip(`DICOM corpus not found at ${corpus} (set ANOMALY_LENS_DATA); skipping the conformance run`);
    return;
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/conformance.ts'), corpus, '--no-speed'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.signal, null, run.stderr);
  const rows = run.stdout.split('\n').filter((l) => !l.startsWith('| transfer syntax') && /^\| [^|]+ \| [^|]+ \| (decoded|expected error|wrong) \| /.test(l));
  assert.ok(rows.length > 300, `only ${rows.length} rows:\n${run.stderr}`);
  const wrong = rows.filter((r) => r.includes('| wrong |'));
  const unexplained = wrong.filter((r) => !KNOWN_GAPS.some(([re]) => re.test(r)));
  assert.deepEqual(unexplained, [], 'rows that are wrong and not a documented gap');
  assert.ok(!run.stdout.includes('CRASH'), 'an untyped exception escaped the decoder');
  const lossless = rows.filter((r) => /^\| nema-wg04\/(J2KR|JLSL|JPLL|RLE)\//.test(r));
  assert.ok(lossless.length >= 50, `only ${lossless.length} lossless NEMA rows`);
  for (const r of lossless) assert.match(r, /identical to REF/, r);
});
