/** Every failure the user sees goes through here: a message, the log, and MODEL_BACKBONE_MISMATCH → retrain. */
import * as vscode from 'vscode';
import { isCancelled, toErrorInfo } from '../shared/errors';
import type { Logger } from './log';

export async function reportError(log: Logger, context: string, err: unknown): Promise<void> {
  if (isCancelled(err)) {
    log.info(`${context}: cancelled`);
    return;
  }
  log.error(context, err);
  const info = toErrorInfo(err);
  if (info.code === 'MODEL_BACKBONE_MISMATCH') {
    const pick = await vscode.window.showWarningMessage(
      'The active model no longer matches its backbone. Retrain it to keep scanning.', 'Train Model from Folder…', 'Show Log',
    );
    if (pick === 'Show Log') log.show();
    else if (pick) await vscode.commands.executeCommand('anomalyLens.trainFromFolder');
    return;
  }
  if (info.code === 'WORKSPACE_UNTRUSTED') {
    const pick = await vscode.window.showWarningMessage(`Anomaly Lens: ${info.message}. ${info.hint ?? ''}`, 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  const pick = await vscode.window.showErrorMessage(`Anomaly Lens: ${context}: ${info.message}${info.hint ? ` — ${info.hint}` : ''}`, 'Show Log');
  if (pick) log.show();
}

/** The warning `scan` and the outlier fit give when annotation files were left alone. */
export function warnConflicts(log: Logger, conflicts: number): void {
  if (!conflicts) return;
  void vscode.window.showWarningMessage(
    `${conflicts} annotation file(s) were edited outside Anomaly Lens and were left as they are. See the log.`, 'Show Log',
  ).then((c) => c && log.show());
}
