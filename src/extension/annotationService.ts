/**
 * Annotation files and the findings they feed: one store per workspace folder, writes to one
 * file run one after another, review decisions, predictions from scans, outside edits.
 */
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import {
  acceptAnnotation, correctAnnotation, imageRelPathOf, mergeRescan, predictedAnnotation, rejectAnnotation, reviewedAnnotation,
  type Annotation, type AnnotationImage, type Region,
} from '../shared/annotation';
import { AnomalyLensError, describeError, toErrorInfo } from '../shared/errors';
import type { ModelSummary, ScanItem } from '../shared/workerProtocol';
import { AnnotationStore } from './annotationStore';
import { annotationValidator } from './annotationValidator';
import type { EngineHost } from './engineHost';
import { Findings, errorFinding, findingFromAnnotation, type Entry } from './findings';
import { requireTrust } from './guards';
import { KeyedSerializer } from './keyedSerializer';
import type { Logger } from './log';
import { ScanErrorMemo } from './scanErrors';
import { readSettings } from './settings';
import { annotationAtThreshold, thresholdToWrite } from './thresholdPreview';
import { workspaceStoreFs } from './vscodeFs';
import { locate, uriOfRel } from './workspaceImages';

export type Decision = { kind: 'accept' | 'reject' } | { kind: 'regions'; regions: Region[] };

export interface AnnotationChange {
  uri: vscode.Uri;
  annotation: Annotation | undefined;
  /** True when the file was changed outside the extension. */
  external: boolean;
}

/** What one batch of scan results did, for the summary and the conflict warning. */
export interface ScanCounts {
  flagged: number;
  failed: number;
  conflicts: number;
}

export const newScanCounts = (): ScanCounts => ({ flagged: 0, failed: 0, conflicts: 0 });

export class AnnotationService implements vscode.Disposable {
  private readonly stores = new Map<string, AnnotationStore>();
  private readonly writes = new KeyedSerializer();
  private readonly emitter = new vscode.EventEmitter<AnnotationChange>();
  readonly onDidChange = this.emitter.event;
  readonly scanErrors: ScanErrorMemo;

  constructor(
    readonly findings: Findings,
    state: vscode.Memento,
    private readonly engine: EngineHost,
    private readonly log: Logger,
    private readonly toolVersion: string,
  ) {
    this.scanErrors = new ScanErrorMemo(state);
  }

  storeFor(folder: vscode.WorkspaceFolder): AnnotationStore {
    const key = folder.uri.toString();
    let s = this.stores.get(key);
    if (!s) {
      s = new AnnotationStore(workspaceStoreFs(folder.uri), annotationValidator(), () => readSettings(folder).annotationFolder);
      this.stores.set(key, s);
    }
    return s;
  }

  async read(uri: vscode.Uri): Promise<Annotation | undefined> {
    const at = locate(uri);
    return at ? this.storeFor(at.folder).read(at.rel) : undefined;
  }

