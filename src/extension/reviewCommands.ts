/**
 * Commands that only act inside the review editor. The editor's one-letter keys (A, R, X, O)
 * belong to these, not to the Accept / Reject commands of the Explorer and Findings menus, so
 * those menus show no key hint that only works in the editor.
 */
import * as vscode from 'vscode';
import type { WebviewCommand } from '../shared/protocol';
import type { ReviewEditorProvider } from './reviewEditor';

const EDITOR_ONLY: WebviewCommand[] = ['accept', 'reject', 'toggleOverlays', 'togglePrediction'];

export function registerReviewEditorCommands(context: vscode.ExtensionContext, editor: ReviewEditorProvider): void {
  for (const c of EDITOR_ONLY) {
    context.subscriptions.push(vscode.commands.registerCommand(`anomalyLens.editor.${c}`, () => editor.forward(c)));
  }
}
