/**
 * Annotation files on disk: validated on every read and write, written atomically (temp file in
 * the same folder, then rename), and never clobbering an edit made outside the extension.
 *
 * Works on workspace-relative posix paths through a small FS interface, so tests run it on
 * node:fs and the extension passes a vscode.workspace.fs adapter.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AnomalyLensError } from '../shared/errors';
import {
  annotationRelPath,
  serializeAnnotation,
  type Annotation,
  type AnnotationCheck,
} from '../shared/annotation';
import { checkAnnotationFolder } from './annotationFolder';

export interface FileStat {
  /** Modification time in ms. */
  mtime: number;
  size: number;
}

export interface StoreFs {
  readFile(path: string): Promise<Uint8Array>;
  /** Creates missing parent folders. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** undefined when the file does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  delete(path: string): Promise<void>;
}

/** What the store last saw of a file; a different hash on disk means somebody else wrote it. */
export interface Fingerprint extends FileStat {
  sha256: string;
}

export interface WriteOptions {
  /** The user chose to replace an externally edited file. */
  force?: boolean;
}

const TEMP_MARK = '.tmp-';
export const isTempAnnotationFile = (path: string): boolean => path.includes(TEMP_MARK) && !path.endsWith('.json');

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export class AnnotationStore {
  private readonly seen = new Map<string, Fingerprint | null>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly fs: StoreFs,
    private readonly validate: (data: unknown) => AnnotationCheck,
    private readonly folder: () => string,
  ) {}

  /** The annotation folder setting, checked to stay inside the workspace folder (SETTING_INVALID otherwise). */
  annotationFolder(): string {
    return checkAnnotationFolder(this.folder());
  }

  pathFor(imageRelPath: string): string {
    return annotationRelPath(imageRelPath, this.annotationFolder());
  }

  /** Reads and validates; undefined when there is no annotation yet. */
  async read(imageRelPath: string): Promise<Annotation | undefined> {
    const file = this.pathFor(imageRelPath);
    const st = await this.fs.stat(file);
    if (!st) {
      this.seen.set(file, null);
      return undefined;
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(file);
    } catch (err) {
      if (!(await this.fs.stat(file))) {
        this.seen.set(file, null);
        return undefined;
      }
      throw new AnomalyLensError('FILE_UNREADABLE', 'cannot read the annotation file', { file, cause: err });
    }
    const value = this.parse(file, bytes);
    this.seen.set(file, { ...st, sha256: sha256(bytes) });
    return value;
  }

  /**
   * Writes atomically. Refuses (ANNOTATION_CONFLICT) when the file on disk is not the one this
   * store last read or wrote — including a file that appeared since — unless `force` is set.
   */
  async write(imageRelPath: string, annotation: Annotation, opts: WriteOptions = {}): Promise<void> {
    const file = this.pathFor(imageRelPath);
    const check = this.validate(annotation);
    if (!check.ok) {
      throw new AnomalyLensError('ANNOTATION_INVALID', `refusing to write an invalid annotation: ${check.problems.join('; ')}`, {
        file,
        hint: 'This is a bug in whatever produced the annotation; the file on disk is unchanged.',
      });
    }
    if (!opts.force) await this.assertUnchanged(file);
    const bytes = this.encoder.encode(serializeAnnotation(annotation));
    // Short and beside the file: the annotation's own name may already be near the 255-byte limit.
    const temp = `${file.slice(0, file.lastIndexOf('/') + 1)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await this.fs.writeFile(temp, bytes);
      await this.fs.rename(temp, file);
    } catch (err) {
      // The target is untouched until rename succeeds; drop the half-written temp file.
      await this.fs.delete(temp).catch(() => undefined);
      throw new AnomalyLensError('FILE_UNREADABLE', `could not save the annotation: ${(err as Error).message ?? err}`, {
        file,
        hint: 'The previous annotation file is intact. Check the folder is writable.',
        cause: err,
      });
    }
    const st = await this.fs.stat(file);
    this.seen.set(file, { mtime: st?.mtime ?? Date.now(), size: st?.size ?? bytes.length, sha256: sha256(bytes) });
  }

  /**
   * Read-modify-write on the latest content: `fn` gets what is on disk now (external edits
   * included) and returns the new annotation, or undefined to leave the file alone.
   */
  async update(
    imageRelPath: string,
    fn: (current: Annotation | undefined) => Annotation | undefined,
  ): Promise<Annotation | undefined> {
    const current = await this.read(imageRelPath);
    const next = fn(current);
    if (next === undefined) return current;
    await this.write(imageRelPath, next);
    return next;
  }

  async remove(imageRelPath: string): Promise<void> {
    const file = this.pathFor(imageRelPath);
    await this.assertUnchanged(file);
    if (await this.fs.stat(file)) await this.fs.delete(file);
    this.seen.set(file, null);
  }

  /** Opaque revision of the file as last read or written (null: absent or never read). */
  revision(imageRelPath: string): string | null {
    return this.seen.get(this.pathFor(imageRelPath))?.sha256 ?? null;
  }

  /** Forget what was seen (e.g. after the watcher reports an external change that was reloaded). */
  forget(imageRelPath: string): void {
    this.seen.delete(this.pathFor(imageRelPath));
  }

  /** True when the file on disk differs from what this store last read or wrote. */
  async changedExternally(imageRelPath: string): Promise<boolean> {
    try {
      await this.assertUnchanged(this.pathFor(imageRelPath));
      return false;
    } catch (err) {
      if (err instanceof AnomalyLensError && err.code === 'ANNOTATION_CONFLICT') return true;
      throw err;
    }
  }

  private parse(file: string, bytes: Uint8Array): Annotation {
    let data: unknown;
    try {
      data = JSON.parse(this.decoder.decode(bytes));
    } catch (err) {
      throw new AnomalyLensError('ANNOTATION_INVALID', `not valid JSON: ${(err as Error).message}`, {
        file,
        hint: 'Fix the file by hand or delete it; Anomaly Lens will not overwrite it.',
        cause: err,
      });
    }
    const check = this.validate(data);
    if (!check.ok) {
      throw new AnomalyLensError('ANNOTATION_INVALID', `does not match the annotation schema: ${check.problems.slice(0, 5).join('; ')}`, {
        file,
        hint: 'See docs/extension.md (annotation format). Anomaly Lens will not overwrite it.',
      });
    }
    return check.value;
  }

  private async assertUnchanged(file: string): Promise<void> {
    const st = await this.fs.stat(file);
    const last = this.seen.get(file);
    if (!st) return; // nothing to clobber (absent, or deleted outside: writing is safe)
    if (last && last.mtime === st.mtime && last.size === st.size) return;
    if (last) {
      const bytes = await this.fs.readFile(file);
      if (sha256(bytes) === last.sha256) {
        this.seen.set(file, { ...st, sha256: last.sha256 }); // touched, not changed
        return;
      }
    }
    throw new AnomalyLensError(
      'ANNOTATION_CONFLICT',
      last ? 'the annotation file was changed outside Anomaly Lens since it was read' : 'an annotation file appeared on disk that Anomaly Lens has not read',
      { file, hint: 'Reload to see the file on disk, or overwrite it explicitly.' },
    );
  }
}
