/**
 * Turns command-line inputs (files, folders, list files) into lazily read ImageSources,
 * so a scan of a large folder streams instead of loading every file first.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageSource } from '../core/api';
import { DEFAULT_MAX_FILE_BYTES, fileError, hasDicomPreamble, notRegular, readRegularFile } from '../core/io/regularFile';
import { AnomalyLensError, type ErrorInfo } from '../shared/errors';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.dcm', '.dicom']);
const LIST_EXTENSIONS = new Set(['.txt', '.lst', '.list']);
/** Folders never walked: our own outputs and tool folders. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.anomaly-lens']);

export interface FoundImage {
  /** Absolute path. */
  file: string;
  /** Name shown in results: relative to the input folder (or the cwd for single files). */
  name: string;
  /** Why this entry cannot be read (a symbolic link loop, a FIFO, ...): listed as a failure, never opened. */
  problem?: ErrorInfo;
  /** Found by its content ('DICM' at byte 128), not by its extension. */
  sniffed?: 'dicom';
}

export const isImagePath = (p: string): boolean => IMAGE_EXTENSIONS.has(path.extname(p).toLowerCase());

/** Names that may be images: an image extension, none, or a number (UID-named DICOM exports). */
const mayBeImage = (name: string): boolean => {
  const ext = path.extname(name);
  return isImagePath(name) || ext === '' || /^\.\d+$/.test(ext);
};

interface Walk {
  root: string;
  out: FoundImage[];
  exclude: Set<string>;
  /** Real paths of the folders walked, so a link back to an ancestor is not followed again. */
  visited: Set<string>;
}

async function walk(dir: string, w: Walk): Promise<void> {
  const real = await fs.realpath(dir).catch(() => dir);
  if (w.visited.has(real)) return;
  w.visited.add(real);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    const name = path.relative(w.root, full).split(path.sep).join('/');
    const skippedDir = e.name.startsWith('.') || SKIP_DIRS.has(e.name) || w.exclude.has(full);
    let st = e.isSymbolicLink() ? await fs.stat(full).catch((err: unknown) => err as Error) : undefined;
    if (st instanceof Error) {
      if (mayBeImage(e.name)) w.out.push({ file: full, name, problem: fileError(name, st).toInfo() });
      continue;
    }
    const isDir = st ? st.isDirectory() : e.isDirectory();
    const isFile = st ? st.isFile() : e.isFile();
    if (isDir) {
      if (!skippedDir) await walk(full, w);
    } else if (isFile) {
      if (isImagePath(e.name)) w.out.push({ file: full, name });
      else if (await hasDicomPreamble(full)) w.out.push({ file: full, name, sniffed: 'dicom' });
    } else if (mayBeImage(e.name)) {
      st ??= await fs.lstat(full);
      w.out.push({ file: full, name, problem: notRegular(name, st).toInfo() });
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
      await walk(abs, { root: abs, out, exclude: ex, visited: new Set() });
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

/** A found file as a source: read only if it is a regular file within the size cap. */
export function toSource(f: FoundImage): ImageSource {
  return {
    name: f.name,
    read: async () => {
      if (f.problem) throw new AnomalyLensError(f.problem.code, f.problem.message, { file: f.name, hint: f.problem.hint });
      return readRegularFile(f.file, f.name, DEFAULT_MAX_FILE_BYTES);
    },
  };
}
