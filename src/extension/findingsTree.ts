/**
 * The Findings tree: groups and ranking come from the pure treeModel. With models for several
 * folders the top level is one entry per folder scope (its model and counts); images that no
 * model serves are listed by folder under Not scanned, with the action to train for it.
 */
import * as vscode from 'vscode';
import { MARGIN_EXPLAINED } from '../shared/scoreMargin';
import type { UnscannedDir } from './coverage';
import type { Entry } from './findings';
import type { ListedModel } from './modelRegistry';
import { scopeLabel } from './scopeLabel';
import type { Session } from './session';
import { GROUP_LABELS, GROUP_ORDER, describeScore, groupFindings, marginOf, type GroupId } from './treeModel';

export const REVIEW_VIEW_TYPE = 'anomalyLens.review';

export interface ScopeNode {
  kind: 'scope';
  key: string;
  folder: vscode.WorkspaceFolder;
  scope: string;
  model: ListedModel | undefined;
}

export type Node =
  | ScopeNode
  | { kind: 'group'; id: GroupId; count: number; scopeKey?: string }
  | { kind: 'image'; entry: Entry; group: GroupId; scopeKey?: string }
  | { kind: 'unscannedRoot'; count: number }
  | ({ kind: 'unscanned' } & UnscannedDir);

const GROUP_ICONS: Record<GroupId, string> = {
  needsReview: 'question',
  flagged: 'warning',
  normal: 'pass',
  reviewed: 'check-all',
  errors: 'error',
};

const NO_MODEL = '\u0000none';

export class FindingsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly session: Session) {
    this.sub = vscode.Disposable.from(
      session.findings.onDidChange(() => this.emitter.fire(undefined)),
      session.onDidChangeModel(() => this.emitter.fire(undefined)),
      session.coverage.onDidChange(() => this.emitter.fire(undefined)),
    );
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  /** The scope an entry belongs to: the model serving its image now. */
  private scopeOf(e: Entry): { key: string; scope: string; model: ListedModel | undefined } {
    const model = this.session.models.modelForSync(e.uri);
    const scope = model ? model.scope : NO_MODEL;
    return { key: `${e.folder.uri.toString()}\u0000${scope}`, scope, model };
  }

