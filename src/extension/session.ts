/**
 * The extension's working state and its operations: annotation stores per workspace folder,
 * findings, the active model per folder, and the engine worker (started on first need).
 * Commands, the tree, the status bar and the review editor all go through here.
 */
import * as vscode from 'vscode';
import { Worker } from 'node:worker_threads';
import {
  acceptAnnotation,
  correctAnnotation,
  imageRelPathOf,
  mergeRescan,
  predictedAnnotation,
  rejectAnnotation,
  reviewedAnnotation,
  type Annotation,
  type AnnotationImage,
  type Region,
} from '../shared/annotation';
import { AnomalyLensError, describeError, isCancelled, toErrorInfo } from '../shared/errors';
import {
  etaSeconds,
  type ModelSummary,
  type ScanItem,
  type SourceRef,
  type WorkerProgress,
  type WorkerTrainOptions,
} from '../shared/workerProtocol';
import { AnnotationStore } from './annotationStore';
import { annotationValidator } from './annotationValidator';
import { Findings, errorFinding, findingFromAnnotation, type Entry } from './findings';
import { ScanErrorMemo } from './scanErrors';
import type { Logger } from './log';
import { scoringMethod } from './imageScoreMode';
import { readSettings, type Settings } from './settings';
import { effectiveThreshold, renormalize, thresholdOverride, thresholdUpToDate } from './threshold';
import { REVIEW_REMEDY, thresholdAdvice } from '../shared/thresholdAdvice';
import { isReviewed } from './treeModel';
import { workspaceStoreFs } from './vscodeFs';
import { WorkerClient } from './workerClient';

const MODELS_DIR = '.anomaly-lens/models';
const MANIFEST_FILE = 'model.json';
const ACTIVE_MODEL_KEY = 'anomalyLens.activeModel';

export interface Located {
  folder: vscode.WorkspaceFolder;
  rel: string;
}

