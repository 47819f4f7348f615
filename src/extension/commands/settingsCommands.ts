/** Set Threshold / Sensitivity, Select Backbone, Select Device. */
import * as vscode from 'vscode';
import path from 'node:path';
import { SECTION } from '../settings';
import { pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerSettingsCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.setThreshold', 'Set Threshold', async () => {
    const folder = await pickFolder();
    const cfg = vscode.workspace.getConfiguration(SECTION, folder);
    const model = folder ? await session.activeModel(folder) : undefined;
    const s = session.settings(folder);
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Sensitivity…', description: `now ${s.sensitivity.toFixed(2)} (0.5 = the model's threshold)`, value: 'sensitivity' },
        { label: 'Manual threshold…', description: model ? `raw score units; the model's is ${model.threshold.toPrecision(4)}` : 'raw score units', value: 'manual' },
        { label: "Use the model's threshold", description: model ? model.thresholdMode : '', value: 'model' },
      ],
      { placeHolder: 'Threshold' },
    );
    if (!pick) return;
    const target = vscode.ConfigurationTarget.Workspace;
    if (pick.value === 'model') {
      await cfg.update('thresholdMode', s.thresholdMode === 'manual' ? 'f1' : s.thresholdMode, target);
      await cfg.update('sensitivity', 0.5, target);
    } else if (pick.value === 'sensitivity') {
      const v = await vscode.window.showInputBox({
        prompt: 'Sensitivity between 0 and 1 (higher flags more images)', value: s.sensitivity.toFixed(2),
        validateInput: (t) => (Number.isFinite(Number(t)) && Number(t) >= 0 && Number(t) <= 1 ? undefined : 'a number between 0 and 1'),
      });
      if (v === undefined) return;
      await cfg.update('sensitivity', Number(v), target);
      if (s.thresholdMode === 'manual') await cfg.update('thresholdMode', 'f1', target);
    } else {
      const v = await vscode.window.showInputBox({
        prompt: 'Threshold in raw score units (images scoring above it are flagged)',
        value: String(s.manualThreshold ?? model?.threshold ?? ''),
        validateInput: (t) => (t.trim() !== '' && Number.isFinite(Number(t)) ? undefined : 'a number'),
      });
      if (v === undefined) return;
      await cfg.update('manualThreshold', Number(v), target);
      await cfg.update('thresholdMode', 'manual', target);
    }
    await session.applyThreshold();
    const again = await vscode.window.showInformationMessage('Threshold updated; the ranking is re-normalised. Rescan to update predicted regions?', 'Rescan');
    if (again) await vscode.commands.executeCommand('anomalyLens.rescan');
  });

  register('anomalyLens.selectBackbone', 'Select Backbone', async () => {
    const folder = await pickFolder();
    const cfg = vscode.workspace.getConfiguration(SECTION, folder);
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'inceptionv3-int8', description: 'bundled, accurate and fast (default)' },
        { label: 'inceptionv3', description: 'bundled, float32 original' },
        { label: 'mobilenetv2', description: 'bundled, smallest' },
        { label: 'Custom ONNX backbone…', description: 'a tap manifest (.json) next to its .onnx file' },
      ],
      { placeHolder: `Backbone for new models (now ${session.settings(folder).backbone})` },
    );
    if (!pick) return;
    let value = pick.label;
    if (pick.label.startsWith('Custom')) {
      const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Tap manifest': ['json'] }, defaultUri: folder?.uri });
      if (!file?.length) return;
      value = folder ? path.posix.relative(folder.uri.path, file[0].path) : file[0].fsPath;
    }
    await cfg.update('backbone', value, vscode.ConfigurationTarget.Workspace);
    void vscode.window.showInformationMessage(`Backbone set to ${value}. Train a model to use it.`);
  });

  register('anomalyLens.selectDevice', 'Select Device', async () => {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const pick = await vscode.window.showQuickPick(
      ['auto', 'cpu', 'cuda', 'dml', 'coreml'].map((d) => ({ label: d, description: d === 'auto' ? 'the best provider present' : undefined })),
      { placeHolder: 'Execution device (onnxruntime provider)' },
    );
    if (!pick) return;
    await cfg.update('device', pick.label, vscode.ConfigurationTarget.Global);
    await session.engine().stop(); // the next request loads the model on the new device
  });
}