  /** Findings by scope, in a stable order (workspace folder, then scope path). */
  private scopes(): Map<string, { node: ScopeNode; entries: Entry[] }> {
    const out = new Map<string, { node: ScopeNode; entries: Entry[] }>();
    for (const e of this.session.findings.all()) {
      const s = this.scopeOf(e);
      let slot = out.get(s.key);
      if (!slot) {
        slot = { node: { kind: 'scope', key: s.key, folder: e.folder, scope: s.scope, model: s.model }, entries: [] };
        out.set(s.key, slot);
      }
      slot.entries.push(e);
    }
    return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Entries of one scope share a workspace folder: its (resource-scoped) uncertain band applies. */
  private grouped(entries: Entry[]) {
    return groupFindings(entries, this.session.settings(entries[0]?.folder).uncertainBand) as Record<GroupId, Entry[]>;
  }

  private groupsOf(entries: Entry[], scopeKey?: string): Node[] {
    const g = this.grouped(entries);
    return GROUP_ORDER.filter((id) => g[id].length > 0).map((id) => ({ kind: 'group', id, count: g[id].length, scopeKey }));
  }

  getChildren(node?: Node): Node[] {
    const scopes = this.scopes();
    const unscanned = this.session.coverage.unscanned();
    if (!node) {
      const top: Node[] = scopes.size > 1 ? [...scopes.values()].map((s) => s.node) : this.groupsOf(scopes.values().next().value?.entries ?? []);
      if (unscanned.length) top.push({ kind: 'unscannedRoot', count: unscanned.reduce((n, d) => n + d.count, 0) });
      return top;
    }
    if (node.kind === 'scope') return this.groupsOf(scopes.get(node.key)?.entries ?? [], node.key);
    if (node.kind === 'unscannedRoot') return unscanned.map((d) => ({ kind: 'unscanned', ...d }));
    if (node.kind === 'group') {
      const entries = node.scopeKey ? scopes.get(node.scopeKey)?.entries ?? [] : this.session.findings.all();
      return this.grouped(entries)[node.id].map((entry) => ({ kind: 'image', entry, group: node.id, scopeKey: node.scopeKey }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'scope':
        return this.scopeItem(node);
      case 'group': {
        const item = new vscode.TreeItem(GROUP_LABELS[node.id], node.id === 'errors' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.scopeKey ?? ''}:${node.id}`;
        item.description = String(node.count);
        item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[node.id]);
        item.contextValue = `group.${node.id}`;
        return item;
      }
      case 'unscannedRoot': {
        const item = new vscode.TreeItem('Not scanned', vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'unscanned';
        item.description = `${node.count} image${node.count === 1 ? '' : 's'} no model serves`;
        item.iconPath = new vscode.ThemeIcon('circle-slash');
        item.tooltip = 'These images are outside the folder of every model, so no model scored them. Train a model for their folder.';
        return item;
      }
      case 'unscanned': {
        const item = new vscode.TreeItem(scopeLabel(node.folder, node.dir), vscode.TreeItemCollapsibleState.None);
        item.id = `unscanned:${node.folder.uri.toString()}:${node.dir}`;
        item.description = `${node.count} image${node.count === 1 ? '' : 's'} · not scanned`;
        item.iconPath = new vscode.ThemeIcon('folder');
        item.tooltip = `No model serves ${node.dir || node.folder.name}. Train a model for this folder to scan it.`;
        item.contextValue = 'unscanned';
        item.command = { command: 'anomalyLens.trainForFolder', title: 'Train Model for This Folder…', arguments: [node] };
        return item;
      }
      case 'image':
        return this.imageItem(node.entry);
    }
  }

  private scopeItem(node: ScopeNode): vscode.TreeItem {
    const none = node.scope === NO_MODEL;
    const item = new vscode.TreeItem(none ? `${node.folder.name}: no model serves these` : scopeLabel(node.folder, node.scope), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `scope:${node.key}`;
    const g = this.grouped(this.scopes().get(node.key)?.entries ?? []);
    item.description = `${node.model ? node.model.name : 'annotations only'} · ${g.flagged.length} flagged · ${g.needsReview.length} to review`;
    item.iconPath = new vscode.ThemeIcon(none ? 'circle-slash' : 'beaker');
    item.tooltip = node.model
      ? `Model ${node.model.summary.id} serves ${scopeLabel(node.folder, node.scope)} (trained on ${node.model.summary.trainingImages} images, ${node.model.summary.createdAt}).`
      : 'Annotation files of images that no model serves now.';
    item.contextValue = none ? 'scope.none' : 'scope';
    return item;
  }

  private imageItem(e: Entry): vscode.TreeItem {
    const item = new vscode.TreeItem(e.uri, vscode.TreeItemCollapsibleState.None);
    item.id = `image:${e.path}`;
    item.label = e.rel.replace(/^.*\//, '');
    const model = this.session.models.modelForSync(e.uri);
    const spread = model && model.summary.id === e.modelId ? model.summary.spread : undefined;
    item.description = describeScore(e, spread);
    const lines = [e.rel, `status: ${e.status}${e.label ? `, label ${e.label}` : ''}`];
    const m = marginOf(e, spread);
    if (m !== undefined) lines.push(`${describeScore(e, spread).split(' ')[0]}: ${MARGIN_EXPLAINED}`);
    if (e.normalized !== undefined) lines.push(`normalised score: ${e.normalized.toFixed(3)} (0.5 = threshold, clipped to 0…1)`);
    if (e.score !== undefined) lines.push(`raw score: ${e.score.toPrecision(4)}, threshold ${e.threshold?.toPrecision(4) ?? '?'}`);
    if (e.stale) lines.push('the image changed since it was reviewed');
    if (e.error) lines.push(`${e.error.code}: ${e.error.message}${e.error.hint ? ` (${e.error.hint})` : ''}`);
    item.tooltip = lines.join('\n');
    item.contextValue = e.status === 'error' ? 'finding.error' : `finding.${e.status}`;
    item.command = { command: 'vscode.openWith', title: 'Open in Anomaly Lens', arguments: [e.uri, REVIEW_VIEW_TYPE] };
    return item;
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'image') return { kind: 'group', id: node.group, count: 0, scopeKey: node.scopeKey };
    if (node.kind === 'unscanned') return { kind: 'unscannedRoot', count: 0 };
    if (node.kind === 'group' && node.scopeKey) return this.scopes().get(node.scopeKey)?.node;
    return undefined;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
