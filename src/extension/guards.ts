/** Preconditions of work that writes to the workspace: trust, and a folder node:fs can reach. */
import * as vscode from 'vscode';
import { AnomalyLensError } from '../shared/errors';

export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new AnomalyLensError('WORKSPACE_UNTRUSTED', `${what} is not available in an untrusted workspace`, {
      hint: 'Trust the workspace (Workspaces: Manage Workspace Trust) to train, scan and save annotations.',
    });
  }
}

export function requireLocalFolder(folder: vscode.WorkspaceFolder): void {
  if (folder.uri.scheme !== 'file') {
    throw new AnomalyLensError('NOT_LOCAL_FOLDER', `models are stored with node:fs, but ${folder.uri.toString()} is not a local folder`, {
      hint: 'Open the folder where the files are (Remote-SSH/WSL run the extension there).',
    });
  }
}
