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
    const served = await Promise.all(images.map((u) => session.modelFor(u)));
    if (!served.some(Boolean)) {
      const dir = under ?? folder.uri;
      const pick = await vscode.window.showInformationMessage(
        'No model serves this folder yet.', 'Train Model for This Folder…', 'Flag Outliers Without Labels',
      );
      const rel = under ? session.locate(under)?.rel ?? '' : '';
      if (pick === 'Flag Outliers Without Labels') await session.fitContaminated(folder, images, rel);
      else if (pick) await vscode.commands.executeCommand('anomalyLens.trainForFolder', dir);
      return;
    }
    await session.scan(folder, images, { force });
    await session.refreshCoverage(folder);
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
