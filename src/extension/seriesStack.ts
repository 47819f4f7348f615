/**
 * Series stacks for the review editor: the single-frame DICOM files next to an opened one that
 * share its Series Instance UID, in stack order (src/core/image/dicom/series.ts). Only headers
 * are read, for at most MAX_SERIES_FILES files per folder; headers are cached per folder and
 * re-read when a file's size or modification time changes. No vscode import: the host passes
 * file-system paths.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readSeriesHeader, SERIES_HEADER_BYTES, seriesStack, type SeriesHeader, type SeriesMember } from '../core/image/dicom/series';
import { MAX_STACK_FILES } from '../shared/protocol';

/** A folder with more DICOM files than this is not stacked (its headers would take too long). */
export const MAX_SERIES_FILES = MAX_STACK_FILES;
/** Folders whose headers are kept. */
const CACHED_FOLDERS = 16;
const DICOM_NAME = /\.(dcm|dicom)$/i;

export interface StackFs {
  /** File names (not folders) in `dir`. */
  list(dir: string): Promise<string[]>;
  stat(file: string): Promise<{ mtime: number; size: number }>;
  /** Up to `bytes` bytes from the start of the file. */
  head(file: string, bytes: number): Promise<Uint8Array>;
}

export const nodeStackFs: StackFs = {
  list: async (dir) => (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name),
  stat: async (file) => {
    const s = await stat(file);
    return { mtime: s.mtimeMs, size: s.size };
  },
  head: async (file, bytes) => {
    const h = await open(file, 'r');
    try {
      const buf = new Uint8Array(bytes);
      const { bytesRead } = await h.read(buf, 0, bytes, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  },
};

interface Cached {
  mtime: number;
  size: number;
  header: SeriesHeader | undefined;
}

export class SeriesStacks {
  private readonly folders = new Map<string, Map<string, Cached>>();

  constructor(private readonly fs: StackFs = nodeStackFs) {}

  /** Absolute paths of the stack `file` belongs to, in stack order; undefined when it is alone. */
  async stackFor(file: string): Promise<string[] | undefined> {
    const dir = path.dirname(file);
    const name = path.basename(file);
    if (!DICOM_NAME.test(name)) return undefined;
    const names = (await this.fs.list(dir)).filter((n) => DICOM_NAME.test(n)).sort();
    if (names.length < 2 || names.length > MAX_SERIES_FILES || !names.includes(name)) return undefined;
    const members = await this.headers(dir, names);
    return seriesStack(members, name)?.map((n) => path.join(dir, n));
  }

  private async headers(dir: string, names: string[]): Promise<SeriesMember[]> {
    const old = this.folders.get(dir) ?? new Map<string, Cached>();
    const now = new Map<string, Cached>();
    for (const n of names) {
      const file = path.join(dir, n);
      const s = await this.fs.stat(file).catch(() => undefined);
      if (!s) continue;
      const hit = old.get(n);
      if (hit && hit.mtime === s.mtime && hit.size === s.size) {
        now.set(n, hit);
        continue;
      }
      const bytes = await this.fs.head(file, SERIES_HEADER_BYTES).catch(() => undefined);
      now.set(n, { ...s, header: bytes ? readSeriesHeader(bytes) : undefined });
    }
    this.folders.delete(dir);
    this.folders.set(dir, now);
    while (this.folders.size > CACHED_FOLDERS) this.folders.delete(this.folders.keys().next().value as string);
    return [...now].flatMap(([n, c]) => (c.header ? [{ name: n, header: c.header }] : []));
  }
}
