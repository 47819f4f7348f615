/** Select Model, Set Model Folder…, Refresh, Show Log, and cancelling a background scan. */
import * as vscode from 'vscode';
import { AnomalyLensError } from '../../shared/errors';
import { CANCEL_BACKGROUND_COMMAND } from '../backgroundProgress';
import { scopeLabel } from '../scopeLabel';
import { pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerModelCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  const pickModel = async (folder: vscode.WorkspaceFolder, placeHolder: string) => {
    const models = await session.models.list(folder);
    if (!models.length) {
      const pick = await vscode.window.showInformationMessage('No models in this folder yet.', 'Train Model from Selected Files…', 'Flag Outliers Without Labels');
      if (pick === 'Flag Outliers Without Labels') await vscode.commands.executeCommand('anomalyLens.flagOutliers');
      else if (pick) await vscode.commands.executeCommand('anomalyLens.trainFromSelection');
      return undefined;
    }
    const active = new Set((await session.models.active(folder)).map((m) => m.name));
    const pick = await vscode.window.showQuickPick(
      models.map((m) => ({
        label: `${scopeLabel(folder, m.scope)}: ${m.name}`,
        description: `${m.summary.backbone} · ${m.summary.trainingImages} images${active.has(m.name) ? ' · in use' : ''}`,
        detail: `${m.summary.id} · ${m.summary.createdAt}`,
        m,
      })),
      { placeHolder },
    );
    return pick?.m;
  };

  register('anomalyLens.selectModel', 'Select Model', async () => {
    const folder = await pickFolder();
    if (!folder) return;
    const m = await pickModel(folder, 'The model to use for its folder');
    if (!m) return;
    await session.models.choose(folder, m);
    session.focus = { folder, scope: m.scope };
    await session.applyThreshold();
  });

  register('anomalyLens.setModelScope', 'Set Model Folder', async () => {
    const folder = await pickFolder();
    if (!folder) return;
    const m = await pickModel(folder, 'The model whose folder to widen or narrow');
    if (!m) return;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Serve This Folder',
      title: `Folder served by ${m.name} (it and its subfolders)`,
      defaultUri: m.scope ? vscode.Uri.joinPath(folder.uri, ...m.scope.split('/')) : folder.uri,
    });
    if (!picked?.length) return;
    const at = session.locate(picked[0]);
    const scope = picked[0].toString() === folder.uri.toString() ? '' : at?.folder.uri.toString() === folder.uri.toString() ? at.rel : undefined;
    if (scope === undefined) throw new AnomalyLensError('BAD_ARGUMENT', `${picked[0].fsPath} is not inside ${folder.name}`, { hint: 'Pick a folder of this workspace folder.' });
    await session.models.setScope(folder, m.name, scope);
    session.focus = { folder, scope };
    await session.refreshCoverage(folder);
    await session.applyThreshold();
    void vscode.window.showInformationMessage(`${m.name} now serves ${scopeLabel(folder, scope)}. Rescan to score the images it now holds.`, 'Rescan').then(
      (c) => c && vscode.commands.executeCommand('anomalyLens.rescan', vscode.Uri.joinPath(folder.uri, ...scope.split('/').filter(Boolean))),
    );
  });

  register('anomalyLens.showLog', 'Show Log', () => session.log.show());

  register('anomalyLens.refresh', 'Refresh', async () => {
    session.forgetModels();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      session.findings.clear(f);
      await session.loadAnnotations(f);
      await session.refreshCoverage(f);
    }
    deps.tree.refresh();
  });

  register(CANCEL_BACKGROUND_COMMAND, 'Cancel Background Scan', () => {
    if (!session.background.cancelAll()) session.log.info('no background scan to cancel');
  });
}
