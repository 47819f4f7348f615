/**
 * Which images no model serves, by directory: the Findings view lists them as not scanned,
 * with the action to train for that folder. Recomputed when models or images change.
 */
import * as vscode from 'vscode';
import type { ModelRegistry } from './modelRegistry';
import { unscannedByDirectory } from './scopes';
import { findImages, locate } from './workspaceImages';

export interface UnscannedDir {
  folder: vscode.WorkspaceFolder;
  /** Workspace-folder-relative directory ('' = the folder itself). */
  dir: string;
  count: number;
}

export class Coverage implements vscode.Disposable {
  private readonly byFolder = new Map<string, UnscannedDir[]>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly models: ModelRegistry) {}

  async refresh(folder: vscode.WorkspaceFolder): Promise<UnscannedDir[]> {
    const models = await this.models.list(folder);
    const rels = (await findImages(folder)).map((u) => locate(u)?.rel).filter((r): r is string => r !== undefined);
    const dirs = [...unscannedByDirectory(rels, models.map((m) => m.scope))].map(([dir, count]) => ({ folder, dir, count }));
    this.byFolder.set(folder.uri.toString(), dirs);
    this.emitter.fire();
    return dirs;
  }

  unscanned(): UnscannedDir[] {
    return [...this.byFolder.values()].flat();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
