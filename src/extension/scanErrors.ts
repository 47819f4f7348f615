/**
 * Scan failures remembered across window reloads. A failed image has no annotation file, so
 * without this the Errors group would stay empty after a reload until the next scan.
 * Kept in workspace state (never in the workspace folder): one record per folder, path → error.
 */
import type { ErrorInfo } from '../shared/errors';

/** The part of vscode.Memento used here (a fake in tests). */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

/** Enough for any real folder; beyond it the oldest entries go first. */
export const MAX_REMEMBERED_ERRORS = 10_000;

const keyOf = (folderUri: string) => `anomalyLens.scanErrors:${folderUri}`;

function isErrorInfo(v: unknown): v is ErrorInfo {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.message === 'string' && (e.hint === undefined || typeof e.hint === 'string') && (e.file === undefined || typeof e.file === 'string');
}

export class ScanErrorMemo {
  constructor(private readonly state: StateStore) {}

  /** Remembered failures of one folder, by folder-relative path; malformed entries are dropped. */
  entries(folderUri: string): Map<string, ErrorInfo> {
    const raw = this.state.get<unknown>(keyOf(folderUri));
    const out = new Map<string, ErrorInfo>();
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
    for (const [rel, e] of Object.entries(raw as Record<string, unknown>)) {
      if (isErrorInfo(e)) out.set(rel, { code: e.code, message: e.message, file: e.file, hint: e.hint });
    }
    return out;
  }

  async record(folderUri: string, rel: string, error: ErrorInfo): Promise<void> {
    const all = this.entries(folderUri);
    all.delete(rel); // re-inserted last: the newest survives the cap
    all.set(rel, { code: error.code, message: error.message, file: error.file, hint: error.hint });
    while (all.size > MAX_REMEMBERED_ERRORS) all.delete(all.keys().next().value as string);
    await this.state.update(keyOf(folderUri), Object.fromEntries(all));
  }

  async forget(folderUri: string, rels: readonly string[]): Promise<void> {
    const all = this.entries(folderUri);
    let changed = false;
    for (const rel of rels) changed = all.delete(rel) || changed;
    if (changed) await this.state.update(keyOf(folderUri), all.size ? Object.fromEntries(all) : undefined);
  }
}
