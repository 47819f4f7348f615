/** The engine worker: one thread, started with the first request, and the device it runs on. */
import * as vscode from 'vscode';
import { Worker } from 'node:worker_threads';
import { DeviceReports } from './deviceReports';
import type { Logger } from './log';
import { WorkerClient } from './workerClient';

export class EngineHost implements vscode.Disposable {
  private client: WorkerClient | undefined;
  private readonly deviceChanged = new vscode.EventEmitter<void>();
  /** A device report arrived, or a new worker started (the status bar redraws). */
  readonly onDidChangeDevice = this.deviceChanged.event;
  /** What the running worker said each device setting runs on. */
  readonly devices: DeviceReports;
  /** The provider the last backbone session opened on, e.g. "cpu" (from the worker's log). */
  deviceInUse: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {
    this.devices = new DeviceReports({
      running: () => this.running,
      request: (params) => this.worker().request('device', params),
      changed: () => this.deviceChanged.fire(),
      log: (line) => this.log.warn(line),
    });
  }

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
        if (m && m[1].toLowerCase() !== this.deviceInUse) {
          this.deviceInUse = m[1].toLowerCase();
          this.deviceChanged.fire();
        }
        this.log.info(line);
      },
      onStart: () => {
        this.deviceInUse = undefined;
        this.devices.workerStarted();
      },
    });
    return this.client;
  }

  dispose(): void {
    this.deviceChanged.dispose();
    void this.client?.dispose();
  }
}
