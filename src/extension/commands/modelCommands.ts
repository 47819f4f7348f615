/** Select Model, Refresh, Show Log, and cancelling a background scan. */
import * as vscode from 'vscode';
import { CANCEL_BACKGROUND_COMMAND } from '../backgroundProgress';
import { pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerModelCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.selectModel', 'Select Model', async () => {
    const folder = await pickFolder();
    if (!folder) return;
    const models = await session.listModels(folder);
    if (!models.length) {
      const pick = await vscode.window.showInformationMessage('No models in this folder yet.', 'Train from Folder…', 'Flag Outliers Without Labels');
      if (pick === 'Train from Folder…') await vscode.commands.executeCommand('anomalyLens.trainFromFolder');
      else if (pick) await vscode.commands.executeCommand('anomalyLens.flagOutliers');
      return;
    }
    const active = await session.activeModel(folder);
    const pick = await vscode.window.showQuickPick(
      models.map((m) => ({
        label: m.name, description: `${m.summary.backbone} · ${m.summary.trainingImages} images${active?.id === m.summary.id ? ' · active' : ''}`,
        detail: `${m.summary.id} · ${m.summary.createdAt}`, m,
      })),
      { placeHolder: 'Active model' },
    );
    if (!pick) return;
    await session.setActiveModel(folder, pick.m.name, pick.m.summary);
    await session.applyThreshold();
  });

  register('anomalyLens.showLog', 'Show Log', () => session.log.show());

  register('anomalyLens.refresh', 'Refresh', async () => {
    session.forgetModels();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      session.findings.clear(f);
      await session.loadAnnotations(f);
    }
    deps.tree.refresh();
  });

  register(CANCEL_BACKGROUND_COMMAND, 'Cancel Background Scan', () => {
    if (!session.background.cancelAll()) session.log.info('no background scan to cancel');
  });
}
