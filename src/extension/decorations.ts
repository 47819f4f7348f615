/** Explorer badges: flagged (⚠ red), needs review (? yellow), reviewed (✓ green), error (✕). */
import * as vscode from 'vscode';
import type { Session } from './session';
import { describeScore, groupOf } from './treeModel';

export class FindingDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly session: Session) {
    this.sub = session.findings.onDidChange((uris) => this.emitter.fire(uris));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    const e = this.session.findings.get(uri);
    if (!e) return undefined;
    switch (groupOf(e, this.session.settings(e.folder).uncertainBand)) {
      case 'flagged': {
        const model = this.session.models.modelForSync(uri);
        const score = describeScore(e, model && model.summary.id === e.modelId ? model.summary.spread : undefined);
        return new vscode.FileDecoration('!', `Anomaly Lens: flagged, ${score}`, new vscode.ThemeColor('anomalyLens.flaggedForeground'));
      }
      case 'needsReview':
        return new vscode.FileDecoration('?', 'Anomaly Lens: needs review', new vscode.ThemeColor('anomalyLens.needsReviewForeground'));
      case 'reviewed':
        return new vscode.FileDecoration('✓', `Anomaly Lens: reviewed (${e.label})`, new vscode.ThemeColor('anomalyLens.reviewedForeground'));
      case 'errors':
        return new vscode.FileDecoration('✕', `Anomaly Lens: ${e.error?.code ?? 'error'}`, new vscode.ThemeColor('list.errorForeground'));
      default:
        return undefined;
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
