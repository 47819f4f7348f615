/**
 * Extension entry. Activation only wires things up: no runtime load, no worker start, no
 * folder scan on the activation path (those run later, on first need).
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { FindingDecorations } from './decorations';
import { FindingsTree, REVIEW_VIEW_TYPE } from './findingsTree';
import { Logger } from './log';
import { registerReviewEditorCommands } from './reviewCommands';
import { ReviewEditorProvider } from './reviewEditor';
import { Session } from './session';
import { StatusBar } from './statusBar';
import { Watchers } from './watcher';

const AUTO_FLAG_DECLINED = 'anomalyLens.autoFlagDeclined';

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
    vscode.workspace.onDidChangeWorkspaceFolders(() => void status.update()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('anomalyLens.sensitivity') || e.affectsConfiguration('anomalyLens.manualThreshold') || e.affectsConfiguration('anomalyLens.thresholdMode')) {
        void s.applyThreshold();
      }
      if (e.affectsConfiguration('anomalyLens.review.uncertainBand')) tree.refresh();
    }),
  );
  registerCommands(context, { session: s, tree, editor });
  registerReviewEditorCommands(context, editor);
  void vscode.commands.executeCommand('setContext', 'anomalyLens.trusted', vscode.workspace.isTrusted);
  // Everything that touches the disk runs after activation returns.
  setTimeout(() => void startBackground(s, watchers, status, context), 0);
  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs };
}

async function startBackground(s: Session, watchers: Watchers, status: StatusBar, context: vscode.ExtensionContext): Promise<void> {
  await vscode.commands.executeCommand('setContext', 'anomalyLens.trusted', vscode.workspace.isTrusted);
  // The model and device items read model.json, so they appear here rather than at activation.
  await status.update().catch((err) => s.log.error('status bar', err));
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    try {
      const n = await s.loadAnnotations(folder);
      s.log.info(`${folder.name}: ${n} annotation(s) loaded`);
      if (!s.trusted) continue;
      watchers.start(folder);
      await autoFlag(s, folder, context);
    } catch (err) {
      await s.report(`opening ${folder.name}`, err);
    }
  }
}

/**
 * Auto-flag on open: with a model, scan new or changed images (unchanged ones are skipped by
 * hash); without one, offer (setting ask / always / never) to fit on the folder itself.
 */
async function autoFlag(s: Session, folder: vscode.WorkspaceFolder, context: vscode.ExtensionContext): Promise<void> {
  const settings = s.settings(folder);
  const model = await s.activeModel(folder);
  if (model) {
    if (!settings.autoScan) return;
    const images = await s.findImages(folder);
    const todo = images.filter((u) => {
      const e = s.findings.get(u);
      return !e || e.modelId !== model.id;
    });
    // Unchanged images are skipped by hash in the worker; a notification only when something is new.
    if (images.length) await s.scan(folder, images, { quiet: todo.length === 0 });
    return;
  }
  if (settings.autoFlag === 'never') return;
  const declined = context.workspaceState.get<string[]>(AUTO_FLAG_DECLINED, []);
  if (settings.autoFlag === 'ask' && declined.includes(folder.uri.toString())) return;
  const images = await s.findImages(folder);
  if (images.length < 4) return;
  if (settings.autoFlag === 'ask') {
    const pick = await vscode.window.showInformationMessage(
      `${folder.name} has ${images.length} images and no Anomaly Lens model. Flag the outliers now? The bulk of the images is treated as normal.`,
      'Flag Outliers', 'Not Now', 'Never for This Folder',
    );
    if (pick === 'Never for This Folder') await context.workspaceState.update(AUTO_FLAG_DECLINED, [...declined, folder.uri.toString()]);
    if (pick !== 'Flag Outliers') return;
  }
  await s.fitContaminated(folder, images);
}

export function deactivate(): void {
  session = undefined;
}
