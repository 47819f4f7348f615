/**
 * Keeps findings current: new or changed images are rescanned through a debounced, bounded
 * queue (a burst beyond the bound becomes one folder rescan); annotation files edited outside
 * the extension are reloaded, never overwritten.
 */
import * as vscode from 'vscode';
import { DebouncedQueue } from './queue';
import type { Session } from './session';

export class Watchers implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private readonly queues = new Map<string, DebouncedQueue<vscode.Uri>>();

  constructor(private readonly session: Session) {}

  start(folder: vscode.WorkspaceFolder): void {
    const s = this.session.settings(folder);
    const queue = new DebouncedQueue<vscode.Uri>({
      delayMs: s.watcherDebounceMs,
      maxSize: s.watcherMaxQueue,
      process: async (batch) => {
        if (!this.session.trusted || !this.session.settings(folder).autoScan) return;
        const served = await Promise.all(batch.map((u) => this.session.modelFor(u)));
        const mine = batch.filter((_, i) => served[i]);
        if (mine.length < batch.length) await this.session.refreshCoverage(folder);
        if (mine.length) await this.session.scan(folder, mine, { background: true });
      },
      onOverflow: (dropped) => {
        this.session.log.warn(`${dropped} image change(s) beyond the queue bound; rescanning the folder instead`);
        void this.session.findImages(folder)
          .then(async (all) => {
            const served = await Promise.all(all.map((u) => this.session.modelFor(u)));
            await this.session.refreshCoverage(folder);
            const mine = all.filter((_, i) => served[i]);
            if (mine.length) await this.session.scan(folder, mine, { background: true });
          })
          .catch((err) => this.session.log.error('folder rescan', err));
      },
      onError: (err) => void this.session.report('background scan', err),
    });
    this.queues.set(folder.uri.toString(), queue);
    const images = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, s.include));
    const excluded = (uri: vscode.Uri) => uri.path.includes('/.anomaly-lens/') || uri.path.includes('/node_modules/') || uri.path.includes('/.git/');
    const push = (uri: vscode.Uri) => !excluded(uri) && queue.push(uri.toString(), uri);
    const annotations = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `${s.annotationFolder}/**/*.json`));
    this.subs.push(
      images,
      annotations,
      images.onDidCreate(push),
      images.onDidChange(push),
      images.onDidDelete((uri) => {
        queue.delete(uri.toString());
        this.session.findings.delete(uri);
        const at = this.session.locate(uri);
        if (at) void this.session.scanErrors.forget(folder.uri.toString(), [at.rel]);
      }),
      annotations.onDidChange((uri) => void this.session.annotationFileChanged(uri)),
      annotations.onDidCreate((uri) => void this.session.annotationFileChanged(uri)),
      annotations.onDidDelete((uri) => void this.session.annotationFileChanged(uri)),
      { dispose: () => queue.dispose() },
    );
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.queues.clear();
  }
}