  /** Loads every annotation file of a folder into the findings (startup, refresh); `adjust` applies the threshold in effect. */
  async loadFolder(folder: vscode.WorkspaceFolder, adjust: (e: Entry) => Entry): Promise<number> {
    const store = this.storeFor(folder);
    const annotationFolder = store.annotationFolder();
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `${annotationFolder}/**/*.json`));
    let loaded = 0;
    for (const f of files) {
      const at = locate(f);
      const rel = at && imageRelPathOf(at.rel, annotationFolder);
      if (!rel) continue;
      const image = uriOfRel(folder, rel);
      try {
        const a = await store.read(rel);
        if (a) {
          this.findings.set(adjust(findingFromAnnotation(a, image, folder, rel)));
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
      const image = uriOfRel(folder, rel);
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

  /** Records one scan result: a failure under Errors, a score as a predicted annotation merged with the file. */
  async applyScanItem(folder: vscode.WorkspaceFolder, uri: vscode.Uri, item: ScanItem, model: ModelSummary, counts: ScanCounts): Promise<void> {
    if (item.kind === 'cached') return;
    const at = locate(uri);
    if (!at) return;
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
      const saved = await this.writes.run(uri.toString(), () =>
        this.storeFor(folder).update(at.rel, (cur) => (cur ? mergeRescan(cur, fresh) : fresh)),
      );
      const a = saved ?? fresh;
      this.findings.set(findingFromAnnotation(a, uri, folder, at.rel));
      this.emitter.fire({ uri, annotation: a, external: false });
    } catch (err) {
      counts.conflicts++;
      this.log.error(`not saved: ${at.rel}`, err);
      // Show the prediction even though its file was left alone.
      this.findings.set(findingFromAnnotation(fresh, uri, folder, at.rel));
    }
  }

  /**
   * Writes the threshold in effect into the predicted annotation files of these findings (their
   * label and prediction), so the files agree with the Findings view. Reviewed files stay as they are.
   */
  async writeThresholds(entries: readonly Entry[]): Promise<{ written: number; conflicts: number }> {
    let written = 0;
    let conflicts = 0;
    const now = new Date().toISOString();
    for (const e of entries) {
      if (!thresholdToWrite(e)) continue;
      try {
        let changed: Annotation | undefined;
        await this.writes.run(e.uri.toString(), () =>
          this.storeFor(e.folder).update(e.rel, (cur) => (changed = cur ? annotationAtThreshold(cur, e, now) : undefined)),
        );
        const saved = changed;
        if (saved) {
          written++;
          this.findings.set({ ...e, storedThreshold: e.threshold });
          this.emitter.fire({ uri: e.uri, annotation: saved, external: false });
        }
      } catch (err) {
        conflicts++;
        this.log.error(`threshold not written: ${e.rel}`, err);
      }
    }
    return { written, conflicts };
  }

  /** Image facts for an image that has no annotation yet (decoded in the worker). */
  private async imageFacts(folder: vscode.WorkspaceFolder, uri: vscode.Uri, rel: string): Promise<AnnotationImage> {
    const bytes = await vscode.workspace.fs.readFile(uri);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const load = await this.engine.worker().request('decode', {
      source: { name: rel, uri: uri.toString() }, maxPixels: readSettings(folder).maxImagePixels,
    });
    if (!load.ok) throw new AnomalyLensError(load.error.code, load.error.message, { file: rel, hint: load.error.hint });
    return { path: rel, sha256, width: load.info.width, height: load.info.height, frame: 0, frameCount: load.info.frameCount, format: load.info.format };
  }

  /**
   * Applies a decision. `baseRevision` (from the review editor) must match the file as last
   * seen; otherwise ANNOTATION_CONFLICT and nothing is written.
   */
  async decide(uri: vscode.Uri, decision: Decision, baseRevision?: string | null): Promise<{ annotation: Annotation; revision: string | null }> {
    requireTrust('Saving annotations');
    const at = locate(uri);
    if (!at) throw new AnomalyLensError('BAD_ARGUMENT', 'the image is not inside a workspace folder', { file: uri.fsPath });
    const store = this.storeFor(at.folder);
    const ctx = { toolVersion: this.toolVersion, defaultClass: readSettings(at.folder).defectClasses[0] };
    return this.writes.run(uri.toString(), async () => {
      // Reading records what is on disk now; a different revision means someone else wrote it.
      const current = await store.read(at.rel);
      if (baseRevision !== undefined && baseRevision !== store.revision(at.rel)) {
        throw new AnomalyLensError('ANNOTATION_CONFLICT', 'the annotation file was changed outside this editor', {
          file: store.pathFor(at.rel), hint: 'The editor has been refreshed; repeat the change.',
        });
      }
      let next: Annotation;
      if (!current) {
        const image = await this.imageFacts(at.folder, uri, at.rel);
        const regions = decision.kind === 'regions' ? decision.regions : [];
        const normal = decision.kind === 'reject' || (decision.kind === 'regions' && regions.length === 0);
        next = reviewedAnnotation(image, { label: normal ? 'normal' : 'anomalous', regions }, ctx);
      } else if (decision.kind === 'regions') next = correctAnnotation(current, decision.regions, ctx);
      else next = decision.kind === 'accept' ? acceptAnnotation(current, ctx) : rejectAnnotation(current, ctx);
      await store.write(at.rel, next);
      this.findings.set(findingFromAnnotation(next, uri, at.folder, at.rel));
      this.emitter.fire({ uri, annotation: next, external: false });
      return { annotation: next, revision: store.revision(at.rel) };
    });
  }

  /** An annotation file changed on disk: reload it unless the change was our own write. */
  async fileChanged(file: vscode.Uri): Promise<void> {
    const at = locate(file);
    if (!at) return;
    const store = this.storeFor(at.folder);
    let rel: string | undefined;
    try {
      rel = imageRelPathOf(at.rel, store.annotationFolder());
    } catch (err) {
      this.log.error(`annotation ${at.rel}`, err);
      return;
    }
    if (!rel) return;
    const image = uriOfRel(at.folder, rel);
    // Queued behind our own writes to the same file: the watcher reports a write of ours right
    // after its rename, before the store has recorded it, which looked like an outside edit.
    await this.writes.run(image.toString(), async () => {
      try {
        if (!(await store.changedExternally(rel))) return;
        const a = await store.read(rel);
        if (a) this.findings.set(findingFromAnnotation(a, image, at.folder, rel));
        else this.findings.delete(image);
        this.log.info(`reloaded ${at.rel} (changed outside Anomaly Lens)`);
        this.emitter.fire({ uri: image, annotation: a, external: true });
      } catch (err) {
        this.log.error(`annotation ${at.rel}`, err);
      }
    });
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
