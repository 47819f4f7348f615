/** Scan Folder… and Rescan (one image, a folder, or everything). */
import * as vscode from 'vscode';
import { IMAGE_EXT, asUri, isDirectory, pickFolder, uriOf, type CommandDeps, type Register } from './commandKit';

export function registerScanCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  const scanUnder = async (target: vscode.Uri | undefined, force: boolean) => {
    const folder = await pickFolder(target);
    if (!folder) return;
    const under = target && (await isDirectory(target)) ? target : undefined;
    const images = await session.findImages(folder, under);
    if (!images.length) {
      void vscode.window.showInformationMessage('No images found (see the anomalyLens.include / exclude settings).');
      return;
    }
    if (!(await session.activeModel(folder))) {
      const pick = await vscode.window.showInformationMessage(
        'There is no model for this folder yet.', 'Flag Outliers Without Labels', 'Train from Folder…',
      );
      if (pick === 'Flag Outliers Without Labels') await session.fitContaminated(folder, images);
      else if (pick) await vscode.commands.executeCommand('anomalyLens.trainFromFolder');
      return;
    }
    await session.scan(folder, images, { force });
  };

  register('anomalyLens.scanFolder', 'Scan', async (arg?: unknown) => {
    let target = asUri(arg);
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Scan',
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!picked?.length) return;
      target = picked[0];
    }
    await scanUnder(target, false);
  });

  register('anomalyLens.rescan', 'Rescan', async (arg?: unknown) => {
    const uri = uriOf(arg, deps);
    if (uri && IMAGE_EXT.test(uri.path)) {
      const folder = await pickFolder(uri);
      if (folder) await session.scan(folder, [uri], { force: true });
      return;
    }
    await scanUnder(asUri(arg), true);
  });
}
