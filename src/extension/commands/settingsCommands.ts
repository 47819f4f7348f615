/** Set Threshold / Sensitivity, Select Backbone, Select Device. */
import * as vscode from 'vscode';
import path from 'node:path';
import { devicePick, type DevicePickItem } from '../deviceView';
import { SECTION } from '../settings';
import type { ThresholdSettings } from '../threshold';
import { previewFlagged } from '../thresholdPreview';
import { pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerSettingsCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.setThreshold', 'Set Threshold', async () => {
    const folder = await pickFolder();
    if (!folder) return;
    const cfg = vscode.workspace.getConfiguration(SECTION, folder);
    const s = session.settings(folder);
    const model = session.focus?.folder === folder
      ? (await session.models.active(folder)).find((m) => m.scope === session.focus?.scope)?.summary
      : await session.activeModel(folder);
    // Live preview: how many images of this folder each value would flag, before anything is written.
    const entries = session.findings.all().filter((e) => e.folder.uri.toString() === folder.uri.toString());
    const preview = (next: ThresholdSettings): vscode.InputBoxValidationMessage => {
      const now = previewFlagged(entries, (e) => session.models.modelForSync(e.uri)?.summary, s, s.uncertainBand);
      const then = previewFlagged(entries, (e) => session.models.modelForSync(e.uri)?.summary, next, s.uncertainBand);
      return { message: `${then.flagged} of ${then.total} scanned images would be flagged (now ${now.flagged})`, severity: vscode.InputBoxValidationSeverity.Info };
    };
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Sensitivity…', description: `now ${s.sensitivity.toFixed(2)} (0.5 = the model's threshold)`, value: 'sensitivity' },
        { label: 'Manual threshold…', description: model ? `raw score units; the model's is ${model.threshold.toPrecision(4)}` : 'raw score units', value: 'manual' },
        { label: "Use the model's threshold", description: model ? model.thresholdMode : '', value: 'model' },
      ],
      { placeHolder: 'Threshold' },
    );
    if (!pick) return;
    let changes: [string, unknown][];
    if (pick.value === 'model') {
      changes = [['thresholdMode', s.thresholdMode === 'manual' ? 'f1' : s.thresholdMode], ['sensitivity', 0.5]];
    } else if (pick.value === 'sensitivity') {
      const asSettings = (t: string): ThresholdSettings => ({ ...s, thresholdMode: s.thresholdMode === 'manual' ? 'f1' : s.thresholdMode, sensitivity: Number(t) });
      const v = await vscode.window.showInputBox({
        title: 'Sensitivity', prompt: 'Between 0 and 1: higher flags more images', value: s.sensitivity.toFixed(2),
        validateInput: (t) => (Number.isFinite(Number(t)) && t.trim() !== '' && Number(t) >= 0 && Number(t) <= 1 ? preview(asSettings(t)) : 'a number between 0 and 1'),
      });
      if (v === undefined) return;
      changes = [['sensitivity', Number(v)]];
      if (s.thresholdMode === 'manual') changes.push(['thresholdMode', 'f1']);
    } else {
      const v = await vscode.window.showInputBox({
        title: 'Manual threshold', prompt: 'Raw score units: images scoring above it are flagged',
        value: String(s.manualThreshold ?? model?.threshold ?? ''),
        validateInput: (t) => (t.trim() !== '' && Number.isFinite(Number(t)) ? preview({ ...s, thresholdMode: 'manual', manualThreshold: Number(t) }) : 'a number'),
      });
      if (v === undefined) return;
      changes = [['manualThreshold', Number(v)], ['thresholdMode', 'manual']];
    }
    const target = await settingsTarget(folder);
    if (target === undefined) return;
    for (const [key, value] of changes) await cfg.update(key, value, target);
    const overridden = changes.filter(([key, value]) => vscode.workspace.getConfiguration(SECTION, folder).get(key) !== value).map(([key]) => key);
    if (overridden.length) {
      void vscode.window.showWarningMessage(`Saved, but a more specific setting overrides ${overridden.map((k) => `anomalyLens.${k}`).join(', ')} here (see .vscode/settings.json).`);
    }
    await session.applyThreshold();
    const again = await vscode.window.showInformationMessage('Threshold applied: the ranking and the annotation files follow it. Rescan to update the predicted regions too?', 'Rescan');
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
    const target = folder ? await settingsTarget(folder, 'Save the backbone where?') : vscode.ConfigurationTarget.Global;
    if (target === undefined) return;
    await cfg.update('backbone', value, target);
    void vscode.window.showInformationMessage(`Backbone set to ${value}. Train a model to use it.`);
  });

  register('anomalyLens.selectDevice', 'Select Device', async () => {
    const folder = session.focus?.folder ?? vscode.workspace.workspaceFolders?.[0];
    const current = session.settings(folder).device;
    // Probing needs the worker (onnxruntime loads there): the list fills in once it answered.
    const qp = vscode.window.createQuickPick<DevicePickItem>();
    qp.placeholder = 'Finding the devices that run here…';
    qp.busy = true;
    qp.show();
    const chosen = new Promise<DevicePickItem | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]));
      qp.onDidHide(() => resolve(undefined));
    });
    let failed: unknown;
    const filled = session.devices.ask(current, true).then(
      (r) => {
        const pick = devicePick(current, r.options ?? []);
        qp.items = pick.items;
        qp.activeItems = pick.items.filter((i) => i.setting === current);
        qp.placeholder = pick.placeholder;
        qp.busy = false;
      },
      (err: unknown) => {
        failed = err;
        qp.hide();
      },
    );
    const pick = await chosen;
    qp.dispose();
    if (!pick) {
      await filled;
      if (failed) throw failed; // reported under the command's title
      return;
    }
    if (pick.setting === current) return;
    const target = folder ? await settingsTarget(folder, `Save the device (${pick.setting}) where?`) : vscode.ConfigurationTarget.Global;
    if (target === undefined) return;
    await vscode.workspace.getConfiguration(SECTION, folder).update('device', pick.setting, target);
    if (session.settings(folder).device !== pick.setting) {
      void vscode.window.showWarningMessage('Saved, but a more specific setting overrides anomalyLens.device here (see .vscode/settings.json).');
    }
    // A fresh worker for the new device; asking it what runs redraws the status bar.
    await session.engine().stop();
    await session.devices.ask(session.settings(folder).device, false);
  });
}

/** Where a setting is saved: the user chooses; the user settings come first, so nothing lands in the workspace unasked. */
async function settingsTarget(folder: vscode.WorkspaceFolder, question = 'Save the threshold where?'): Promise<vscode.ConfigurationTarget | undefined> {
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'User settings', description: 'every workspace on this machine; nothing is written into the workspace', value: vscode.ConfigurationTarget.Global },
      { label: 'This workspace', description: 'written to .vscode/settings.json (shared with the repository)', value: vscode.ConfigurationTarget.Workspace },
      ...(multiRoot ? [{ label: `Folder ${folder.name}`, description: "this folder's .vscode/settings.json", value: vscode.ConfigurationTarget.WorkspaceFolder }] : []),
    ],
    { placeHolder: question },
  );
  return pick?.value;
}
