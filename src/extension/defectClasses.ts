/** Adding a defect class from the review editor: appended to anomalyLens.defectClasses where the folder's value lives. */
import * as vscode from 'vscode';
import { AnomalyLensError } from '../shared/errors';
import type { Session } from './session';
import { SECTION } from './settings';

export async function addDefectClass(session: Session, image: vscode.Uri, name: string): Promise<string[]> {
  const clean = name.trim();
  if (!session.trusted) {
    throw new AnomalyLensError('BAD_ARGUMENT', 'classes cannot be added in an untrusted workspace', { hint: 'Trust the workspace to edit settings.' });
  }
  const folder = vscode.workspace.getWorkspaceFolder(image);
  const cfg = vscode.workspace.getConfiguration(SECTION, folder);
  const current = session.settings(folder).defectClasses;
  if (current.includes(clean)) return current;
  const next = [...current, clean];
  const inspect = cfg.inspect<string[]>('defectClasses');
  // Write where the value the user sees comes from: the folder's settings, else the workspace's.
  const target = inspect?.workspaceFolderValue !== undefined && folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace;
  await cfg.update('defectClasses', next, target);
  session.log.info(`defect class "${clean}" added (${next.length} classes)`);
  return next;
}
