/** Review Next, Accept, Reject, Open in Anomaly Lens, and the review editor's forwarded commands. */
import * as vscode from 'vscode';
import type { WebviewCommand } from '../../shared/protocol';
import { REVIEW_VIEW_TYPE } from '../findingsTree';
import { nextToReview } from '../treeModel';
import { uriOf, type CommandDeps, type Register } from './commandKit';

export function registerReviewCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  register('anomalyLens.reviewNext', 'Review Next', async () => {
    const next = nextToReview(session.findings.all(), deps.editor.activeUri?.toString());
    if (!next) {
      void vscode.window.showInformationMessage('Nothing left to review.');
      return;
    }
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.parse(next.path), REVIEW_VIEW_TYPE);
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
  register('anomalyLens.accept', 'Accept', decide('accept'));
  register('anomalyLens.reject', 'Reject', decide('reject'));

  register('anomalyLens.openInReview', 'Open', async (arg?: unknown) => {
    const uri = uriOf(arg, deps) ?? vscode.window.activeTextEditor?.document.uri;
    if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, REVIEW_VIEW_TYPE);
  });

  const forwarded: WebviewCommand[] = ['toggleHeatmap', 'brush', 'eraser', 'polygon', 'undo', 'redo', 'help', 'zoomFit', 'zoom1'];
  for (const c of forwarded) register(`anomalyLens.editor.${c}`, c, () => deps.editor.forward(c));
  const navigate = (direction: 'next' | 'previous') => async () => {
    const next = nextToReview(session.findings.all(), deps.editor.activeUri?.toString(), direction);
    if (next) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.parse(next.path), REVIEW_VIEW_TYPE);
  };
  register('anomalyLens.editor.next', 'Next', navigate('next'));
  register('anomalyLens.editor.previous', 'Previous', navigate('previous'));
}
