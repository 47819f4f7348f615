/** Reading a built VSIX (a zip): unpack it, and compare what it holds with this checkout. */
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Unpacks every entry under `dest`; returns the entry names (forward slashes, as in the zip). */
export async function unpackVsix(vsix: string, dest: string): Promise<string[]> {
  const zip = await yauzl.openPromise(vsix);
  const names: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const out = path.join(dest, entry.fileName);
      if (!out.startsWith(path.resolve(dest) + path.sep)) throw new Error(`${vsix}: entry escapes the folder: ${entry.fileName}`);
      mkdirSync(path.dirname(out), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(out));
      names.push(entry.fileName);
    }
  } finally {
    zip.close();
  }
  return names;
}

const RUNTIME_FILE = /\.(c?js|json|wasm|node|so(\.\d+)*|dylib|dll)$/;

/**
 * Files of this checkout's node_modules that sit in a folder the VSIX ships files from but are
 * not in the VSIX themselves, and that would explain `error`: a package.json (it sets the module
 * type of its folder) or a file the error names.
 */
export function missingBesidePackaged(entries: readonly string[], repoRoot: string, error: string): string[] {
  const packaged = new Set(entries.map((e) => e.replace(/^extension\//, '')));
  const dirs = new Set([...packaged].filter((f) => f.startsWith('node_modules/')).map((f) => path.posix.dirname(f)));
  const missing: string[] = [];
  for (const dir of dirs) {
    const abs = path.join(repoRoot, dir);
    if (!existsSync(abs)) continue;
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      const rel = `${dir}/${d.name}`;
      if (!d.isFile() || !RUNTIME_FILE.test(d.name) || packaged.has(rel)) continue;
      if (d.name === 'package.json' || error.includes(d.name)) missing.push(rel);
    }
  }
  return missing.sort();
}
