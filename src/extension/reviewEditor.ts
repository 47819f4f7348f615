/**
 * Host side of the review editor (CustomReadonlyEditorProvider): serves the webview, validates
 * every message it sends (src/shared/validate.ts) before acting, and answers each request.
 * Decoding and scoring happen in the engine worker; pixels and heatmaps travel as ArrayBuffers.
 */
import * as vscode from 'vscode';
import type { Annotation } from '../shared/annotation';
import { AnomalyLensError, toErrorInfo } from '../shared/errors';
import {
  HEATMAP_MAX_SIDE,
  type EditHistory,
  PROTOCOL_VERSION,
  type HostRequests,
  type ImageLoad,
  type InitPayload,
  type ReviewState,
  type WebviewCommand,
  type WebviewRequests,
} from '../shared/protocol';
import { Rpc, type Check, type Envelope } from '../shared/rpc';
import { scoreMargin } from '../shared/scoreMargin';
import { modelInfo } from '../shared/modelSummary';
import { validateWebviewMessage } from '../shared/validate';
import { addDefectClass } from './defectClasses';
import { openInPlace, queuePosition } from './reviewNavigation';
import { predictionKey, reviewState, storedScore } from './reviewState';
import { SeriesStacks } from './seriesStack';
import type { Session } from './session';
import { thresholdOverride } from './threshold';
import { nextToReview, type Finding } from './treeModel';
import { reviewHtml } from './webviewHtml';

interface ReviewDocument extends vscode.CustomDocument {
  readonly uri: vscode.Uri;
}

/** Undo histories per image for the VS Code session (the webview's own data, handed back on reopen). */
const histories = new Map<string, EditHistory>();

class ReviewPanel implements vscode.Disposable {
  readonly rpc: Rpc<HostRequests, WebviewRequests>;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  /** The stored prediction the editor last showed (see predictionKey). */
  private shownPrediction: string | undefined;
  /** The series stack this file belongs to (this file included), in stack order. */
  private stack: vscode.Uri[] = [];

