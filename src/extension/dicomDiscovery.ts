/**
 * DICOM files without an image extension (`CT-MONO2-16-ankle`, `IM00001`, UID-named exports),
 * found by content as the CLI does: 'DICM' at byte 128. Only names without an extension, or with a
 * numeric one, are looked at; each is read for its first 132 bytes, never more, and the number of
 * files looked at is capped so a folder scan of a large workspace stays cheap.
 */
import { readHead } from '../core/io/regularFile';

export const PREAMBLE_BYTES = 132;

export interface SniffFs {
  /** Up to `length` bytes from the start of a regular file; undefined for anything else (folder, FIFO, missing). */
  readHead(path: string, length: number): Promise<Uint8Array | undefined>;
}

export interface SniffLimits {
  /** Candidates looked at; the rest are skipped (and counted). */
  maxFiles: number;
  /** Files read at once. */
  concurrency: number;
}

export const DEFAULT_SNIFF_LIMITS: SniffLimits = { maxFiles: 5000, concurrency: 8 };

/** A name that may be a DICOM file with no image extension: none, or a number (a UID's last part). */
export function mayBeBareDicom(name: string): boolean {
  if (name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  return dot < 0 || /^\d+$/.test(name.slice(dot + 1));
}

export const hasPreamble = (head: Uint8Array): boolean =>
  head.length >= PREAMBLE_BYTES && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;

export interface SniffResult {
  dicom: string[];
  /** Candidates over the cap, not looked at. */
  skipped: number;
}

/** The files among `listed` whose names may be bare DICOM and that start like DICOM Part 10, in input order. */
export async function findBareDicom(listed: readonly string[], fs: SniffFs, limits: SniffLimits = DEFAULT_SNIFF_LIMITS): Promise<SniffResult> {
  const paths = listed.filter((p) => mayBeBareDicom(p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1)));
  const todo = paths.slice(0, Math.max(0, limits.maxFiles));
  const hits = new Array<boolean>(todo.length).fill(false);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const i = next++;
      try {
        const head = await fs.readHead(todo[i], PREAMBLE_BYTES);
        hits[i] = head !== undefined && hasPreamble(head);
      } catch {
        // Unreadable: not listed; a scan of it by name would report why.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.concurrency, todo.length)) }, worker));
  return { dicom: todo.filter((_, i) => hits[i]), skipped: paths.length - todo.length };
}

/** node:fs, opened non-blocking (a FIFO never hangs the scan) and read for its head only. */
export const nodeSniffFs: SniffFs = { readHead };
