/**
 * The extension's working state, wired from parts with one job each: the engine worker, the
 * model registry, annotation files and findings, engine jobs, error reporting. Commands, the
 * tree, the status bar and the review editor all go through here.
 */
import * as vscode from 'vscode';
import type { Annotation } from '../shared/annotation';
import type { ModelSummary } from '../shared/workerProtocol';
import { AnnotationService, type AnnotationChange, type Decision } from './annotationService';
import type { AnnotationStore } from './annotationStore';
import { BackgroundProgress } from './backgroundProgress';
import { EngineHost } from './engineHost';
import { EngineJobs, type ScanOptions } from './engineJobs';
import { reportError } from './errorReporter';
import { Findings, type Entry } from './findings';
import type { Logger } from './log';
import { ModelRegistry, type ListedModel } from './modelRegistry';
import type { ScanErrorMemo } from './scanErrors';
import { readSettings, type Settings } from './settings';
import { rethreshold } from './threshold';
import type { WorkerClient } from './workerClient';
import { findImages, locate, type Located } from './workspaceImages';

export type { Located } from './workspaceImages';

export class Session implements vscode.Disposable {
  readonly findings = new Findings();
  readonly models: ModelRegistry;
  readonly annotations: AnnotationService;
  readonly background = new BackgroundProgress();
  private readonly host: EngineHost;
  private readonly jobs: EngineJobs;
  readonly onDidChangeModel: vscode.Event<void>;
  /** An annotation changed (a decision, a rescan, an external edit). */
  readonly onDidChangeAnnotation: vscode.Event<AnnotationChange>;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: Logger,
  ) {
    this.host = new EngineHost(context.extensionUri, log);
    this.models = new ModelRegistry(context.workspaceState, log);
    this.annotations = new AnnotationService(this.findings, context.workspaceState, this.host, log, this.toolVersion);
    this.jobs = new EngineJobs(this.host, this.models, this.annotations, this.background, log);
    this.onDidChangeModel = this.models.onDidChange;
    this.onDidChangeAnnotation = this.annotations.onDidChange;
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  get toolVersion(): string {
    return String((this.context.extension.packageJSON as { version?: string }).version ?? '0.0.0');
  }

  settings(scope?: vscode.ConfigurationScope): Settings {
    return readSettings(scope);
  }

  get deviceInUse(): string | undefined {
    return this.host.deviceInUse;
  }

  get engineRunning(): boolean {
    return this.host.running;
  }

  /** The worker client; the thread itself starts with the first request. */
  engine(): WorkerClient {
    return this.host.worker();
  }

  get scanErrors(): ScanErrorMemo {
    return this.annotations.scanErrors;
  }

  locate(uri: vscode.Uri): Located | undefined {
    return locate(uri);
  }

  findImages(folder: vscode.WorkspaceFolder, under?: vscode.Uri): Promise<vscode.Uri[]> {
    return findImages(folder, under);
  }

  // Annotations

  storeFor(folder: vscode.WorkspaceFolder): AnnotationStore {
    return this.annotations.storeFor(folder);
  }

  readAnnotation(uri: vscode.Uri): Promise<Annotation | undefined> {
    return this.annotations.read(uri);
  }

  async loadAnnotations(folder: vscode.WorkspaceFolder): Promise<number> {
    const model = await this.activeModel(folder);
    const s = readSettings(folder);
    return this.annotations.loadFolder(folder, (e: Entry) => rethreshold(e, model, s));
  }

  decide(uri: vscode.Uri, decision: Decision, baseRevision?: string | null): Promise<{ annotation: Annotation; revision: string | null }> {
    return this.annotations.decide(uri, decision, baseRevision);
  }

  annotationFileChanged(file: vscode.Uri): Promise<void> {
    return this.annotations.fileChanged(file);
  }

  /** After a threshold or sensitivity change: re-rank without rescanning. */
  async applyThreshold(): Promise<void> {
    const byFolder = new Map<string, ModelSummary | undefined>();
    for (const f of vscode.workspace.workspaceFolders ?? []) byFolder.set(f.uri.toString(), await this.activeModel(f));
    this.findings.remap((e) => rethreshold(e, byFolder.get(e.folder.uri.toString()), readSettings(e.folder)));
    this.models.changed();
  }

  // Models

  modelsUri(folder: vscode.WorkspaceFolder): vscode.Uri {
    return this.models.modelsUri(folder);
  }

  listModels(folder: vscode.WorkspaceFolder): Promise<ListedModel[]> {
    return this.models.list(folder);
  }

  activeModel(folder: vscode.WorkspaceFolder): Promise<ModelSummary | undefined> {
    return this.models.activeFor(folder);
  }

  setActiveModel(folder: vscode.WorkspaceFolder, dirName: string, summary: ModelSummary): Promise<void> {
    return this.models.setActive(folder, dirName, summary);
  }

  forgetModels(): void {
    this.models.forget();
  }

  // Engine jobs

  scan(folder: vscode.WorkspaceFolder, uris: vscode.Uri[], opts?: ScanOptions): Promise<void> {
    return this.jobs.scan(folder, uris, opts);
  }

  train(folder: vscode.WorkspaceFolder, normalUris: vscode.Uri[]): Promise<ModelSummary> {
    return this.jobs.train(folder, normalUris);
  }

  fitContaminated(folder: vscode.WorkspaceFolder, uris: vscode.Uri[]): Promise<ModelSummary> {
    return this.jobs.fitContaminated(folder, uris);
  }

  /** Every failure the user sees goes through here. */
  report(context: string, err: unknown): Promise<void> {
    return reportError(this.log, context, err);
  }

  dispose(): void {
    this.host.dispose();
    this.background.dispose();
    this.findings.dispose();
    this.models.dispose();
    this.annotations.dispose();
  }
}
