/**
 * Reading an input file safely: only regular files (a FIFO would block forever, /dev/zero would
 * never end), never more than a size cap, symbolic links followed to what they name. Every refusal
 * is a typed error that says what the path is and what to do.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import { AnomalyLensError } from '../../shared/errors';

/** Largest input file read (an uncompressed 100-megapixel 16-bit RGB image is 600 MB). */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 30;

/** What a non-regular file is, in words. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function notRegular(name: string, st: Stats): AnomalyLensError {
  return new AnomalyLensError('FILE_UNREADABLE', `${kindOf(st)}, not a regular file; it was not read`, {
    file: name,
    hint: 'only regular image files are scanned; remove it from the list or the folder',
  });
}

/** An errno from open/stat/read as a typed error naming the file. */
export function fileError(name: string, e: unknown): AnomalyLensError {
  if (e instanceof AnomalyLensError) return e.withFile(name);
  const code = (e as NodeJS.ErrnoException).code;
  const message =
    code === 'ENOENT'
      ? 'file not found (or a symbolic link to a missing file)'
      : code === 'ELOOP'
        ? 'a symbolic link loop (the link leads back to itself)'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'a folder, not a file'
            : `cannot read the file (${code ?? (e instanceof Error ? e.message : 'error')})`;
  return new AnomalyLensError('FILE_UNREADABLE', message, { file: name, cause: e, hint: code === 'ELOOP' ? 'fix or remove the link' : undefined });
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a regular file (following symbolic links) of at most `maxBytes`. The file is opened
 * non-blocking and checked on its descriptor, so a FIFO is refused without waiting for a writer
 * and a file swapped after a check cannot slip through.
 */
export async function readRegularFile(file: string, name: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Uint8Array> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (e) {
    throw fileError(name, e);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw notRegular(name, st);
    if (st.size > maxBytes) {
      throw new AnomalyLensError('IMAGE_TOO_LARGE', `the file is ${st.size} bytes, over the limit of ${maxBytes}`, { file: name, hint: 'this is far larger than any image the scanner reads; check the file' });
    }
    const out = new Uint8Array(st.size);
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, out.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === out.length ? out : out.subarray(0, at);
  } catch (e) {
    throw fileError(name, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The first `n` bytes of a regular file (fewer when it is shorter); undefined for anything else. */
export async function readHead(file: string, n: number): Promise<Uint8Array | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
    const st = await handle.stat();
    if (!st.isFile()) return undefined;
    const out = new Uint8Array(n);
    const { bytesRead } = await handle.read(out, 0, n, 0);
    return out.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Part 10 DICOM: 'DICM' at byte 128 (how extension-less exports from scanners are recognised). */
export async function hasDicomPreamble(file: string): Promise<boolean> {
  const head = await readHead(file, 132);
  return head !== undefined && head.length === 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}
