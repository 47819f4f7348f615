/** Worker progress → a cancellable VS Code progress notification (stage, count, loss, ETA). */
import * as vscode from 'vscode';
import type { WorkerProgress } from '../shared/workerProtocol';
import { progressSteps } from './progressText';

export type ProgressRun<T> = (signal: AbortSignal, report: (p: WorkerProgress) => void) => Promise<T>;

export function withProgress<T>(title: string, run: ProgressRun<T>): Promise<T> {
  return Promise.resolve(vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      const step = progressSteps(Date.now);
      try {
        return await run(ac.signal, (p) => progress.report(step(p)));
      } finally {
        sub.dispose();
      }
    },
  ));
}
