/** Export Annotations… (COCO, LabelMe, PNG masks) and Export Model as ONNX…. */
import * as vscode from 'vscode';
import path from 'node:path';
import type { Annotation } from '../../shared/annotation';
import type { ExportFile, ExportFormat } from '../export';
import { pickFolder, type CommandDeps, type Register } from './commandKit';

export function registerExportCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.export', 'Export', async () => {
    const folder = await pickFolder();
    if (!folder) return;
    const format = await vscode.window.showQuickPick(
      [
        { label: 'COCO JSON', description: 'polygons and RLE segmentations', value: 'coco' as ExportFormat },
        { label: 'LabelMe JSON', description: 'one file per image', value: 'labelme' as ExportFormat },
        { label: 'PNG masks (MVTec AD layout)', description: 'ground_truth/<defect>/<name>_mask.png', value: 'mvtec' as ExportFormat },
      ],
      { placeHolder: 'Export format' },
    );
    if (!format) return;
    const scope = await vscode.window.showQuickPick(
      [{ label: 'Reviewed images only', value: false }, { label: 'Reviewed and predicted images', value: true }],
      { placeHolder: 'Which images' },
    );
    if (!scope) return;
    const outDir = vscode.Uri.joinPath(folder.uri, '.anomaly-lens', 'export', format.value);
    const annotations: Annotation[] = [];
    for (const e of session.findings.all()) {
      if (e.folder.uri.toString() !== folder.uri.toString() || e.status === 'error') continue;
      const a = await session.readAnnotation(e.uri);
      if (a) annotations.push(a);
    }
    // Loaded on use: pngjs is not needed at activation.
    const { exportCoco, exportLabelMe, exportMvtec, selectForExport } = await import('../export');
    const chosen = selectForExport(annotations, { includePredicted: scope.value });
    const outRel = path.posix.relative(folder.uri.path, outDir.path);
    let files: ExportFile[];
    if (format.value === 'coco') files = exportCoco(chosen, { toolVersion: session.toolVersion });
    else if (format.value === 'mvtec') files = exportMvtec(chosen);
    else files = exportLabelMe(chosen, (json, image) => path.posix.relative(path.posix.dirname(path.posix.join(outRel, json)), image));
    for (const f of files) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(outDir, ...f.path.split('/')), f.bytes);
    const pick = await vscode.window.showInformationMessage(`Exported ${chosen.length} image(s) to ${outRel}.`, 'Reveal');
    if (pick) await vscode.commands.executeCommand('revealInExplorer', outDir);
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
