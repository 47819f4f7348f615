/**
 * The models of each workspace folder (`.anomaly-lens/models/<name>/model.json`), read on the
 * host without the worker, and which one is active per folder (kept in workspace state).
 */
import * as vscode from 'vscode';
import { describeError, toErrorInfo } from '../shared/errors';
import { MODEL_MANIFEST_FILE, parseModelSummary } from '../shared/modelSummary';
import type { ModelSummary } from '../shared/workerProtocol';
import type { Logger } from './log';

export const MODELS_DIR = '.anomaly-lens/models';
const ACTIVE_MODEL_KEY = 'anomalyLens.activeModel';

export interface ListedModel {
  /** The model's folder name under .anomaly-lens/models. */
  name: string;
  summary: ModelSummary;
}

const isNotFound = (err: unknown): boolean => err instanceof vscode.FileSystemError && err.code === 'FileNotFound';

export class ModelRegistry implements vscode.Disposable {
  private readonly active = new Map<string, ModelSummary | null>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: Logger,
  ) {}

  modelsUri(folder: vscode.WorkspaceFolder): vscode.Uri {
    return vscode.Uri.joinPath(folder.uri, ...MODELS_DIR.split('/'));
  }

  /** A model's summary; undefined when the folder has no model.json, MODEL_INVALID when it is malformed. */
  async read(dir: vscode.Uri): Promise<ModelSummary | undefined> {
    const file = vscode.Uri.joinPath(dir, MODEL_MANIFEST_FILE);
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(file);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return parseModelSummary(dir.fsPath, new TextDecoder().decode(bytes), file.fsPath);
  }

  /** Every readable model of a folder, newest first; unreadable ones are logged with their reason. */
  async list(folder: vscode.WorkspaceFolder): Promise<ListedModel[]> {
    let entries: [string, vscode.FileType][];
    try {
      entries = await vscode.workspace.fs.readDirectory(this.modelsUri(folder));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const out: ListedModel[] = [];
    for (const [name, type] of entries) {
      if (type !== vscode.FileType.Directory) continue;
      const summary = await this.readOrLog(vscode.Uri.joinPath(this.modelsUri(folder), name));
      if (summary) out.push({ name, summary });
    }
    return out.sort((a, b) => (a.summary.createdAt < b.summary.createdAt ? 1 : -1));
  }

  private async readOrLog(dir: vscode.Uri): Promise<ModelSummary | undefined> {
    try {
      return await this.read(dir);
    } catch (err) {
      this.log.warn(`model ${dir.fsPath} skipped: ${describeError(toErrorInfo(err))}`);
      return undefined;
    }
  }

  /** The folder's active model: the one chosen last, else the newest. */
  async activeFor(folder: vscode.WorkspaceFolder): Promise<ModelSummary | undefined> {
    const key = folder.uri.toString();
    if (this.active.has(key)) return this.active.get(key) ?? undefined;
    const chosen = this.state.get<Record<string, string>>(ACTIVE_MODEL_KEY, {})[key];
    let summary = chosen ? await this.readOrLog(vscode.Uri.joinPath(this.modelsUri(folder), chosen)) : undefined;
    summary ??= (await this.list(folder))[0]?.summary;
    this.active.set(key, summary ?? null);
    return summary;
  }

  async setActive(folder: vscode.WorkspaceFolder, name: string, summary: ModelSummary): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(ACTIVE_MODEL_KEY, {}), [folder.uri.toString()]: name };
    await this.state.update(ACTIVE_MODEL_KEY, all);
    this.active.set(folder.uri.toString(), summary);
    this.emitter.fire();
  }

  /** Drops what was read, so the next use reads model.json again (Refresh). */
  forget(): void {
    this.active.clear();
    this.emitter.fire();
  }

  /** Tells listeners the threshold view of the models changed (settings). */
  changed(): void {
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** A new model's folder name: the local time it was trained. */
export function newModelDirName(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `m-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
