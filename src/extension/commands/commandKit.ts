/** What every command module shares: its dependencies, registration with error reporting, argument helpers. */
import * as vscode from 'vscode';
import type { FindingsTree, Node } from '../findingsTree';
import type { ReviewEditorProvider } from '../reviewEditor';
import type { Session } from '../session';

export interface CommandDeps {
  session: Session;
  tree: FindingsTree;
  editor: ReviewEditorProvider;
}

export type CommandBody = (...args: unknown[]) => Promise<unknown> | unknown;
/** Registers a command whose failures are reported (message + log) under `title`. */
export type Register = (id: string, title: string, fn: CommandBody) => void;

export const IMAGE_EXT = /\.(png|jpe?g|tiff?|bmp|dcm|dicom)$/i;

export function registrar(context: vscode.ExtensionContext, session: Session): Register {
  return (id, title, fn) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          await session.report(title, err);
          return undefined;
        }
      }),
    );
}

/** A command argument (tree node, Explorer URI, nothing) → the image URI it means. */
export function uriOf(arg: unknown, deps: CommandDeps): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const n = arg as Node | undefined;
  if (n && n.kind === 'image') return n.entry.uri;
  return deps.editor.activeUri;
}

/** The workspace folder a command applies to: the one holding `hint`, the only one, or the user's pick. */
export async function pickFolder(hint?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
  if (hint) {
    const f = vscode.workspace.getWorkspaceFolder(hint);
    if (f) return f;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) {
    if (!folders.length) void vscode.window.showWarningMessage('Anomaly Lens works on images in an open folder. Open a folder first.');
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder' });
}

export async function isDirectory(uri: vscode.Uri): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.Directory;
  } catch {
    return false;
  }
}

export const asUri = (arg: unknown): vscode.Uri | undefined => (arg instanceof vscode.Uri ? arg : undefined);
