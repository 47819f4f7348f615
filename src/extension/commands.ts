/** Command implementations (palette, Explorer and Findings context menus, keybindings). */
import * as vscode from 'vscode';
import path from 'node:path';
import { AnomalyLensError } from '../shared/errors';
import type { WebviewCommand } from '../shared/protocol';
import { REVIEW_VIEW_TYPE, type FindingsTree, type Node } from './findingsTree';
import type { ReviewEditorProvider } from './reviewEditor';
import type { Session } from './session';
import { SECTION } from './settings';

export interface CommandDeps {
  session: Session;
  tree: FindingsTree;
  editor: ReviewEditorProvider;
}

const IMAGE_EXT = /\.(png|jpe?g|tiff?|bmp|dcm)$/i;

/** A command argument (tree node, Explorer URI, nothing) → the image URI it means. */
function uriOf(arg: unknown, deps: CommandDeps): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const n = arg as Node | undefined;
  if (n && n.kind === 'image') return n.entry.uri;
  return deps.editor.activeUri;
}

async function pickFolder(session: Session, hint?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
  if (hint) {
    const f = vscode.workspace.getWorkspaceFolder(hint);
    if (f) return f;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) {
    if (!folders.length) void vscode.window.showWarningMessage('Anomaly Lens works on images in an open folder. Open a folder first.');
    return folders[0];
  }
  void session;
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder' });
}

