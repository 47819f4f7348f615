/**
 * Extension entry. Activation only wires things up: no runtime load, no worker start, no
 * folder scan on the activation path (those run later, on first need).
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands/index';
import { FindingDecorations } from './decorations';
import { FindingsTree, REVIEW_VIEW_TYPE } from './findingsTree';
import { Logger } from './log';
import { ReviewEditorProvider } from './reviewEditor';
import { Session } from './session';
import { StatusBar } from './statusBar';
import { Watchers } from './watcher';

/** Folders that were offered the first step once (the offer does not come back). */
const FIRST_RUN_OFFERED = 'anomalyLens.firstRunOffered';

let session: Session | undefined;

export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const t0 = performance.now();
  const log = new Logger();
  session = new Session(context, log);
  const s = session;
  const tree = new FindingsTree(s);
  const editor = new ReviewEditorProvider(s, context.extensionUri);
  const status = new StatusBar(s);
  const watchers = new Watchers(s);
  context.subscriptions.push(
    log,
    s,
    tree,
    editor,
    status,
    watchers,
    vscode.window.createTreeView('anomalyLens.findings', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true }),
    vscode.window.registerFileDecorationProvider(new FindingDecorations(s)),
    vscode.window.registerCustomEditorProvider(REVIEW_VIEW_TYPE, editor, {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: false,
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void startBackground(s, watchers, status, context)),
    s.onDidChangeModel(() => void updateModelContext(s)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void status.update()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('anomalyLens.sensitivity') || e.affectsConfiguration('anomalyLens.manualThreshold') || e.affectsConfiguration('anomalyLens.thresholdMode')) {
        void s.applyThreshold();
      }
      if (e.affectsConfiguration('anomalyLens.review.uncertainBand')) tree.refresh();
    }),
  );
  registerCommands(context, { session: s, tree, editor });
  void vscode.commands.executeCommand('setContext', 'anomalyLens.trusted', vscode.workspace.isTrusted);
  // Everything that touches the disk runs after activation returns.
  setTimeout(() => void startBackground(s, watchers, status, context), 0);
  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs };
}

async function startBackground(s: Session, watchers: Watchers, status: StatusBar, context: vscode.ExtensionContext): Promise<void> {
  await vscode.commands.executeCommand('setContext', 'anomalyLens.trusted', vscode.workspace.isTrusted);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    try {
      const n = await s.loadAnnotations(folder);
      s.log.info(`${folder.name}: ${n} annotation(s) loaded`);
      await updateModelContext(s);
      // The model and device items read model.json, so they appear here rather than at activation.
      await status.update().catch((err) => s.log.error('status bar', err));
      if (!s.trusted) continue;
      watchers.start(folder);
      await s.refreshCoverage(folder);
      await autoFlag(s, folder, context);
    } catch (err) {
      await s.report(`opening ${folder.name}`, err);
    }
  }
}

/** `anomalyLens.hasModel`: Rescan, Accept and Reject show only once some model exists. */
export async function updateModelContext(s: Session): Promise<void> {
  let any = false;
  for (const f of vscode.workspace.workspaceFolders ?? []) any ||= (await s.models.list(f)).length > 0;
  await vscode.commands.executeCommand('setContext', 'anomalyLens.hasModel', any);
}

/**
 * On open: with models, scan new or changed images they serve (unchanged ones are skipped by
 * hash); without any, the first-run offer (setting autoFlag: ask) once per folder, or the
 * label-free fit (always).
 */
async function autoFlag(s: Session, folder: vscode.WorkspaceFolder, context: vscode.ExtensionContext): Promise<void> {
  const settings = s.settings(folder);
  const models = await s.models.list(folder);
  const images = await s.findImages(folder);
  if (models.length) {
    if (!settings.autoScan) return;
    const served: vscode.Uri[] = [];
    let todo = 0;
    for (const u of images) {
      const m = s.models.modelForSync(u);
      if (!m) continue;
      served.push(u);
      const e = s.findings.get(u);
      if (!e || e.modelId !== m.summary.id) todo++;
    }
    // New images: a notification with cancel; otherwise a hash check in the status bar.
    if (served.length) await s.scan(folder, served, { background: todo === 0 });
    return;
  }
  if (settings.autoFlag === 'never' || images.length < 2) return;
  if (settings.autoFlag === 'always') {
    if (images.length >= 4) await s.fitContaminated(folder, images);
    return;
  }
  const offered = context.workspaceState.get<string[]>(FIRST_RUN_OFFERED, []);
  if (offered.includes(folder.uri.toString())) return;
  await context.workspaceState.update(FIRST_RUN_OFFERED, [...offered, folder.uri.toString()]);
  const pick = await vscode.window.showInformationMessage(
    `${folder.name} has ${images.length} images and no Anomaly Lens model yet. Train one from a few normal images you pick, or flag the outliers without labels.`,
    'Pick Normal Images…', 'Flag Outliers', 'Not Now',
  );
  if (pick === 'Pick Normal Images…') await vscode.commands.executeCommand('anomalyLens.trainFromSelection');
  else if (pick === 'Flag Outliers') await vscode.commands.executeCommand('anomalyLens.flagOutliers');
}

export function deactivate(): void {
  session = undefined;
}
