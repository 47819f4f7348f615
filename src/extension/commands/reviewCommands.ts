/** Review Next, Accept, Reject, Open in Anomaly Lens, and the review editor's forwarded commands. */
import * as vscode from 'vscode';
import type { WebviewCommand } from '../../shared/protocol';
import { REVIEW_VIEW_TYPE } from '../findingsTree';
import type { Entry } from '../findings';
import { nextToReview } from '../treeModel';
import { uriOf, type CommandDeps, type Register } from './commandKit';

export function registerReviewCommands(register: Register, deps: CommandDeps): void {
  const { session } = deps;

  /** The findings of the folder scope in focus (the open image's, else the one last trained or chosen). */
  const inFocus = (): Entry[] => {
    const current = deps.editor.activeUri;
    const model = current ? session.models.modelForSync(current) : undefined;
    const focus = model ? { folder: model.folder, scope: model.scope } : session.focus;
    const all = session.findings.all();
    if (!focus) return all;
    return all.filter((e) => e.folder.uri.toString() === focus.folder.uri.toString() && session.models.modelForSync(e.uri)?.scope === focus.scope);
  };

  register('anomalyLens.reviewNext', 'Review Next', async () => {
    // Within the scope in focus first; when it is done, whatever is left elsewhere. Opens in the current review tab.
    const focus = inFocus();
    const among = nextToReview(focus, deps.editor.activeUri?.toString()) ? focus : session.findings.all();
    if (!(await deps.editor.openNext('next', among))) void vscode.window.showInformationMessage('Nothing left to review.');
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
    const uri = uriOf(arg, deps) ?? vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
    if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, REVIEW_VIEW_TYPE);
  });

  const forwarded: WebviewCommand[] = ['toggleHeatmap', 'brush', 'eraser', 'polygon', 'undo', 'redo', 'help', 'zoomFit', 'zoom1'];
  // The editor's one-letter keys (A, R, X, O) belong to these editor-only commands, not to the
  // Accept / Reject of the Explorer and Findings menus, so those menus show no editor-only key hint.
  const editorOnly: WebviewCommand[] = ['accept', 'reject', 'toggleOverlays', 'togglePrediction'];
  for (const c of [...forwarded, ...editorOnly]) register(`anomalyLens.editor.${c}`, c, () => deps.editor.forward(c));
  const navigate = (direction: 'next' | 'previous') => async () => {
    await deps.editor.openNext(direction);
  };
  register('anomalyLens.editor.next', 'Next', navigate('next'));
  register('anomalyLens.editor.previous', 'Previous', navigate('previous'));
}

/** The file of the active tab, for files VS Code shows in no text editor (binary DICOM without an extension). */
function activeTabUri(): vscode.Uri | undefined {
  const input: unknown = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input && typeof input === 'object' && 'uri' in input ? input.uri : undefined;
  return uri instanceof vscode.Uri ? uri : undefined;
}
