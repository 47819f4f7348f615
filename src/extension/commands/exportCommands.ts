/** Export Annotations… (COCO, LabelMe, PNG masks) and Export Model as ONNX…. */
import * as vscode from 'vscode';
import { pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerExportCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.export', 'Export', async () => {
    const folder = await pickFolder();
    if (!folder) return;
    await (await import('../exportCommand')).runExport(session, folder);
  });

  register('anomalyLens.exportModelOnnx', 'Export Model as ONNX', async () => {
    const folder = await pickFolder();
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
}
