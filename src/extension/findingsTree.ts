/** The Findings tree: groups and ranking come from the pure treeModel. */
import * as vscode from 'vscode';
import type { Entry } from './findings';
import type { Session } from './session';
import { GROUP_LABELS, GROUP_ORDER, describeScore, groupFindings, type GroupId } from './treeModel';

export const REVIEW_VIEW_TYPE = 'anomalyLens.review';

export type Node = { kind: 'group'; id: GroupId; count: number } | { kind: 'image'; entry: Entry; group: GroupId };

const GROUP_ICONS: Record<GroupId, string> = {
  needsReview: 'question',
  flagged: 'warning',
  normal: 'pass',
  reviewed: 'check-all',
  errors: 'error',
};

export class FindingsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly session: Session) {
    this.sub = vscode.Disposable.from(
      session.findings.onDidChange(() => this.emitter.fire(undefined)),
      session.onDidChangeModel(() => this.emitter.fire(undefined)),
    );
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  private grouped() {
    return groupFindings(this.session.findings.all(), this.session.settings().uncertainBand) as Record<GroupId, Entry[]>;
  }

  getChildren(node?: Node): Node[] {
    const g = this.grouped();
    if (!node) return GROUP_ORDER.filter((id) => g[id].length > 0).map((id) => ({ kind: 'group', id, count: g[id].length }));
    if (node.kind === 'group') return g[node.id].map((entry) => ({ kind: 'image', entry, group: node.id }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(GROUP_LABELS[node.id], node.id === 'errors' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.id}`;
      item.description = String(node.count);
      item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[node.id]);
      item.contextValue = `group.${node.id}`;
      return item;
    }
    const e = node.entry;
    const item = new vscode.TreeItem(e.uri, vscode.TreeItemCollapsibleState.None);
    item.id = `image:${e.path}`;
    item.label = e.rel.replace(/^.*\//, '');
    item.description = describeScore(e);
    const lines = [e.rel, `status: ${e.status}`];
    if (e.normalized !== undefined) lines.push(`normalised score: ${e.normalized.toFixed(3)} (0.5 = threshold)`);
    if (e.score !== undefined) lines.push(`raw score: ${e.score.toPrecision(4)}, threshold ${e.threshold?.toPrecision(4) ?? '?'}`);
    if (e.stale) lines.push('the image changed since it was reviewed');
    if (e.error) lines.push(`${e.error.code}: ${e.error.message}${e.error.hint ? ` (${e.error.hint})` : ''}`);
    item.tooltip = lines.join('\n');
    item.contextValue = e.status === 'error' ? 'finding.error' : `finding.${e.status}`;
    item.command = { command: 'vscode.openWith', title: 'Open in Anomaly Lens', arguments: [e.uri, REVIEW_VIEW_TYPE] };
    return item;
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'group') return undefined;
    return { kind: 'group', id: node.group, count: 0 };
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
