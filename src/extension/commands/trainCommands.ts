/** Train Model from Selected Files, Train Model from Folder…, Flag Outliers Without Labels. */
import * as vscode from 'vscode';
import { AnomalyLensError } from '../../shared/errors';
import { IMAGE_EXT, asUri, pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerTrainCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.trainFromSelection', 'Training', async (arg?: unknown, all?: unknown) => {
    const selected = (Array.isArray(all) && all.length ? all : arg ? [arg] : []).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    const images = selected.filter((u) => IMAGE_EXT.test(u.path));
    if (!images.length) {
      void vscode.window.showInformationMessage('Select one or more normal (defect-free) images in the Explorer, then run Train Model from Selected Files.');
      return;
    }
    const folder = await pickFolder(images[0]);
    if (!folder) return;
    await session.train(folder, images);
    await session.scan(folder, await session.findImages(folder));
  });

  register('anomalyLens.trainFromFolder', 'Training', async (arg?: unknown) => {
    let target = asUri(arg);
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Train on Normal Images',
        title: 'Folder of normal (defect-free) images', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!picked?.length) return;
      target = picked[0];
    }
    const folder = await pickFolder(target);
    if (!folder) return;
    const images = await session.findImages(folder, target);
    if (!images.length) throw new AnomalyLensError('TRAINING_SET_EMPTY', `no images under ${target.fsPath}`, { hint: 'Check anomalyLens.include / exclude.' });
    await session.train(folder, images);
    await session.scan(folder, await session.findImages(folder));
  });

  register('anomalyLens.flagOutliers', 'Flagging outliers', async (arg?: unknown) => {
    const folder = await pickFolder(asUri(arg));
    if (!folder) return;
    await session.fitContaminated(folder, await session.findImages(folder, asUri(arg)));
  });
}
