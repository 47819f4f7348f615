/** In-memory findings per image URI, fed by annotation files and scan results. */
import * as vscode from 'vscode';
import type { Annotation } from '../shared/annotation';
import type { ErrorInfo } from '../shared/errors';
import type { Finding } from './treeModel';

export interface Entry extends Finding {
  uri: vscode.Uri;
  folder: vscode.WorkspaceFolder;
  /** Workspace-folder-relative path with forward slashes. */
  rel: string;
  sha256?: string;
  /** The threshold written in the annotation file (the in-memory one follows the settings). */
  storedThreshold?: number;
}

export function findingFromAnnotation(a: Annotation, uri: vscode.Uri, folder: vscode.WorkspaceFolder, rel: string): Entry {
  const p = a.prediction;
  return {
    path: uri.toString(),
    uri,
    folder,
    rel,
    status: a.status,
    label: a.label,
    score: p?.score,
    normalized: p?.normalized,
    threshold: p?.threshold,
    storedThreshold: p?.threshold,
    modelId: p?.modelId,
    sha256: a.image.sha256,
    stale: a.review !== null && a.review.imageSha256 !== a.image.sha256,
  };
}

export function errorFinding(error: ErrorInfo, uri: vscode.Uri, folder: vscode.WorkspaceFolder, rel: string): Entry {
  return { path: uri.toString(), uri, folder, rel, status: 'error', error };
}

export class Findings implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChange = this.emitter.event;
  private pending: vscode.Uri[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  get(uri: vscode.Uri): Entry | undefined {
    return this.entries.get(uri.toString());
  }

  all(): Entry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  set(e: Entry): void {
    this.entries.set(e.path, e);
    this.changed(e.uri);
  }

  delete(uri: vscode.Uri): void {
    if (this.entries.delete(uri.toString())) this.changed(uri);
  }

  clear(folder?: vscode.WorkspaceFolder): void {
    for (const [k, e] of this.entries) if (!folder || e.folder.uri.toString() === folder.uri.toString()) this.entries.delete(k);
    this.emitter.fire(undefined);
  }

  /** Re-map every entry (threshold change) and refresh everything once. */
  remap(fn: (e: Entry) => Entry): void {
    for (const [k, e] of this.entries) this.entries.set(k, fn(e));
    this.emitter.fire(undefined);
  }

  /** Coalesce bursts (a scan reports many images per second) into one refresh per 200 ms. */
  private changed(uri: vscode.Uri): void {
    this.pending.push(uri);
    this.timer ??= setTimeout(() => {
      const uris = this.pending;
      this.pending = [];
      this.timer = undefined;
      this.emitter.fire(uris.length > 500 ? undefined : uris);
    }, 200);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}
