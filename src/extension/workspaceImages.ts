/** Where an image sits in the workspace, and which images a folder holds (the include/exclude settings). */
import * as vscode from 'vscode';
import { findBareDicom, nodeSniffFs } from './dicomDiscovery';
import { readSettings } from './settings';

/** Files listed when looking for DICOM without an image extension; beyond it they are not looked for. */
const MAX_LISTED = 50_000;

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

/**
 * The folder's images (or those under `under`), sorted by path: the include/exclude settings, plus
 * local files without an image extension that are DICOM by content.
 */
export async function findImages(folder: vscode.WorkspaceFolder, under?: vscode.Uri): Promise<vscode.Uri[]> {
  const s = readSettings(folder);
  const base = under ?? folder.uri;
  const [uris, all] = await Promise.all([
    vscode.workspace.findFiles(new vscode.RelativePattern(base, s.include), s.exclude),
    base.scheme === 'file' ? vscode.workspace.findFiles(new vscode.RelativePattern(base, '**/*'), s.exclude, MAX_LISTED) : Promise.resolve([]),
  ]);
  const known = new Set(uris.map((u) => u.toString()));
  const others = all.filter((u) => !known.has(u.toString()));
  const bare = new Set((await findBareDicom(others.map((u) => u.fsPath), nodeSniffFs)).dicom);
  return [...uris, ...others.filter((u) => bare.has(u.fsPath))].sort((a, b) => (a.path < b.path ? -1 : 1));
}
