/** How a model's folder is named in the UI: "parts/" inside the workspace folder, or the folder's own name. */
import type * as vscode from 'vscode';

export function scopeLabel(folder: vscode.WorkspaceFolder, scope: string): string {
  return scope ? `${scope}/` : `${folder.name} (whole folder)`;
}
