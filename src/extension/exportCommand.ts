/** The Export Annotations command: pick a format and scope, write the files under .anomaly-lens/export/<format>/. */
import * as vscode from 'vscode';
import path from 'node:path';
import type { Annotation } from '../shared/annotation';
import type { ExportFile, ExportFormat } from './export';
import type { Session } from './session';

const FORMATS: { label: string; description: string; value: ExportFormat }[] = [
  { label: 'COCO JSON', description: 'categories from anomalyLens.defectClasses; polygons and RLE segmentations', value: 'coco' },
  { label: 'LabelMe JSON', description: 'one file per image, labels are the defect classes', value: 'labelme' },
  { label: 'PNG masks (MVTec AD layout)', description: 'ground_truth/<class>/<name>_mask.png, good/ for normal images', value: 'mvtec' },
  { label: 'CSV of image decisions', description: 'decisions.csv: label, status, classes, score', value: 'csv' },
  { label: 'DICOM SEG (DICOM sources)', description: '<image>.seg.dcm: one segment per class, referencing the source instance', value: 'seg' },
];

export async function runExport(session: Session, folder: vscode.WorkspaceFolder): Promise<void> {
  const format = await vscode.window.showQuickPick(FORMATS, { placeHolder: 'Export format' });
  if (!format) return;
  const scope = await vscode.window.showQuickPick(
    [{ label: 'Reviewed images only', value: false }, { label: 'Reviewed and predicted images', description: 'unreviewed images carry the model\'s regions', value: true }],
    { placeHolder: 'Which images' },
  );
  if (!scope) return;
  await exportTo(session, folder, format.value, scope.value);
}

/** Writes one export; also the entry point for tests and other commands. */
export async function exportTo(session: Session, folder: vscode.WorkspaceFolder, format: ExportFormat, includePredicted: boolean): Promise<vscode.Uri> {
  const outDir = vscode.Uri.joinPath(folder.uri, '.anomaly-lens', 'export', format);
  const annotations: Annotation[] = [];
  for (const e of session.findings.all()) {
    if (e.folder.uri.toString() !== folder.uri.toString() || e.status === 'error') continue;
    const a = await session.readAnnotation(e.uri);
    if (a) annotations.push(a);
  }
  // Loaded on use: pngjs and dcmjs are not needed at activation.
  const { exportCoco, exportLabelMe, selectForExport } = await import('./export');
  const { exportDecisions, exportMvtec } = await import('./exportMasks');
  const chosen = selectForExport(annotations, { includePredicted });
  const outRel = path.posix.relative(folder.uri.path, outDir.path);
  const classes = session.settings(folder).defectClasses;
  let files: ExportFile[];
  let skippedNote = '';
  if (format === 'seg') {
    const { exportDicomSeg } = await import('./exportSeg');
    const read = async (p: string): Promise<Uint8Array> => vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, ...p.split('/')));
    const seg = await exportDicomSeg(chosen, read, { toolVersion: session.toolVersion, classes });
    files = seg.files;
    const notDicom = seg.skipped.filter((s) => s.reason === 'not DICOM').length;
    const other = seg.skipped.filter((s) => s.reason !== 'not DICOM' && s.reason !== 'no regions');
    for (const s of other) session.log.warn(`DICOM SEG: skipped ${s.path}: ${s.reason}`);
    skippedNote = [notDicom ? `${notDicom} non-DICOM image(s) skipped` : '', other.length ? `${other.length} DICOM image(s) skipped (see the log)` : ''].filter(Boolean).join('; ');
  } else if (format === 'coco') files = exportCoco(chosen, { toolVersion: session.toolVersion, classes });
  else if (format === 'mvtec') files = exportMvtec(chosen);
  else if (format === 'csv') files = exportDecisions(chosen);
  else files = exportLabelMe(chosen, (json, image) => path.posix.relative(path.posix.dirname(path.posix.join(outRel, json)), image));
  for (const f of files) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(outDir, ...f.path.split('/')), f.bytes);
  const exported = format === 'seg' ? files.length : chosen.length;
  session.log.info(`exported ${exported} image(s) as ${format} to ${outRel} (${files.length} file(s))${skippedNote ? `; ${skippedNote}` : ''}`);
  void vscode.window.showInformationMessage(`Exported ${exported} image(s) to ${outRel}.${skippedNote ? ` ${skippedNote}.` : ''}`, 'Reveal').then((pick) => {
    if (pick) void vscode.commands.executeCommand('revealInExplorer', outDir);
  });
  return outDir;
}
