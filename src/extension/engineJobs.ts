/**
 * The long-running engine work the user starts: scan, train from normal images, and the
 * label-free outlier fit. Each runs in the worker with progress and cancel, and turns results
 * into annotations through the annotation service.
 */
import * as vscode from 'vscode';
import { AnomalyLensError } from '../shared/errors';
import { REVIEW_REMEDY, thresholdAdvice } from '../shared/thresholdAdvice';
import type { ModelSummary, ScanItem, SourceRef } from '../shared/workerProtocol';
import { newScanCounts, type AnnotationService } from './annotationService';
import type { BackgroundProgress } from './backgroundProgress';
import type { EngineHost } from './engineHost';
import { warnConflicts } from './errorReporter';
import { requireLocalFolder, requireTrust } from './guards';
import type { Logger } from './log';
import { newModelDirName, type ListedModel, type ModelRegistry } from './modelRegistry';
import { defaultScope, inScope } from './scopes';
import { withProgress, type ProgressRun } from './progress';
import { scanSummary, scanTitle } from './progressText';
import { readSettings } from './settings';
import { effectiveThreshold, thresholdOverride, thresholdUpToDate } from './threshold';
import { trainOptions } from './trainOptions';
import { locate } from './workspaceImages';

export interface ScanOptions {
  /** Ignore the hash cache: score every image again. */
  force?: boolean;
  /** Work the user did not start: progress in the status bar, no summary message. */
  background?: boolean;
}

export interface TrainedModel {
  summary: ModelSummary;
  /** The folder the model serves, relative to the workspace folder. */
  scope: string;
}

export class EngineJobs {
  constructor(
    private readonly engine: EngineHost,
    private readonly models: ModelRegistry,
    private readonly annotations: AnnotationService,
    private readonly background: BackgroundProgress,
    private readonly log: Logger,
  ) {}

  private get findings() {
    return this.annotations.findings;
  }

  /**
   * Scores images with the model serving each one (the deepest scope holding it) and writes
   * their annotations. Images no model serves are left out and counted in the log.
   */
  async scan(folder: vscode.WorkspaceFolder, uris: vscode.Uri[], opts: ScanOptions = {}): Promise<void> {
    requireTrust('Scanning');
    requireLocalFolder(folder);
    const groups = new Map<string, { model: ListedModel; uris: vscode.Uri[] }>();
    let outside = 0;
    for (const uri of uris) {
      const model = await this.models.modelFor(uri);
      if (!model) {
        outside++;
        continue;
      }
      const g = groups.get(model.name) ?? { model, uris: [] };
      g.uris.push(uri);
      groups.set(model.name, g);
    }
    if (!groups.size) {
      throw new AnomalyLensError('BAD_ARGUMENT', 'no model serves these images yet', {
        hint: 'Train a model for their folder (Train Model from Selected Files, or the Not scanned entry in the Findings view).',
      });
    }
    if (outside) this.log.info(`${outside} image(s) outside every model's folder were not scanned`);
    for (const g of groups.values()) await this.scanWith(folder, g.model, g.uris, opts);
  }

  private async scanWith(folder: vscode.WorkspaceFolder, listed: ListedModel, uris: vscode.Uri[], opts: ScanOptions): Promise<void> {
    const model = listed.summary;
    const s = readSettings(folder);
    const threshold = effectiveThreshold(model, s);
    const byName = new Map<string, vscode.Uri>();
    const sources: SourceRef[] = [];
    for (const uri of uris) {
      const at = locate(uri);
      if (!at || at.folder.uri.toString() !== folder.uri.toString()) continue;
      const known = this.findings.get(uri);
      const current = known && known.status !== 'error' && known.modelId === model.id && thresholdUpToDate(known.storedThreshold, threshold);
      byName.set(at.rel, uri);
      sources.push({ name: at.rel, uri: uri.toString(), knownSha256: !opts.force && current ? known.sha256 : undefined });
    }
    if (!sources.length) return;
    const writes: Promise<unknown>[] = [];
    const counts = newScanCounts();
    const reported = { scored: 0, cached: 0 };
    const run: ProgressRun<{ scored: number; cached: number; failed: number; seconds: number }> = (signal, onProgress) =>
      this.engine.worker().request('scan', {
        sources, modelDir: model.dir, device: s.device, threads: s.workerThreads || undefined, workers: s.scanWorkers || undefined,
        maxPixels: s.maxImagePixels, threshold: thresholdOverride(model, s),
      }, {
        signal,
        onProgress,
        onItem: (raw) => {
          const item = raw as ScanItem;
          if (item.kind === 'scored') reported.scored++;
          else if (item.kind === 'cached') reported.cached++;
          const uri = byName.get(item.name);
          if (uri) writes.push(this.annotations.applyScanItem(folder, uri, item, model, counts));
        },
      });
    const where = listed.scope ? ` in ${listed.scope}` : '';
    try {
      const title = scanTitle(sources.length, where, opts.background === true);
      const result = opts.background ? await this.background.run(title, run) : await withProgress(title, run);
      await Promise.all(writes);
      // Counted from the items written, so that the sum always matches the images started.
      const msg = scanSummary({ started: sources.length, ...reported, failed: counts.failed, flagged: counts.flagged }, result.seconds, where);
      this.log.info(msg);
      if (!opts.background) void vscode.window.showInformationMessage(msg);
    } finally {
      await Promise.allSettled(writes);
      warnConflicts(this.log, counts.conflicts);
    }
  }

