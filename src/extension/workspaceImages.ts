/** Where an image sits in the workspace, and which images a folder holds (the include/exclude settings). */
import * as vscode from 'vscode';
import { readSettings } from './settings';

export interface Located {
  folder: vscode.WorkspaceFolder;
  /** Workspace-folder-relative path with forward slashes. */
  rel: string;
}

export function locate(uri: vscode.Uri): Located | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return undefined;
  const base = folder.uri.path.replace(/\/+$/, '');
  if (!uri.path.startsWith(`${base}/`)) return undefined;
  return { folder, rel: uri.path.slice(base.length + 1) };
}

export function uriOfRel(folder: vscode.WorkspaceFolder, rel: string): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

/** The folder's images (or those under `under`), sorted by path. */
export async function findImages(folder: vscode.WorkspaceFolder, under?: vscode.Uri): Promise<vscode.Uri[]> {
  const s = readSettings(folder);
  const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(under ?? folder.uri, s.include), s.exclude);
  return uris.sort((a, b) => (a.path < b.path ? -1 : 1));
}
