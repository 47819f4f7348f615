/**
 * The models of each workspace folder (`.anomaly-lens/models/<name>/model.json`), read on the
 * host without the worker; the folder each one serves (`scope.json` beside it, written by the
 * extension); and which model is chosen per scope (kept in workspace state).
 */
import * as vscode from 'vscode';
import { describeError, toErrorInfo } from '../shared/errors';
import { MODEL_MANIFEST_FILE, parseModelSummary } from '../shared/modelSummary';
import type { ModelSummary } from '../shared/workerProtocol';
import type { Logger } from './log';
import { activeModels, modelForPath } from './scopes';
import { locate } from './workspaceImages';

export const MODELS_DIR = '.anomaly-lens/models';
export const SCOPE_FILE = 'scope.json';
const CHOSEN_KEY = 'anomalyLens.chosenModels';

export interface ListedModel {
  /** The model's folder name under .anomaly-lens/models. */
  name: string;
  /** The folder it serves, relative to the workspace folder ('' = all of it). */
  scope: string;
  createdAt: string;
  summary: ModelSummary;
  folder: vscode.WorkspaceFolder;
}

const isNotFound = (err: unknown): boolean => err instanceof vscode.FileSystemError && err.code === 'FileNotFound';

export class ModelRegistry implements vscode.Disposable {
  private readonly lists = new Map<string, Promise<ListedModel[]>>();
  private readonly loaded = new Map<string, ListedModel[]>();
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
  list(folder: vscode.WorkspaceFolder): Promise<ListedModel[]> {
    const key = folder.uri.toString();
    let p = this.lists.get(key);
    if (!p) {
      p = this.readAll(folder).then((all) => {
        this.loaded.set(key, all);
        return all;
      });
      p.catch(() => this.lists.delete(key));
      this.lists.set(key, p);
    }
    return p;
  }

  /** The models of a folder as last read (undefined before the first read). */
  listed(folder: vscode.WorkspaceFolder): ListedModel[] | undefined {
    return this.loaded.get(folder.uri.toString());
  }

  private async readAll(folder: vscode.WorkspaceFolder): Promise<ListedModel[]> {
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
      const dir = vscode.Uri.joinPath(this.modelsUri(folder), name);
      try {
        const summary = await this.read(dir);
        if (summary) out.push({ name, scope: await this.readScope(dir), createdAt: summary.createdAt, summary, folder });
      } catch (err) {
        this.log.warn(`model ${dir.fsPath} skipped: ${describeError(toErrorInfo(err))}`);
      }
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  /** A model without scope.json serves the whole workspace folder. */
  private async readScope(dir: vscode.Uri): Promise<string> {
    const file = vscode.Uri.joinPath(dir, SCOPE_FILE);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    } catch (err) {
      if (isNotFound(err)) return '';
      throw err;
    }
    const json = JSON.parse(text) as unknown;
    const folder = typeof json === 'object' && json !== null ? (json as { folder?: unknown }).folder : undefined;
    if (typeof folder !== 'string') throw new Error(`${file.fsPath}: "folder" must be a string`);
    return normalizeScope(folder);
  }

  chosen(folder: vscode.WorkspaceFolder): Record<string, string> {
    const all = this.state.get<Record<string, Record<string, string>>>(CHOSEN_KEY, {});
    return all[folder.uri.toString()] ?? {};
  }

  /** The model that scores this image (deepest scope holding it), if any. */
  async modelFor(uri: vscode.Uri): Promise<ListedModel | undefined> {
    const at = locate(uri);
    if (!at) return undefined;
    return modelForPath(await this.list(at.folder), at.rel, this.chosen(at.folder));
  }

  /** As modelFor, from what was last read (for the tree, badges and the status bar). */
  modelForSync(uri: vscode.Uri): ListedModel | undefined {
    const at = locate(uri);
    const list = at && this.listed(at.folder);
    return list ? modelForPath(list, at.rel, this.chosen(at.folder)) : undefined;
  }

  /** One model per scope: the chosen one, else the newest. */
  async active(folder: vscode.WorkspaceFolder): Promise<ListedModel[]> {
    return activeModels(await this.list(folder), this.chosen(folder));
  }

  /** The model for the folder as a whole: the one serving its root, else the newest active one. */
  async activeFor(folder: vscode.WorkspaceFolder): Promise<ModelSummary | undefined> {
    const active = await this.active(folder);
    return (active.find((m) => m.scope === '') ?? [...active].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0])?.summary;
  }

  /** Makes a model the one used for its scope. */
  async choose(folder: vscode.WorkspaceFolder, model: { name: string; scope: string }): Promise<void> {
    const all = { ...this.state.get<Record<string, Record<string, string>>>(CHOSEN_KEY, {}) };
    all[folder.uri.toString()] = { ...(all[folder.uri.toString()] ?? {}), [model.scope]: model.name };
    await this.state.update(CHOSEN_KEY, all);
    this.emitter.fire();
  }

  /** Records the folder a model serves and makes it the one used there (after training, or widening/narrowing). */
  async setScope(folder: vscode.WorkspaceFolder, name: string, scope: string): Promise<void> {
    const file = vscode.Uri.joinPath(this.modelsUri(folder), name, SCOPE_FILE);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(`${JSON.stringify({ folder: normalizeScope(scope) }, null, 2)}\n`));
    this.invalidate(folder);
    await this.choose(folder, { name, scope: normalizeScope(scope) });
  }

  private invalidate(folder: vscode.WorkspaceFolder): void {
    this.lists.delete(folder.uri.toString());
  }

  /** Drops what was read, so the next use reads the models again (Refresh). */
  forget(): void {
    this.lists.clear();
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

export const normalizeScope = (s: string): string => s.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');

/** A new model's folder name: the local time it was trained. */
export function newModelDirName(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `m-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
