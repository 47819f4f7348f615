/** The annotation store's FS interface over vscode.workspace.fs, rooted at a workspace folder. */
import * as vscode from 'vscode';
import type { StoreFs } from './annotationStore';

export function workspaceStoreFs(root: vscode.Uri): StoreFs {
  const fs = vscode.workspace.fs;
  const at = (p: string) => vscode.Uri.joinPath(root, ...p.split('/').filter(Boolean));
  return {
    readFile: (p) => Promise.resolve(fs.readFile(at(p))),
    // workspace.fs.writeFile creates missing parent folders.
    writeFile: (p, data) => Promise.resolve(fs.writeFile(at(p), data)),
    rename: (from, to) => Promise.resolve(fs.rename(at(from), at(to), { overwrite: true })),
    stat: async (p) => {
      try {
        const s = await fs.stat(at(p));
        return { mtime: s.mtime, size: s.size };
      } catch (err) {
        if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') return undefined;
        throw err;
      }
    },
    delete: (p) => Promise.resolve(fs.delete(at(p), { useTrash: false })),
  };
}