async function isDirectory(uri: vscode.Uri): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.Directory;
  } catch {
    return false;
  }
}

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const { session } = deps;
  const run = (id: string, title: string, fn: (...args: unknown[]) => Promise<unknown> | unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          await session.report(title, err);
          return undefined;
        }
      }),
    );

  const scanUnder = async (target: vscode.Uri | undefined, force: boolean) => {
    const folder = await pickFolder(session, target);
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

  run('anomalyLens.scanFolder', 'Scan', async (arg?: unknown) => {
    let target = arg instanceof vscode.Uri ? arg : undefined;
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

  run('anomalyLens.rescan', 'Rescan', async (arg?: unknown) => {
    const uri = uriOf(arg, deps);
    if (uri && IMAGE_EXT.test(uri.path)) {
      const folder = await pickFolder(session, uri);
      if (folder) await session.scan(folder, [uri], { force: true });
      return;
    }
    await scanUnder(arg instanceof vscode.Uri ? arg : undefined, true);
  });

  run('anomalyLens.trainFromSelection', 'Training', async (arg?: unknown, all?: unknown) => {
    const selected = (Array.isArray(all) && all.length ? all : arg ? [arg] : []).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    const images = selected.filter((u) => IMAGE_EXT.test(u.path));
    if (!images.length) {
      void vscode.window.showInformationMessage('Select one or more normal (defect-free) images in the Explorer, then run Train Model from Selected Files.');
      return;
    }
    const folder = await pickFolder(session, images[0]);
    if (!folder) return;
    await session.train(folder, images);
    await session.scan(folder, await session.findImages(folder));
  });

  run('anomalyLens.trainFromFolder', 'Training', async (arg?: unknown) => {
    let target = arg instanceof vscode.Uri ? arg : undefined;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Train on Normal Images',
        title: 'Folder of normal (defect-free) images', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!picked?.length) return;
      target = picked[0];
    }
    const folder = await pickFolder(session, target);
    if (!folder) return;
    const images = await session.findImages(folder, target);
    if (!images.length) throw new AnomalyLensError('TRAINING_SET_EMPTY', `no images under ${target.fsPath}`, { hint: 'Check anomalyLens.include / exclude.' });
    await session.train(folder, images);
    await session.scan(folder, await session.findImages(folder));
  });

  run('anomalyLens.flagOutliers', 'Flagging outliers', async (arg?: unknown) => {
    const folder = await pickFolder(session, arg instanceof vscode.Uri ? arg : undefined);
    if (!folder) return;
    await session.fitContaminated(folder, await session.findImages(folder, arg instanceof vscode.Uri ? arg : undefined));
  });

  run('anomalyLens.reviewNext', 'Review Next', async () => {
    if (!(await deps.editor.openNext('next'))) void vscode.window.showInformationMessage('Nothing left to review.');
  });

  const decide = (kind: 'accept' | 'reject') => async (arg?: unknown, all?: unknown) => {
    // From the review editor's keybinding: let the webview save pending edits first.
    if (arg === undefined && deps.editor.forward(kind)) return;
    const many = Array.isArray(all) && all.length ? all : [arg];
    const uris = many.map((a) => uriOf(a, deps)).filter((u): u is vscode.Uri => !!u);
    if (!uris.length) {
      void vscode.window.showInformationMessage(`Select an image in the Findings view to ${kind}.`);
      return;
    }
    for (const uri of uris) await session.decide(uri, { kind });
  };
  run('anomalyLens.accept', 'Accept', decide('accept'));
  run('anomalyLens.reject', 'Reject', decide('reject'));

  run('anomalyLens.export', 'Export', async () => {
    const folder = await pickFolder(session);
    if (folder) await (await import('./exportCommand')).runExport(session, folder);
  });

  run('anomalyLens.setThreshold', 'Set Threshold', async () => {
    const folder = await pickFolder(session);
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

  run('anomalyLens.selectBackbone', 'Select Backbone', async () => {
    const folder = await pickFolder(session);
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

  run('anomalyLens.selectDevice', 'Select Device', async () => {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const pick = await vscode.window.showQuickPick(
      ['auto', 'cpu', 'cuda', 'dml', 'coreml'].map((d) => ({ label: d, description: d === 'auto' ? 'the best provider present' : undefined })),
      { placeHolder: 'Execution device (onnxruntime provider)' },
    );
    if (!pick) return;
    await cfg.update('device', pick.label, vscode.ConfigurationTarget.Global);
    await session.engine().stop(); // the next request loads the model on the new device
  });

  run('anomalyLens.exportModelOnnx', 'Export Model as ONNX', async () => {
    const folder = await pickFolder(session);
    if (!folder) return;
    const model = await session.activeModel(folder);
    if (!model) {
      void vscode.window.showInformationMessage('No model to export yet: train one first.');
      return;
    }
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder.uri, `${model.id}.onnx`),
      filters: { ONNX: ['onnx'] },
      title: 'Export the detector as one ONNX file (backbone, head, repository and scoring inside)',
    });
    if (!target) return;
    const withLabels = await vscode.window.showQuickPick(['Scores and maps', 'Scores, maps and thresholded labels/masks'], { placeHolder: 'Outputs' });
    if (!withLabels) return;
    const res = await session.engine().request('exportOnnx', { dir: model.dir, out: target.fsPath, labels: withLabels.startsWith('Scores, maps and') });
    session.log.info(`exported ${model.id} to ${res.onnx} (sidecar ${res.sidecar})`);
    void vscode.window.showInformationMessage(`Exported ${model.id} to ${vscode.workspace.asRelativePath(target)}; the sidecar JSON sits beside it.`);
  });

  run('anomalyLens.selectModel', 'Select Model', async () => {
    const folder = await pickFolder(session);
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

  run('anomalyLens.showLog', 'Show Log', () => session.log.show());

  run('anomalyLens.refresh', 'Refresh', async () => {
    session.forgetModels();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      session.findings.clear(f);
      await session.loadAnnotations(f);
    }
    deps.tree.refresh();
  });

  run('anomalyLens.openInReview', 'Open', async (arg?: unknown) => {
    const uri = uriOf(arg, deps) ?? vscode.window.activeTextEditor?.document.uri;
    if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, REVIEW_VIEW_TYPE);
  });

  const forwarded: WebviewCommand[] = ['toggleHeatmap', 'brush', 'eraser', 'polygon', 'undo', 'redo', 'help', 'zoomFit', 'zoom1'];
  for (const c of forwarded) run(`anomalyLens.editor.${c}`, c, () => deps.editor.forward(c));
  const navigate = (direction: 'next' | 'previous') => () => deps.editor.openNext(direction);
  run('anomalyLens.editor.next', 'Next', navigate('next'));
  run('anomalyLens.editor.previous', 'Previous', navigate('previous'));
}
