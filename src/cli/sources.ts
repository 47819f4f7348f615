/**
 * Turns command-line inputs (files, folders, list files) into lazily read ImageSources,
 * so a scan of a large folder streams instead of loading every file first.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageSource } from '../core/api';
import { AnomalyLensError } from '../shared/errors';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.dcm', '.dicom']);
const LIST_EXTENSIONS = new Set(['.txt', '.lst', '.list']);
/** Folders never walked: our own outputs and tool folders. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.anomaly-lens']);

export interface FoundImage {
  /** Absolute path. */
  file: string;
  /** Name shown in results: relative to the input folder (or the cwd for single files). */
  name: string;
}

export const isImagePath = (p: string): boolean => IMAGE_EXTENSIONS.has(path.extname(p).toLowerCase());

async function walk(dir: string, root: string, out: FoundImage[], exclude: Set<string>): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name) || exclude.has(full)) continue;
      await walk(full, root, out, exclude);
    } else if (e.isFile() && isImagePath(e.name)) {
      out.push({ file: full, name: path.relative(root, full).split(path.sep).join('/') });
    }
  }
}

/**
 * Expands inputs in order: image files as given, folders recursively (sorted), list files line by
 * line (paths relative to the list file; blank lines and # comments ignored).
 * `exclude` holds absolute folders to skip (e.g. the scan's own output folder inside the input).
 */
export async function findImages(inputs: string[], cwd: string, exclude: string[] = []): Promise<FoundImage[]> {
  const out: FoundImage[] = [];
  const ex = new Set(exclude.map((e) => path.resolve(cwd, e)));
  for (const input of inputs) {
    const abs = path.resolve(cwd, input);
    const st = await fs.stat(abs).catch(() => undefined);
    if (!st) {
      throw new AnomalyLensError('FILE_UNREADABLE', 'no such file or folder', { file: input, hint: 'check the path' });
    }
    if (st.isDirectory()) {
      await walk(abs, abs, out, ex);
    } else if (LIST_EXTENSIONS.has(path.extname(abs).toLowerCase())) {
      const base = path.dirname(abs);
      const lines = (await fs.readFile(abs, 'utf8')).split(/\r?\n/);
      for (const raw of lines) {
        const l = raw.trim();
        if (!l || l.startsWith('#')) continue;
        const f = path.resolve(base, l);
        out.push({ file: f, name: path.relative(cwd, f).split(path.sep).join('/') || path.basename(f) });
      }
    } else {
      // Any other file is taken as an image; a non-image fails at decode with a named reason.
      out.push({ file: abs, name: path.relative(cwd, abs).split(path.sep).join('/') || path.basename(abs) });
    }
  }
  // The same file named twice is scored once.
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.file) ? false : (seen.add(f.file), true)));
}

export function toSource(f: FoundImage): ImageSource {
  return {
    name: f.name,
    read: async () => {
      try {
        return new Uint8Array(await fs.readFile(f.file));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new AnomalyLensError('FILE_UNREADABLE', code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'error'})`, {
          file: f.name,
          cause: e,
        });
      }
    },
  };
}
