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
import type { DeviceReports } from './deviceReports';
import { EngineHost } from './engineHost';
import { EngineJobs, type ScanOptions, type TrainedModel } from './engineJobs';
import { Coverage } from './coverage';
import { reportError, warnConflicts } from './errorReporter';
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
  readonly coverage: Coverage;
  /** The folder scope the user works in now (last trained or chosen): Review Next and the status bar follow it. */
  focus: { folder: vscode.WorkspaceFolder; scope: string } | undefined;
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
    this.coverage = new Coverage(this.models);
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

  /** What the running worker said each device setting runs on (never starts one to find out). */
  get devices(): DeviceReports {
    return this.host.devices;
  }

  get onDidChangeDevice(): vscode.Event<void> {
    return this.host.onDidChangeDevice;
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

  /**
   * Loads a folder's annotation files at the threshold in effect. Predicted files written under
   * another threshold (the setting changed while the window was closed) are brought in line now,
   * not at the next rescan.
   */
  async loadAnnotations(folder: vscode.WorkspaceFolder): Promise<number> {
    await this.models.list(folder);
    const s = readSettings(folder);
    const n = await this.annotations.loadFolder(folder, (e: Entry) => rethreshold(e, this.models.modelForSync(e.uri)?.summary, s));
    if (this.trusted) await this.writeThresholds(this.findings.all().filter((e) => e.folder.uri.toString() === folder.uri.toString()));
    return n;
  }

  decide(uri: vscode.Uri, decision: Decision, baseRevision?: string | null): Promise<{ annotation: Annotation; revision: string | null }> {
    return this.annotations.decide(uri, decision, baseRevision);
  }

  annotationFileChanged(file: vscode.Uri): Promise<void> {
    return this.annotations.fileChanged(file);
  }

  /**
   * After a threshold or sensitivity change: re-rank without rescanning, and write the new
   * decision into the predicted annotation files so that they agree with the view.
   */
  async applyThreshold(): Promise<void> {
    for (const f of vscode.workspace.workspaceFolders ?? []) await this.models.list(f);
    this.findings.remap((e) => rethreshold(e, this.models.modelForSync(e.uri)?.summary, readSettings(e.folder)));
    this.models.changed();
    if (!this.trusted) return;
    await this.writeThresholds(this.findings.all());
  }

  private async writeThresholds(entries: readonly Entry[]): Promise<void> {
    const { written, conflicts } = await this.annotations.writeThresholds(entries);
    if (written) this.log.info(`threshold written into ${written} predicted annotation file(s)`);
    warnConflicts(this.log, conflicts);
  }

  // Models

  modelsUri(folder: vscode.WorkspaceFolder): vscode.Uri {
    return this.models.modelsUri(folder);
  }

  listModels(folder: vscode.WorkspaceFolder): Promise<ListedModel[]> {
    return this.models.list(folder);
  }

  /** The model for a folder as a whole (the one serving its root, else the newest in use). */
  activeModel(folder: vscode.WorkspaceFolder): Promise<ModelSummary | undefined> {
    return this.models.activeFor(folder);
  }

  /** The model that scores this image, if any model's folder holds it. */
  async modelFor(uri: vscode.Uri): Promise<ModelSummary | undefined> {
    return (await this.models.modelFor(uri))?.summary;
  }

  /** Recounts the images no model serves (the Not scanned entries). */
  async refreshCoverage(folder: vscode.WorkspaceFolder): Promise<void> {
    await this.coverage.refresh(folder);
  }

  forgetModels(): void {
    this.models.forget();
  }

  // Engine jobs

  scan(folder: vscode.WorkspaceFolder, uris: vscode.Uri[], opts?: ScanOptions): Promise<void> {
    return this.jobs.scan(folder, uris, opts);
  }

  async train(folder: vscode.WorkspaceFolder, normalUris: vscode.Uri[], scope?: string): Promise<TrainedModel> {
    const trained = await this.jobs.train(folder, normalUris, scope);
    this.focus = { folder, scope: trained.scope };
    await this.coverage.refresh(folder);
    return trained;
  }

  async fitContaminated(folder: vscode.WorkspaceFolder, uris: vscode.Uri[], scope = ''): Promise<TrainedModel> {
    const trained = await this.jobs.fitContaminated(folder, uris, scope);
    this.focus = { folder, scope: trained.scope };
    await this.coverage.refresh(folder);
    return trained;
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
    this.coverage.dispose();
    this.annotations.dispose();
  }
}
