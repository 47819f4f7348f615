/**
 * Train Model from Selected Files (Explorer selection or a file picker), Train Model from
 * Folder…, Train Model for This Folder (a Not scanned entry), Flag Outliers Without Labels.
 * Each model serves a folder; after training, that folder is scanned.
 */
import * as vscode from 'vscode';
import { AnomalyLensError } from '../../shared/errors';
import { scopeLabel } from '../scopeLabel';
import { defaultScope } from '../scopes';
import { IMAGE_EXT, asUri, isDirectory, pickFolder, type CommandDeps, type Register } from './commandKit';

const IMAGE_FILTERS = { Images: ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'bmp', 'dcm', 'dicom'], 'All files (DICOM without an extension)': ['*'] };

/** A Not scanned entry of the Findings view, or a folder URI. */
function directoryArg(arg: unknown): vscode.Uri | undefined {
  const n = arg as { kind?: string; folder?: vscode.WorkspaceFolder; dir?: string } | undefined;
  if (n && n.kind === 'unscanned' && n.folder && typeof n.dir === 'string') return vscode.Uri.joinPath(n.folder.uri, ...n.dir.split('/').filter(Boolean));
  return asUri(arg);
}

export function registerTrainCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  const relOf = (folder: vscode.WorkspaceFolder, uri: vscode.Uri): string =>
    uri.toString() === folder.uri.toString() ? '' : session.locate(uri)?.rel ?? '';

  const trainAndScan = async (folder: vscode.WorkspaceFolder, images: vscode.Uri[], scope?: string) => {
    const trained = await session.train(folder, images, scope);
    void vscode.window.setStatusBarMessage(`Anomaly Lens: the new model serves ${scopeLabel(folder, trained.scope)}`, 10_000);
    const under = trained.scope ? vscode.Uri.joinPath(folder.uri, ...trained.scope.split('/')) : undefined;
    await session.scan(folder, await session.findImages(folder, under));
  };

  const pickImages = (defaultUri: vscode.Uri | undefined) =>
    vscode.window.showOpenDialog({
      canSelectFiles: true, canSelectFolders: false, canSelectMany: true, filters: IMAGE_FILTERS, defaultUri,
      openLabel: 'Train on These', title: 'Pick a few normal (defect-free) images',
    });

  register('anomalyLens.trainFromSelection', 'Training', async (arg?: unknown, all?: unknown) => {
    const selected = (Array.isArray(all) && all.length ? all : arg ? [arg] : []).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    let images = selected.filter((u) => IMAGE_EXT.test(u.path));
    if (!images.length) {
      // From the Command Palette there is no Explorer selection: ask for the files.
      images = (await pickImages(vscode.workspace.workspaceFolders?.[0]?.uri)) ?? [];
      if (!images.length) return;
    }
    const folder = await pickFolder(images[0]);
    if (!folder) return;
    await trainAndScan(folder, images);
  });

  register('anomalyLens.trainForFolder', 'Training', async (arg?: unknown) => {
    const dir = directoryArg(arg);
    const folder = await pickFolder(dir);
    if (!folder || !dir) return;
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Pick a few normal images…', description: 'the model learns what normal looks like here', value: 'pick' },
        { label: 'Flag outliers without labels', description: 'treats the bulk of the folder as normal', value: 'outliers' },
      ],
      { placeHolder: `Train a model for ${scopeLabel(folder, relOf(folder, dir))}` },
    );
    if (!pick) return;
    if (pick.value === 'outliers') {
      await session.fitContaminated(folder, await session.findImages(folder, dir), relOf(folder, dir));
      return;
    }
    const images = (await pickImages(dir)) ?? [];
    if (images.length) await trainAndScan(folder, images, relOf(folder, dir));
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
    const rel = relOf(folder, target);
    await trainAndScan(folder, images, defaultScope([rel ? `${rel}/x` : 'x']));
  });

  register('anomalyLens.flagOutliers', 'Flagging outliers', async (arg?: unknown) => {
    const dir = directoryArg(arg);
    const folder = await pickFolder(dir);
    if (!folder) return;
    const under = dir && (await isDirectory(dir)) ? dir : undefined;
    await session.fitContaminated(folder, await session.findImages(folder, under), under ? relOf(folder, under) : '');
  });
}
