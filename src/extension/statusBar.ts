/**
 * Status bar: the model in focus (and the folder it serves), threshold/sensitivity, and the device
 * the engine runs on (the setting alone until a worker runs: nothing is probed at activation).
 * Each part is clickable.
 */
import * as vscode from 'vscode';
import type { Session } from './session';
import { deviceStatus } from './deviceView';
import { REVIEW_VIEW_TYPE } from './findingsTree';
import type { ListedModel } from './modelRegistry';
import { scopeLabel } from './scopeLabel';
import { effectiveThreshold } from './threshold';

export class StatusBar implements vscode.Disposable {
  private readonly model = vscode.window.createStatusBarItem('anomalyLens.model', vscode.StatusBarAlignment.Right, 100);
  private readonly threshold = vscode.window.createStatusBarItem('anomalyLens.threshold', vscode.StatusBarAlignment.Right, 99);
  private readonly device = vscode.window.createStatusBarItem('anomalyLens.device', vscode.StatusBarAlignment.Right, 98);
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly session: Session) {
    this.model.name = 'Anomaly Lens model';
    this.model.command = 'anomalyLens.selectModel';
    this.threshold.name = 'Anomaly Lens threshold';
    this.threshold.command = 'anomalyLens.setThreshold';
    this.device.name = 'Anomaly Lens device';
    this.device.command = 'anomalyLens.selectDevice';
    this.subs.push(
      session.onDidChangeModel(() => void this.update()),
      session.onDidChangeDevice(() => void this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('anomalyLens') && void this.update()),
      vscode.window.tabGroups.onDidChangeTabs(() => void this.update()),
    );
  }

  /** The model in focus: the one serving the image in the review editor, else the folder scope last trained or chosen. */
  private async focused(): Promise<{ folder: vscode.WorkspaceFolder; model: ListedModel | undefined } | undefined> {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom && input.viewType === REVIEW_VIEW_TYPE) {
      const model = await this.session.models.modelFor(input.uri);
      const folder = vscode.workspace.getWorkspaceFolder(input.uri);
      if (folder) return { folder, model };
    }
    const focus = this.session.focus;
    if (focus) return { folder: focus.folder, model: (await this.session.models.active(focus.folder)).find((m) => m.scope === focus.scope) };
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    const active = await this.session.models.active(folder);
    return { folder, model: active.find((m) => m.scope === '') ?? active[0] };
  }

  async update(): Promise<void> {
    const f = await this.focused();
    if (!f) {
      this.hide();
      return;
    }
    const { folder, model: listed } = f;
    const s = this.session.settings(folder);
    const m = listed?.summary;
    const where = listed ? (listed.scope ? `${listed.scope}/ · ` : '') : '';
    this.model.text = m ? `$(beaker) ${where}${m.id.slice(0, 16)}` : '$(beaker) no model';
    this.model.tooltip = m && listed
      ? `Anomaly Lens model ${m.id}\nserves ${scopeLabel(folder, listed.scope)}\nbackbone ${m.backbone}\ntrained on ${m.trainingImages} image(s), ${m.createdAt}\nClick to switch model`
      : 'No Anomaly Lens model here yet. Click to choose, or train one.';
    if (m) {
      const t = effectiveThreshold(m, s);
      this.threshold.text = s.thresholdMode === 'manual' && s.manualThreshold !== null ? `$(settings) thr ${t.toPrecision(3)}` : `$(settings) sens ${s.sensitivity.toFixed(2)}`;
      this.threshold.tooltip = `Threshold in effect ${t.toPrecision(4)} (model ${m.threshold.toPrecision(4)}, ${m.thresholdMode}); click to change`;
      this.threshold.show();
    } else {
      this.threshold.hide();
    }
    const d = deviceStatus(s.device, this.session.devices.get(s.device), this.session.deviceInUse);
    this.device.text = d.text;
    this.device.tooltip = d.tooltip;
    this.model.show();
    this.device.show();
  }

  private hide(): void {
    this.model.hide();
    this.threshold.hide();
    this.device.hide();
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.model.dispose();
    this.threshold.dispose();
    this.device.dispose();
  }
}
