/**
 * Moving through the review queue in one editor tab: the next image opens in the tab of the
 * current one (same column, preview), and the previous image's tab closes unless the user pinned
 * it. So J / K / Review Next never pile up tabs.
 */
import * as vscode from 'vscode';
import { REVIEW_VIEW_TYPE } from './findingsTree';
import { reviewQueue, nextToReview, compareFindings, type Finding } from './treeModel';

export interface QueuePosition {
  index: number;
  total: number;
  /** The image has left the queue (it was reviewed); index is where it would sit. */
  reviewed?: boolean;
}

/** Where an image stands in the review queue, also after it left it. */
export function queuePosition(findings: Iterable<Finding>, path: string): QueuePosition | undefined {
  const all = [...findings];
  const queue = reviewQueue(all);
  const index = queue.findIndex((f) => f.path === path);
  if (index >= 0) return { index, total: queue.length };
  const cur = all.find((f) => f.path === path);
  if (!cur) return undefined;
  const pos = queue.findIndex((f) => compareFindings(cur, f) < 0);
  return { index: pos < 0 ? queue.length : pos, total: queue.length, reviewed: true };
}

function reviewTab(uri: vscode.Uri): vscode.Tab | undefined {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const input = tab.input;
      if (input instanceof vscode.TabInputCustom && input.viewType === REVIEW_VIEW_TYPE && input.uri.toString() === uri.toString()) return tab;
    }
  }
  return undefined;
}

/**
 * Opens `next` in place of `current` (when there is a current review tab). Returns false when the
 * queue has nothing in that direction.
 */
export async function openInPlace(findings: Iterable<Finding>, current: vscode.Uri | undefined, direction: 'next' | 'previous'): Promise<boolean> {
  const next = nextToReview(findings, current?.toString(), direction);
  if (!next) return false;
  const old = current ? reviewTab(current) : undefined;
  const viewColumn = old?.group.viewColumn ?? vscode.ViewColumn.Active;
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.parse(next.path), REVIEW_VIEW_TYPE, { viewColumn, preview: true });
  // A preview tab was replaced already; a kept (non-preview) tab is closed unless pinned.
  const stale = current ? reviewTab(current) : undefined;
  if (stale && !stale.isPinned && stale !== reviewTab(vscode.Uri.parse(next.path))) await vscode.window.tabGroups.close(stale, true);
  return true;
}