  constructor(
    private readonly session: Session,
    private readonly stacks: SeriesStacks,
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    onDispose: () => void,
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, vscode.Uri.joinPath(extensionUri, 'media')] };
    panel.webview.html = reviewHtml({
      cspSource: panel.webview.cspSource,
      script: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'main.js')).toString(),
      style: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'main.css')).toString(),
      codicons: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
      title: uri.path.replace(/^.*\//, ''),
    });
    this.rpc = new Rpc<HostRequests, WebviewRequests>({
      post: (m) => void panel.webview.postMessage(m),
      validate: (raw) => validateWebviewMessage(raw) as Check<Envelope>,
      onInvalid: (reason) => session.log.warn(`review editor sent an invalid message: ${reason}`),
      onNotification: (method, params) => {
        if (method === 'reportError') {
          const p = params as { message: string; detail?: string };
          session.log.warn(`review editor error: ${p.message}${p.detail ? `\n${p.detail}` : ''}`);
        } else if (method === 'stashHistory') {
          histories.set(uri.toString(), params as EditHistory);
        }
      },
      handlers: {
        ready: () => this.init(),
        getFrame: (p) => this.frame(p.frame),
        getSlice: (p) => this.slice(p.index),
        accept: (p) => this.decide({ kind: 'accept' }, p.baseRevision),
        reject: (p) => this.decide({ kind: 'reject' }, p.baseRevision),
        saveRegions: (p) => this.decide({ kind: 'regions', regions: p.regions }, p.baseRevision),
        navigate: (p) => this.navigate(p.direction),
        addDefectClass: async (p) => ({ classes: await addDefectClass(session, uri, p.name) }),
        scanFolder: () => this.scanFolder(),
      },
    });
    this.subs.push(
      panel.webview.onDidReceiveMessage((m) => this.rpc.handle(m)),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
      session.onDidChangeAnnotation((e) => {
        if (e.uri.toString() !== uri.toString()) return;
        const at = session.locate(uri);
        const rev = at ? session.storeFor(at.folder).revision(at.rel) : null;
        if (e.external) histories.delete(uri.toString());
        this.rpc.notify('annotationChanged', { review: reviewState(e.annotation, rev, this.queue()), external: e.external });
        // A new prediction (a scan, a threshold change): score again for the heatmap and the margin.
        const key = predictionKey(e.annotation);
        if (key !== undefined && key !== this.shownPrediction) {
          this.shownPrediction = key;
          if (session.trusted) void this.scoreInBackground();
        }
      }),
    );
  }

  private queue(): ReviewState['queue'] {
    return queuePosition(this.session.findings.all(), this.uri.toString());
  }

  private source(frame = 0, uri = this.uri) {
    const at = this.session.locate(uri);
    return { name: at?.rel ?? uri.path.replace(/^.*\//, ''), uri: uri.toString(), frame };
  }

  /** The other files of this file's DICOM series, for stepping (file scheme only; headers only). */
  private async findStack(image: ImageLoad): Promise<InitPayload['stack']> {
    this.stack = [];
    if (!image.ok || image.info.format !== 'dicom' || image.info.frameCount > 1 || this.uri.scheme !== 'file') return undefined;
    const files = await this.stacks.stackFor(this.uri.fsPath).catch((err: unknown) => {
      this.session.log.warn(`series stack of ${this.uri.fsPath}: ${String(err)}`);
      return undefined;
    });
    const index = files?.indexOf(this.uri.fsPath) ?? -1;
    if (!files || index < 0) return undefined;
    this.stack = files.map((f) => vscode.Uri.file(f));
    return { index, files: files.map((f) => f.replace(/^.*[\\/]/, '')) };
  }

  private async init(): Promise<InitPayload> {
    const s = this.session;
    const at = s.locate(this.uri);
    const settings = s.settings(at?.folder);
    const image: ImageLoad = await s.engine().request('decode', { source: this.source(), maxPixels: settings.maxImagePixels })
      .catch((err: unknown): ImageLoad => ({ ok: false, error: toErrorInfo(err, this.source().name) }));
    let annotation: Annotation | undefined;
    let annotationBroken = false;
    try {
      annotation = await s.readAnnotation(this.uri);
    } catch (err) {
      annotationBroken = true;
      void s.report('annotation file', err);
    }
    const model = at ? await s.modelFor(this.uri) : undefined;
    const queue = this.queue();
    this.shownPrediction = predictionKey(annotation);
    const payload: InitPayload = {
      protocolVersion: PROTOCOL_VERSION,
      fileName: this.uri.path.replace(/^.*\//, ''),
      image,
      score: storedScore(annotation, model),
      model: model ? modelInfo(model) : null,
      review: reviewState(annotation, at ? s.storeFor(at.folder).revision(at.rel) : null, queue),
      defectClasses: settings.defectClasses,
      display: { heatmapVisible: true, opacity: settings.heatmapOpacity, mode: settings.heatmapMode },
      settings: { readOnly: !s.trusted || !at || annotationBroken, saveDebounceMs: 600, brushSize: settings.brushSize },
      queue,
      history: histories.get(this.uri.toString()),
      stack: await this.findStack(image),
    };
    if (image.ok && model && s.trusted && at) void this.scoreInBackground();
    return payload;
  }

  /** The heatmap needs the model; it follows the first paint as a scoreChanged notification. */
  private async scoreInBackground(): Promise<void> {
    const s = this.session;
    const at = s.locate(this.uri);
    if (!at) return;
    const model = await s.modelFor(this.uri);
    if (!model) return;
    const settings = s.settings(at.folder);
    try {
      const d = await s.engine().request('score', {
        source: this.source(), modelDir: model.dir, heatmapMaxSide: HEATMAP_MAX_SIDE, device: settings.device,
        threads: settings.workerThreads || undefined, maxPixels: settings.maxImagePixels, threshold: thresholdOverride(model, settings),
      });
      if (this.disposed) return;
      this.rpc.notify('scoreChanged', {
        score: {
          raw: d.score, threshold: d.threshold, normalized: d.normalized, margin: scoreMargin(d.score, d.threshold, d.model.spread),
          label: d.anomalous ? 'anomalous' : 'normal', heatmap: d.heatmap, extent: d.extent,
        },
        model: modelInfo(d.model),
      });
    } catch (err) {
      await s.report(`scoring ${at.rel}`, err);
    }
  }

  private async frame(frame: number) {
    // maxImagePixels is resource-scoped: read it for the image's workspace folder.
    const maxPixels = this.session.settings(this.session.locate(this.uri)?.folder).maxImagePixels;
    const load = await this.session.engine().request('decode', { source: this.source(frame), maxPixels });
    if (!load.ok) throw AnomalyLensError.fromInfo(load.error);
    return load.frame;
  }

  /** The first frame of the stack's file at `index` (only files of this series are served). */
  private async slice(index: number) {
    const uri = this.stack[index];
    if (!uri) throw new AnomalyLensError('BAD_ARGUMENT', `no file ${index + 1} in this series (${this.stack.length} files)`);
    const load = await this.session.engine().request('decode', { source: this.source(0, uri), maxPixels: this.session.settings().maxImagePixels });
    if (!load.ok) throw AnomalyLensError.fromInfo(load.error);
    return load.frame;
  }

  private async decide(
    d: Parameters<Session['decide']>[1],
    baseRevision: string | null,
  ): Promise<ReviewState> {
    try {
      const r = await this.session.decide(this.uri, d, baseRevision);
      return reviewState(r.annotation, r.revision, this.queue());
    } catch (err) {
      if (err instanceof AnomalyLensError && err.code === 'ANNOTATION_CONFLICT') {
        // Refresh the editor with what is on disk, then fail the request so the user repeats it knowingly.
        const a = await this.session.readAnnotation(this.uri).catch(() => undefined);
        const at = this.session.locate(this.uri);
        this.rpc.notify('annotationChanged', { review: reviewState(a, at ? this.session.storeFor(at.folder).revision(at.rel) : null, this.queue()), external: true });
      }
      this.session.log.error(`review ${this.uri.fsPath}`, err);
      throw err;
    }
  }

  /**
   * The Not scanned action: scan the image's folder with the model serving it, or offer to train
   * one there. The command runs on its own (progress, cancel); the editor updates when the
   * annotation is written.
   */
  private async scanFolder(): Promise<{ action: 'scan' | 'train' }> {
    if (!this.session.locate(this.uri)) throw new AnomalyLensError('BAD_ARGUMENT', 'the image is outside the workspace folders', { hint: 'Open its folder as a workspace folder to scan it.' });
    const dir = vscode.Uri.joinPath(this.uri, '..');
    const action = (await this.session.modelFor(this.uri)) ? 'scan' : 'train';
    const command = action === 'scan' ? 'anomalyLens.scanFolder' : 'anomalyLens.trainForFolder';
    setTimeout(() => void vscode.commands.executeCommand(command, dir).then(undefined, (err: unknown) => this.session.report('scanning the folder', err)), 0);
    return { action };
  }

  private async navigate(direction: 'next' | 'previous'): Promise<{ opened: boolean }> {
    // Answered before the tab is replaced: the webview that asked is about to go away.
    if (!nextToReview(this.session.findings.all(), this.uri.toString(), direction)) return { opened: false };
    setTimeout(() => void openInPlace(this.session.findings.all(), this.uri, direction).catch((err) => this.session.report('opening the next image', err)), 0);
    return { opened: true };
  }

  /** Save what the webview has pending (before its tab is replaced or closed). */
  async flush(): Promise<void> {
    await this.rpc.request('flush', {}).catch(() => undefined);
  }

  command(command: WebviewCommand): void {
    this.rpc.notify('command', { command });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rpc.dispose();
    for (const d of this.subs) d.dispose();
  }
}

export class ReviewEditorProvider implements vscode.CustomReadonlyEditorProvider<ReviewDocument>, vscode.Disposable {
  private readonly panels = new Set<ReviewPanel>();
  private active: ReviewPanel | undefined;
  private readonly stacks = new SeriesStacks();

  constructor(
    private readonly session: Session,
    private readonly extensionUri: vscode.Uri,
  ) {}

  openCustomDocument(uri: vscode.Uri): ReviewDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: ReviewDocument, panel: vscode.WebviewPanel): void {
    const p = new ReviewPanel(this.session, this.stacks, document.uri, panel, this.extensionUri, () => {
      this.panels.delete(p);
      if (this.active === p) this.active = undefined;
    });
    this.panels.add(p);
    this.active = p;
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.active = p;
    });
  }

  /** The image of the focused review editor, if any. */
  get activeUri(): vscode.Uri | undefined {
    return this.active?.panel.active ? this.active.uri : undefined;
  }

  /**
   * J / K / Review Next: saves the focused editor's pending edits, then opens the neighbour in
   * the same tab. False when there is nothing in that direction.
   */
  async openNext(direction: 'next' | 'previous' = 'next', among: Iterable<Finding> = this.session.findings.all()): Promise<boolean> {
    const current = this.active?.panel.active ? this.active : undefined;
    if (current) await current.flush();
    return openInPlace(among, current?.uri, direction);
  }

  /** Forwards a palette/keybinding command to the focused review editor. */
  forward(command: WebviewCommand): boolean {
    if (!this.active?.panel.active) return false;
    this.active.command(command);
    return true;
  }

  dispose(): void {
    for (const p of this.panels) p.dispose();
    this.panels.clear();
  }
}
