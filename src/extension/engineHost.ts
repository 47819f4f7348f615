/** The engine worker: one thread, started with the first request, and the device the runtime reported. */
import * as vscode from 'vscode';
import { Worker } from 'node:worker_threads';
import type { Logger } from './log';
import { WorkerClient } from './workerClient';

export class EngineHost implements vscode.Disposable {
  private client: WorkerClient | undefined;
  /** The provider the runtime reported, e.g. "cpu" (from the worker's log). */
  deviceInUse: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {}

  get running(): boolean {
    return this.client?.running ?? false;
  }

  /** The worker client; the thread itself starts with the first request. */
  worker(): WorkerClient {
    this.client ??= new WorkerClient({
      create: () => {
        const file = vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath;
        this.log.info(`starting the engine worker (${file})`);
        return new Worker(file, { name: 'anomaly-lens-engine' });
      },
      readFile: async (uri) => vscode.workspace.fs.readFile(vscode.Uri.parse(uri, true)),
      log: (line) => {
        const m = /^backbone \S+ \(\w+\) on (\w+)/.exec(line);
        if (m) this.deviceInUse = m[1].toLowerCase();
        this.log.info(line);
      },
    });
    return this.client;
  }

  dispose(): void {
    void this.client?.dispose();
  }
}
