/**
 * Writes the annotation JSON Schema (the TS const in src/shared/annotation.ts) to
 * schemas/annotation.schema.json. `--check` exits 1 when the file is out of date instead.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANNOTATION_SCHEMA } from '../src/shared/annotation';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'schemas', 'annotation.schema.json');
const text = `${JSON.stringify(ANNOTATION_SCHEMA, null, 2)}\n`;

if (process.argv.includes('--check')) {
  let onDisk = '';
  try {
    onDisk = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (onDisk !== text) {
    console.error(`${path.relative(root, target)} is out of date; run: npx tsx scripts/write-schema.ts`);
    process.exit(1);
  }
  console.log(`${path.relative(root, target)} is up to date`);
} else {
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${path.relative(root, target)}`);
}