  /**
   * Trains on normal images (plus the reviewed ones in its scope) and makes the model the one
   * used for its scope: `scope`, else the folder the images were picked from (see defaultScope).
   */
  async train(folder: vscode.WorkspaceFolder, normalUris: vscode.Uri[], scope?: string): Promise<TrainedModel> {
    requireTrust('Training');
    requireLocalFolder(folder);
    const s = readSettings(folder);
    const normal = new Map<string, SourceRef>();
    const anomalies: SourceRef[] = [];
    for (const uri of normalUris) {
      const at = locate(uri);
      if (at) normal.set(at.rel, { name: at.rel, uri: uri.toString() });
    }
    const serves = scope ?? defaultScope([...normal.keys()]);
    // Reviewed images feed training: rejected ones are normal, accepted ones calibrate (F1).
    for (const e of this.findings.all()) {
      if (e.folder.uri.toString() !== folder.uri.toString() || e.stale || !inScope(e.rel, serves)) continue;
      if (e.status === 'rejected') normal.set(e.rel, { name: e.rel, uri: e.uri.toString() });
      else if ((e.status === 'accepted' || e.status === 'corrected') && s.thresholdMode === 'f1') anomalies.push({ name: e.rel, uri: e.uri.toString() });
    }
    for (const a of anomalies) normal.delete(a.name);
    if (!normal.size) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'no normal images selected', { hint: 'Select a few defect-free images.' });
    const dirName = newModelDirName();
    const saveDir = vscode.Uri.joinPath(this.models.modelsUri(folder), dirName);
    this.log.info(`training on ${normal.size} normal and ${anomalies.length} anomalous image(s) → ${saveDir.fsPath}`);
    const summary = await withProgress(`Anomaly Lens: training on ${normal.size} image(s)`, (signal, onProgress) =>
      this.engine.worker().request('train', { normal: [...normal.values()], anomalies, options: trainOptions(folder), saveDir: saveDir.fsPath }, { signal, onProgress }),
    );
    await this.models.setScope(folder, dirName, serves);
    this.log.info(`model ${summary.id} is active for ${serves || folder.name} (threshold ${summary.threshold.toPrecision(4)}, ${summary.thresholdMode})`);
    const advice = thresholdAdvice(normal.size, anomalies.length, REVIEW_REMEDY);
    if (advice?.level === 'warning') {
      this.log.warn(advice.text);
      void vscode.window.showWarningMessage(advice.text);
    } else if (advice) this.log.info(advice.text);
    return { summary, scope: serves };
  }

  /** Fits on a folder that may contain anomalies (the model serves `scope`); its own ranking becomes the findings. */
  async fitContaminated(folder: vscode.WorkspaceFolder, uris: vscode.Uri[], scope: string): Promise<TrainedModel> {
    requireTrust('Training');
    requireLocalFolder(folder);
    const dirName = newModelDirName();
    const saveDir = vscode.Uri.joinPath(this.models.modelsUri(folder), dirName);
    const byName = new Map<string, vscode.Uri>();
    const sources: SourceRef[] = [];
    for (const uri of uris) {
      const at = locate(uri);
      if (!at) continue;
      byName.set(at.rel, uri);
      sources.push({ name: at.rel, uri: uri.toString() });
    }
    if (sources.length < 2) throw new AnomalyLensError('TRAINING_SET_EMPTY', 'the folder has fewer than two images', { hint: 'Add images or train from selected files.' });
    const items: ScanItem[] = [];
    const summary = await withProgress(`Anomaly Lens: learning what is normal in ${sources.length} images`, (signal, onProgress) =>
      this.engine.worker().request('fitContaminated', { sources, options: trainOptions(folder), saveDir: saveDir.fsPath }, {
        signal, onProgress, onItem: (i) => items.push(i as ScanItem),
      }),
    );
    await this.models.setScope(folder, dirName, scope);
    const counts = newScanCounts();
    await Promise.all(items.map((i) => {
      const uri = byName.get(i.name);
      return uri ? this.annotations.applyScanItem(folder, uri, i, summary, counts) : undefined;
    }));
    warnConflicts(this.log, counts.conflicts);
    void vscode.window.showInformationMessage(`Anomaly Lens flagged ${counts.flagged} of ${sources.length} images. Review them to turn this into a few-shot model.`);
    return { summary, scope };
  }
}