export class Session implements vscode.Disposable {
  readonly findings = new Findings();
  private readonly stores = new Map<string, AnnotationStore>();
  private readonly models = new Map<string, ModelSummary | null>();
  private client: WorkerClient | undefined;
  private readonly modelEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeModel = this.modelEmitter.event;
  private readonly reviewEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; annotation: Annotation | undefined; external: boolean }>();
  /** An annotation changed (a decision, a rescan, an external edit). */
  readonly onDidChangeAnnotation = this.reviewEmitter.event;
  private readonly serial = new Map<string, Promise<unknown>>();
  /** The provider the runtime reported, e.g. "cpu" (from the worker's log). */
  deviceInUse: string | undefined;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: Logger,
  ) {}

  private scanErrorMemo: ScanErrorMemo | undefined;

  /** Scan failures of earlier sessions (they have no annotation file to reload from). */
  get scanErrors(): ScanErrorMemo {
    return (this.scanErrorMemo ??= new ScanErrorMemo(this.context.workspaceState));
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

  get engineRunning(): boolean {
    return this.client?.running ?? false;
  }

  /** The worker client; the thread itself starts with the first request. */
  engine(): WorkerClient {
    this.client ??= new WorkerClient({
      create: () => {
        const file = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'worker.js').fsPath;
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

  // ------------------------------------------------------------------ locations and stores

  locate(uri: vscode.Uri): Located | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const base = folder.uri.path.replace(/\/+$/, '');
    if (!uri.path.startsWith(`${base}/`)) return undefined;
    return { folder, rel: uri.path.slice(base.length + 1) };
  }

  storeFor(folder: vscode.WorkspaceFolder): AnnotationStore {
    const key = folder.uri.toString();
    let s = this.stores.get(key);
    if (!s) {
      s = new AnnotationStore(workspaceStoreFs(folder.uri), annotationValidator(), () => this.settings(folder).annotationFolder);
      this.stores.set(key, s);
    }
    return s;
  }

  /** Runs writes to one annotation file one after another. */
  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.serial.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.serial.set(key, settled);
    void settled.then(() => {
      if (this.serial.get(key) === settled) this.serial.delete(key);
    });
    return next;
  }

  async readAnnotation(uri: vscode.Uri): Promise<Annotation | undefined> {
    const at = this.locate(uri);
    if (!at) return undefined;
    return this.storeFor(at.folder).read(at.rel);
  }

  /** Loads every annotation file of a folder into the findings (startup, refresh). */
  async loadAnnotations(folder: vscode.WorkspaceFolder): Promise<number> {
    const s = this.settings(folder);
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `${s.annotationFolder}/**/*.json`));
    const store = this.storeFor(folder);
    const model = await this.activeModel(folder);
    let loaded = 0;
    for (const f of files) {
      const at = this.locate(f);
      const rel = at && imageRelPathOf(at.rel, s.annotationFolder);
      if (!rel) continue;
      const image = vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
      try {
        const a = await store.read(rel);
        if (a) {
          this.findings.set(this.withThreshold(findingFromAnnotation(a, image, folder, rel), model, s));
          loaded++;
        }
      } catch (err) {
        this.log.error(`annotation ${f.fsPath}`, err);
        this.findings.set(errorFinding(toErrorInfo(err, rel), image, folder, rel));
      }
    }
    await this.restoreScanErrors(folder);
    return loaded;
  }

  /** Puts remembered scan failures back under Errors, for images still there without an annotation. */
  private async restoreScanErrors(folder: vscode.WorkspaceFolder): Promise<void> {
    const gone: string[] = [];
    for (const [rel, error] of this.scanErrors.entries(folder.uri.toString())) {
      const image = vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
      if (this.findings.get(image)) {
        gone.push(rel); // an annotation file supersedes the remembered failure
        continue;
      }
      try {
        await vscode.workspace.fs.stat(image);
        this.findings.set(errorFinding(error, image, folder, rel));
      } catch {
        gone.push(rel);
      }
    }
    await this.scanErrors.forget(folder.uri.toString(), gone);
  }

  /** Re-normalises an unreviewed finding against the threshold in effect. */
  private withThreshold(e: Entry, model: ModelSummary | undefined, s: Settings): Entry {
    if (!model || e.score === undefined || e.modelId !== model.id || isReviewed(e)) return e;
    const t = effectiveThreshold(model, s);
    const r = renormalize(e.score, t, model.spread);
    return { ...e, threshold: t, normalized: r.normalized, label: r.anomalous ? 'anomalous' : 'normal' };
  }

  /** After a threshold or sensitivity change: re-rank without rescanning. */
  async applyThreshold(): Promise<void> {
    const byFolder = new Map<string, ModelSummary | undefined>();
    for (const f of vscode.workspace.workspaceFolders ?? []) byFolder.set(f.uri.toString(), await this.activeModel(f));
    this.findings.remap((e) => this.withThreshold(e, byFolder.get(e.folder.uri.toString()), this.settings(e.folder)));
    this.modelEmitter.fire();
  }

  // ------------------------------------------------------------------ models

  modelsUri(folder: vscode.WorkspaceFolder): vscode.Uri {
    return vscode.Uri.joinPath(folder.uri, ...MODELS_DIR.split('/'));
  }

  /** Reads a model summary from model.json on the host (no worker, no runtime). */
  async readModelSummary(dir: vscode.Uri): Promise<ModelSummary | undefined> {
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, MANIFEST_FILE));
      const m = JSON.parse(new TextDecoder().decode(bytes)) as {
        id: string; createdAt: string; backbone: { id: string }; trainingImages: number;
        calibration: { threshold: number; mode: string; spread: number };
      };
      return {
        id: m.id, dir: dir.fsPath, backbone: m.backbone.id, createdAt: m.createdAt, threshold: m.calibration.threshold,
        thresholdMode: m.calibration.mode, spread: m.calibration.spread, trainingImages: m.trainingImages,
      };
    } catch {
      return undefined;
    }
  }

  async listModels(folder: vscode.WorkspaceFolder): Promise<{ name: string; summary: ModelSummary }[]> {
    let entries: [string, vscode.FileType][] = [];
    try {
      entries = await vscode.workspace.fs.readDirectory(this.modelsUri(folder));
    } catch {
      return [];
    }
    const out: { name: string; summary: ModelSummary }[] = [];
    for (const [name, type] of entries) {
      if (type !== vscode.FileType.Directory) continue;
      const summary = await this.readModelSummary(vscode.Uri.joinPath(this.modelsUri(folder), name));
      if (summary) out.push({ name, summary });
    }
    return out.sort((a, b) => (a.summary.createdAt < b.summary.createdAt ? 1 : -1));
  }

  /** The folder's active model: the one chosen last, else the newest. */
  async activeModel(folder: vscode.WorkspaceFolder): Promise<ModelSummary | undefined> {
    const key = folder.uri.toString();
    if (this.models.has(key)) return this.models.get(key) ?? undefined;
    const chosen = this.context.workspaceState.get<Record<string, string>>(ACTIVE_MODEL_KEY, {})[key];
    let summary = chosen ? await this.readModelSummary(vscode.Uri.joinPath(this.modelsUri(folder), chosen)) : undefined;
    summary ??= (await this.listModels(folder))[0]?.summary;
    this.models.set(key, summary ?? null);
    return summary;
  }

  async setActiveModel(folder: vscode.WorkspaceFolder, dirName: string, summary: ModelSummary): Promise<void> {
    const all = { ...this.context.workspaceState.get<Record<string, string>>(ACTIVE_MODEL_KEY, {}), [folder.uri.toString()]: dirName };
    await this.context.workspaceState.update(ACTIVE_MODEL_KEY, all);
    this.models.set(folder.uri.toString(), summary);
    this.modelEmitter.fire();
  }

  forgetModels(): void {
    this.models.clear();
    this.modelEmitter.fire();
  }

  private requireLocalFolder(folder: vscode.WorkspaceFolder): void {
    if (folder.uri.scheme !== 'file') {
      throw new AnomalyLensError('BAD_ARGUMENT', `models are stored with node:fs, but ${folder.uri.toString()} is not a local folder`, {
        hint: 'Open the folder where the files are (Remote-SSH/WSL run the extension there).',
      });
    }
  }

  private requireTrust(what: string): void {
    if (!this.trusted) {
      throw new AnomalyLensError('BAD_ARGUMENT', `${what} is not available in an untrusted workspace`, {
        hint: 'Trust the workspace (Workspaces: Manage Workspace Trust) to train, scan and save annotations.',
      });
    }
  }

  // ------------------------------------------------------------------ images

  async findImages(folder: vscode.WorkspaceFolder, under?: vscode.Uri): Promise<vscode.Uri[]> {
    const s = this.settings(folder);
    const base = under ?? folder.uri;
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(base, s.include), s.exclude);
    return uris.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  private sourceRef(uri: vscode.Uri, rel: string, knownSha256?: string): SourceRef {
    return { name: rel, uri: uri.toString(), knownSha256 };
  }

  private trainOptions(folder: vscode.WorkspaceFolder): WorkerTrainOptions {
    const s = this.settings(folder);
    const backbone = /\.json$/i.test(s.backbone) && !/^([a-z]:)?[\\/]/i.test(s.backbone)
      ? vscode.Uri.joinPath(folder.uri, s.backbone).fsPath
      : s.backbone;
    const crop = Math.round(s.inputSize);
    return {
      backbone,
      device: s.device,
      threads: s.workerThreads || undefined,
      workers: s.scanWorkers || undefined,
      maxPixels: s.maxImagePixels,
      // The whole image, as the engine's default: a centre crop would hide defects at the borders.
      preprocess: { crop, resize: crop },
      tile: s.tiling,
      ...scoringMethod(s.imageScore, s.fewShotViews),
    };
  }

  // ------------------------------------------------------------------ long-running work

  private async withProgress<T>(title: string, run: (signal: AbortSignal, report: (p: WorkerProgress) => void) => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        const started = Date.now();
        let stage = '';
        let last = 0;
        const report = (p: WorkerProgress) => {
          if (p.stage !== stage) {
            stage = p.stage;
            last = 0;
          }
          const frac = p.total > 0 ? p.done / p.total : 0;
          const eta = p.stage === 'scan' ? etaSeconds(p.done, p.total, (Date.now() - started) / 1000) : undefined;
          const loss = p.loss !== undefined ? ` · loss ${p.loss.toFixed(4)}` : '';
          const etaText = eta !== undefined && eta > 0 ? ` · ETA ${formatDuration(eta)}` : '';
          progress.report({
            message: `${p.stage} ${p.done}/${p.total}${loss}${etaText}`,
            increment: p.stage === 'scan' ? Math.max(0, (frac - last) * 100) : undefined,
          });
          last = frac;
        };
        try {
          return await run(ac.signal, report);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  /** Scores images and writes their annotations. `force` ignores the hash cache. */
  async scan(folder: vscode.WorkspaceFolder, uris: vscode.Uri[], opts: { force?: boolean; quiet?: boolean } = {}): Promise<void> {
    this.requireTrust('Scanning');
    this.requireLocalFolder(folder);
    const model = await this.activeModel(folder);
    if (!model) throw new AnomalyLensError('BAD_ARGUMENT', 'there is no model for this folder yet', { hint: 'Train a model first (Anomaly Lens: Train Model…).' });
    const s = this.settings(folder);
    const threshold = effectiveThreshold(model, s);
    const byName = new Map<string, vscode.Uri>();
    const sources: SourceRef[] = [];
    for (const uri of uris) {
      const at = this.locate(uri);
      if (!at || at.folder.uri.toString() !== folder.uri.toString()) continue;
      const known = this.findings.get(uri);
      const current = known && known.status !== 'error' && known.modelId === model.id && thresholdUpToDate(known.storedThreshold, threshold);
      const cacheable = !opts.force && current ? known.sha256 : undefined;
      byName.set(at.rel, uri);
      sources.push(this.sourceRef(uri, at.rel, cacheable));
    }
    if (!sources.length) return;
    const writes: Promise<unknown>[] = [];
    const counts = { flagged: 0, failed: 0, conflicts: 0 };
    const run = async (signal: AbortSignal, report: (p: WorkerProgress) => void) =>
      this.engine().request('scan', {
        sources, modelDir: model.dir, device: s.device, threads: s.workerThreads || undefined, workers: s.scanWorkers || undefined, maxPixels: s.maxImagePixels,
        threshold: thresholdOverride(model, s),
      }, {
        signal,
        onProgress: report,
        onItem: (raw) => {
          const item = raw as ScanItem;
          const uri = byName.get(item.name);
          if (!uri) return;
          writes.push(this.applyScanItem(folder, uri, item, model, counts));
        },
      });
    try {
      const result = opts.quiet
        ? await run(new AbortController().signal, () => undefined)
        : await this.withProgress(`Anomaly Lens: scanning ${sources.length} image${sources.length === 1 ? '' : 's'}`, run);
      await Promise.all(writes);
      const msg = `Scanned ${result.scored} image(s) in ${result.seconds.toFixed(1)} s (${result.cached} unchanged, ${counts.flagged} flagged, ${result.failed} failed).`;
      this.log.info(msg);
      if (!opts.quiet) void vscode.window.showInformationMessage(msg);
    } finally {
      await Promise.allSettled(writes);
      if (counts.conflicts) {
        void vscode.window.showWarningMessage(
          `${counts.conflicts} annotation file(s) were edited outside Anomaly Lens and were left as they are. See the log.`, 'Show Log',
        ).then((c) => c && this.log.show());
      }
    }
  }

  private async applyScanItem(
    folder: vscode.WorkspaceFolder,
    uri: vscode.Uri,
    item: ScanItem,
    model: ModelSummary,
    counts: { flagged: number; failed: number; conflicts: number },
  ): Promise<void> {
    const at = this.locate(uri)!;
    if (item.kind === 'cached') return;
    const wasError = this.findings.get(uri)?.status === 'error';
    if (item.kind === 'failed') {
      counts.failed++;
      this.log.warn(describeError(item.error));
      this.findings.set(errorFinding(item.error, uri, folder, at.rel));
      await this.scanErrors.record(folder.uri.toString(), at.rel, item.error);
      return;
    }
    // Only a former failure has a remembered entry; skipping the rest keeps big scans off the state.
    if (wasError) await this.scanErrors.forget(folder.uri.toString(), [at.rel]);
    if (item.anomalous) counts.flagged++;
    const image: AnnotationImage = {
      path: at.rel, sha256: item.sha256, width: item.width, height: item.height, frame: item.frame, frameCount: item.frameCount, format: item.format,
    };
    const fresh = predictedAnnotation(item, image, { id: model.id, backbone: model.backbone }, { toolVersion: this.toolVersion }, item.regions);
    try {
      const saved = await this.serialized(uri.toString(), () =>
        this.storeFor(folder).update(at.rel, (cur) => (cur ? mergeRescan(cur, fresh) : fresh)),
      );
      const a = saved ?? fresh;
      this.findings.set(findingFromAnnotation(a, uri, folder, at.rel));
      this.reviewEmitter.fire({ uri, annotation: a, external: false });
    } catch (err) {
      counts.conflicts++;
      this.log.error(`not saved: ${at.rel}`, err);
      // Show the prediction even though its file was left alone.
      this.findings.set(findingFromAnnotation(fresh, uri, folder, at.rel));
    }
  }

  /** Trains on normal images (plus the folder's reviewed ones) and makes the model active. */
  async train(folder: vscode.WorkspaceFolder, normalUris: vscode.Uri[]): Promise<ModelSummary> {
    this.requireTrust('Training');
    this.requireLocalFolder(folder);
    const s = this.settings(folder);
    const normal = new Map<string, SourceRef>();
    const anomalies: SourceRef[] = [];
    for (const uri of normalUris) {
      const at = this.locate(uri);
      if (at) normal.set(at.rel, this.sourceRef(uri, at.rel));
    }
    // Reviewed images feed training: rejected ones are normal, accepted ones calibrate (F1).
    for (const e of this.findings.all()) {
      if (e.folder.uri.toString() !== folder.uri.toString() || e.stale) continue;
      if (e.status === 'rejected') normal.set(e.rel, this.sourceRef(e.uri, e.rel));
      else if ((e.status === 'accepted' || e.status === 'corrected') && s.thresholdMode === 'f1') anomalies.push(this.sourceRef(e.uri, e.rel));
    }
    for (const a of anomalies) normal.delete(a.name);
    if (!normal.size) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'no normal images selected', { hint: 'Select a few defect-free images.' });
    const dirName = newModelDirName();
    const saveDir = vscode.Uri.joinPath(this.modelsUri(folder), dirName);
    this.log.info(`training on ${normal.size} normal and ${anomalies.length} anomalous image(s) → ${saveDir.fsPath}`);
    const summary = await this.withProgress(`Anomaly Lens: training on ${normal.size} image(s)`, (signal, report) =>
      this.engine().request('train', { normal: [...normal.values()], anomalies, options: this.trainOptions(folder), saveDir: saveDir.fsPath }, { signal, onProgress: report }),
    );
    await this.setActiveModel(folder, dirName, summary);
    this.log.info(`model ${summary.id} is active (threshold ${summary.threshold.toPrecision(4)}, ${summary.thresholdMode})`);
    const advice = thresholdAdvice(normal.size, anomalies.length, REVIEW_REMEDY);
    if (advice?.level === 'warning') {
      this.log.warn(advice.text);
      void vscode.window.showWarningMessage(advice.text);
    } else if (advice) this.log.info(advice.text);
    return summary;
  }

  /** Fits on a folder that may contain anomalies; its own ranking becomes the findings. */
  async fitContaminated(folder: vscode.WorkspaceFolder, uris: vscode.Uri[]): Promise<ModelSummary> {
    this.requireTrust('Training');
    this.requireLocalFolder(folder);
    const dirName = newModelDirName();
    const saveDir = vscode.Uri.joinPath(this.modelsUri(folder), dirName);
    const byName = new Map<string, vscode.Uri>();
    const sources: SourceRef[] = [];
    for (const uri of uris) {
      const at = this.locate(uri);
      if (!at) continue;
      byName.set(at.rel, uri);
      sources.push(this.sourceRef(uri, at.rel));
    }
    if (sources.length < 2) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'the folder has fewer than two images', { hint: 'Add images or train from selected files.' });
    const items: ScanItem[] = [];
    const summary = await this.withProgress(`Anomaly Lens: learning what is normal in ${sources.length} images`, (signal, report) =>
      this.engine().request('fitContaminated', { sources, options: this.trainOptions(folder), saveDir: saveDir.fsPath }, {
        signal, onProgress: report, onItem: (i) => items.push(i as ScanItem),
      }),
    );
    await this.setActiveModel(folder, dirName, summary);
    const counts = { flagged: 0, failed: 0, conflicts: 0 };
    await Promise.all(items.map((i) => {
      const uri = byName.get(i.name);
      return uri ? this.applyScanItem(folder, uri, i, summary, counts) : undefined;
    }));
    void vscode.window.showInformationMessage(`Anomaly Lens flagged ${counts.flagged} of ${sources.length} images. Review them to turn this into a few-shot model.`);
    return summary;
  }

  // ------------------------------------------------------------------ review decisions

  /** Image facts for an image that has no annotation yet (decoded in the worker). */
  private async imageFacts(uri: vscode.Uri, rel: string): Promise<AnnotationImage> {
    const bytes = await vscode.workspace.fs.readFile(uri);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const load = await this.engine().request('decode', { source: this.sourceRef(uri, rel), maxPixels: this.settings().maxImagePixels });
    if (!load.ok) throw new AnomalyLensError(load.error.code, load.error.message, { file: rel, hint: load.error.hint });
    return { path: rel, sha256, width: load.info.width, height: load.info.height, frame: 0, frameCount: load.info.frameCount, format: load.info.format };
  }

  /**
   * Applies a decision. `baseRevision` (from the review editor) must match the file as last
   * seen; otherwise ANNOTATION_CONFLICT and nothing is written.
   */
  async decide(
    uri: vscode.Uri,
    decision: { kind: 'accept' | 'reject' } | { kind: 'regions'; regions: Region[] },
    baseRevision?: string | null,
  ): Promise<{ annotation: Annotation; revision: string | null }> {
    this.requireTrust('Saving annotations');
    const at = this.locate(uri);
    if (!at) throw new AnomalyLensError('BAD_ARGUMENT', 'the image is not inside a workspace folder', { file: uri.fsPath });
    const store = this.storeFor(at.folder);
    const ctx = { toolVersion: this.toolVersion };
    return this.serialized(uri.toString(), async () => {
      // Reading records what is on disk now; a different revision means someone else wrote it.
      const current = await store.read(at.rel);
      if (baseRevision !== undefined && baseRevision !== store.revision(at.rel)) {
        throw new AnomalyLensError('ANNOTATION_CONFLICT', 'the annotation file was changed outside this editor', {
          file: store.pathFor(at.rel), hint: 'The editor has been refreshed; repeat the change.',
        });
      }
      let next: Annotation;
      if (!current) {
        const image = await this.imageFacts(uri, at.rel);
        const regions = decision.kind === 'regions' ? decision.regions : [];
        const normal = decision.kind === 'reject' || (decision.kind === 'regions' && regions.length === 0);
        next = reviewedAnnotation(image, { label: normal ? 'normal' : 'anomalous', regions }, ctx);
      } else {
        if (decision.kind === 'regions') next = correctAnnotation(current, decision.regions, ctx);
        else next = decision.kind === 'accept' ? acceptAnnotation(current, ctx) : rejectAnnotation(current, ctx);
      }
      await store.write(at.rel, next);
      this.findings.set(findingFromAnnotation(next, uri, at.folder, at.rel));
      this.reviewEmitter.fire({ uri, annotation: next, external: false });
      return { annotation: next, revision: store.revision(at.rel) };
    });
  }

  /** An annotation file changed on disk: reload it unless the change was our own write. */
  async annotationFileChanged(file: vscode.Uri): Promise<void> {
    const at = this.locate(file);
    if (!at) return;
    const rel = imageRelPathOf(at.rel, this.settings(at.folder).annotationFolder);
    if (!rel) return;
    const store = this.storeFor(at.folder);
    const image = vscode.Uri.joinPath(at.folder.uri, ...rel.split('/'));
    // Queued behind our own writes to the same file: the watcher reports a write of ours right
    // after its rename, before the store has recorded it, which looked like an outside edit.
    await this.serialized(image.toString(), async () => {
      try {
        if (!(await store.changedExternally(rel))) return;
        const a = await store.read(rel);
        if (a) this.findings.set(findingFromAnnotation(a, image, at.folder, rel));
        else this.findings.delete(image);
        this.log.info(`reloaded ${at.rel} (changed outside Anomaly Lens)`);
        this.reviewEmitter.fire({ uri: image, annotation: a, external: true });
      } catch (err) {
        this.log.error(`annotation ${at.rel}`, err);
      }
    });
  }

  /** Every failure the user sees goes through here: a message, the log, and MODEL_BACKBONE_MISMATCH → retrain. */
  async report(context: string, err: unknown): Promise<void> {
    if (isCancelled(err)) {
      this.log.info(`${context}: cancelled`);
      return;
    }
    this.log.error(context, err);
    const info = toErrorInfo(err);
    if (info.code === 'MODEL_BACKBONE_MISMATCH') {
      const pick = await vscode.window.showWarningMessage(
        'The active model no longer matches its backbone. Retrain it to keep scanning.', 'Train Model from Folder…', 'Show Log',
      );
      if (pick === 'Show Log') this.log.show();
      else if (pick) await vscode.commands.executeCommand('anomalyLens.trainFromFolder');
      return;
    }
    const pick = await vscode.window.showErrorMessage(`Anomaly Lens: ${context}: ${info.message}${info.hint ? ` — ${info.hint}` : ''}`, 'Show Log');
    if (pick) this.log.show();
  }

  dispose(): void {
    void this.client?.dispose();
    this.findings.dispose();
    this.modelEmitter.dispose();
    this.reviewEmitter.dispose();
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function newModelDirName(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `m-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
