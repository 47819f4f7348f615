/** The "Anomaly Lens" output channel. Lines carry file paths and error codes, never DICOM tags. */
import * as vscode from 'vscode';
import { describeError, toErrorInfo } from '../shared/errors';

export class Logger implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;

  private get out(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel('Anomaly Lens', { log: true });
    return this.channel;
  }

  info(line: string): void {
    this.out.info(line);
  }

  warn(line: string): void {
    this.out.warn(line);
  }

  error(context: string, err: unknown): void {
    this.out.error(`${context}: ${describeError(toErrorInfo(err))}`);
  }

  show(): void {
    this.out.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
  }
}
