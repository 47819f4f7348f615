import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const SCRIPT = path.resolve(__dirname, '../../scripts/check-cycles.mjs');

/** Runs the checker on a folder of files; returns its exit code and stderr. */
function check(files: Record<string, string>): { code: number; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cycles-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    try {
      execFileSync(process.execPath, [SCRIPT, 'src'], { cwd: dir, stdio: 'pipe' });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      return { code: e.status, stderr: e.stderr.toString() };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an import graph without cycles passes', () => {
  const r = check({
    'src/api.ts': 'export interface A { x: number }\n',
    'src/engine.ts': "import type { A } from './api';\nimport { f } from './method/fit';\nexport const g = (a: A) => f(a);\n",
    'src/method/fit.ts': "import type { A } from '../api';\nexport const f = (a: A) => a.x;\n",
  });
  assert.equal(r.code, 0);
});

test('a type-only import cycle through a façade fails and names every file in it', () => {
  const r = check({
    'src/engine.ts': "import { f } from './method/fit';\nexport interface A { x: number }\nexport const g = f;\n",
    'src/method/fit.ts': "import type { A } from '../engine';\nexport const f = (a: A) => a.x;\n",
    'src/other.ts': "export const unrelated = 1;\n",
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /1 import cycle/);
  assert.match(r.stderr, /src\/engine\.ts → src\/method\/fit\.ts/);
  assert.match(r.stderr, /src\/method\/fit\.ts → src\/engine\.ts/);
  assert.doesNotMatch(r.stderr, /other\.ts/);
});

test('re-exports and index files count as imports', () => {
  const r = check({
    'src/a/index.ts': "export * from '../b';\n",
    'src/b.ts': "export { x } from './a';\nexport const y = 1;\n",
  });
  assert.equal(r.code, 1);
});
