/**
 * Progress for work the user did not start (the scan on folder open, the file watcher): a
 * status bar item instead of a notification, showing the count and cancelling on click.
 */
import * as vscode from 'vscode';
import type { WorkerProgress } from '../shared/workerProtocol';
import type { ProgressRun } from './progress';

export const CANCEL_BACKGROUND_COMMAND = 'anomalyLens.cancelBackgroundScan';

export class BackgroundProgress implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('anomalyLens.background', vscode.StatusBarAlignment.Left, 10);
  private readonly running = new Set<AbortController>();

  constructor() {
    this.item.name = 'Anomaly Lens background scan';
    this.item.command = CANCEL_BACKGROUND_COMMAND;
  }

  async run<T>(title: string, run: ProgressRun<T>): Promise<T> {
    const ac = new AbortController();
    this.running.add(ac);
    if (this.running.size === 1) void vscode.commands.executeCommand('setContext', 'anomalyLens.backgroundScan', true);
    this.show(title);
    try {
      return await run(ac.signal, (p: WorkerProgress) => this.show(`${title} ${p.done}/${p.total}`));
    } finally {
      this.running.delete(ac);
      if (!this.running.size) {
        this.item.hide();
        void vscode.commands.executeCommand('setContext', 'anomalyLens.backgroundScan', false);
      }
    }
  }

  /** Cancels every background job; returns how many were running. */
  cancelAll(): number {
    const n = this.running.size;
    for (const ac of this.running) ac.abort();
    return n;
  }

  private show(text: string): void {
    this.item.text = `$(sync~spin) ${text}`;
    this.item.tooltip = 'Anomaly Lens is checking images in the background. Click to cancel.';
    this.item.show();
  }

  dispose(): void {
    this.cancelAll();
    this.item.dispose();
  }
}
