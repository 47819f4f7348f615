/**
 * The review editor: wires the image stage, overlay, tools, panel and toolbar to the host.
 * Review data (status, regions) belongs to the host; edits are saved there (debounced).
 */
import { describeError, type ErrorInfo, AnomalyLensError } from '../src/shared/errors';
import type {
  HostNotifications, ImageInfo, InitPayload, OverlayMode, ReviewState, ScoreInfo, WebviewCommand,
} from '../src/shared/protocol';
import { regionsToMask, type Region } from '../src/shared/regions';
import { el } from './dom';
import { EditModel, type Rect } from './edits';
import { FrameCache, type LoadedFrame } from './frames';
import { StackStepper } from './stack';
import { historyFromHost } from './historyCheck';
import { measure, type Measurement } from './measure';
import { defaultWindow, describePixel, modalityRange, renderFrame, type Window } from './pixels';
import type { WebviewRpc } from './rpcClient';
import { ImageView, paintEditRect } from './view/canvas';
import { classColor, type Rgb } from './view/colors';
import { actionFor, HelpOverlay, type Action } from './view/help';
import { drawMeasurement } from './view/measureLayer';
import { buildHeatmapLayer, isoSegments, scoreAt } from './view/overlay';
import { Panel } from './view/panel';
import { ToolController } from './view/tools';
import { Toolbar } from './view/toolbar';
import { loadUiState, saveUiState, type ToolId } from './vscodeApi';
import { windowChoices, windowText, type WindowChoice } from './windowPresets';

const DEFAULT_CLASS = 'defect';
type SaveState = 'saved' | 'unsaved' | 'saving' | 'error';

export class App {
  private init!: InitPayload;
  private info: ImageInfo | null = null;
  private frames: FrameCache | null = null;
  private frame: LoadedFrame | null = null;
  /** The files of this DICOM series, when the host found others next to this one. */
  private stack: StackStepper | null = null;
  private range = { min: 0, max: 255 };
  private window: Window = { center: 127.5, width: 255 };
  edits: EditModel | null = null;
  private review!: ReviewState;
  private score: ScoreInfo | null = null;
  tool: ToolId = 'pan';
  brushSize = 10;
  defectClass = DEFAULT_CLASS;
  private classes: string[] = [DEFAULT_CLASS];
  private saveState: SaveState = 'saved';
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private wlFrame = 0;
  /** The region the eraser, delete, class change, hide and lock act on. */
  selected: string | null = null;
  private windows: WindowChoice[] = [];
  private measurement: { m: Measurement; text: string } | null = null;

  private readonly root: HTMLElement;
  private toolbar!: Toolbar;
  private panel!: Panel;
  view!: ImageView;
  private tools!: ToolController;
  private help!: HelpOverlay;
  private readonly notice = el('div', { class: 'notice', id: 'notice', role: 'status', hidden: true });
  private readonly statusBar = el('footer', { class: 'statusbar', id: 'statusbar' });
  private readonly cursorText = el('span', { id: 'cursor' });
  private readonly saveText = el('span', { id: 'save-state' });
  private readonly queueText = el('span', { id: 'queue' });
  private readonly wlText = el('span', { id: 'wl-readout' });
  private readonly sliceText = el('span', { id: 'slice-file' });
  private readonly measureText = el('div', { class: 'measure-readout', id: 'measure-readout', hidden: true });

  constructor(root: HTMLElement, private readonly rpc: WebviewRpc) {
    this.root = root;
    window.addEventListener('keydown', (e) => this.onKey(e), true);
  }

  /** Build the UI for an init payload (first handshake or a host-pushed re-init). */
  start(init: InitPayload): void {
    this.init = init;
    this.review = init.review;
    this.score = init.score;
    this.selected = null;
    this.measurement = null;
    // A re-init (another image in the same tab) rebuilds the UI: release the old observers first.
    if (this.view) this.view.dispose();
    if (this.panel) this.panel.dispose();
    this.root.replaceChildren();
    document.title = init.fileName;
    if (!init.image.ok) {
      this.showLoadError(init.fileName, init.image.error);
      return;
    }
    const info = init.image.info;
    this.info = info;
    const ui = loadUiState();
    const sameImage = ui.path === info.path;
    this.classes = init.defectClasses.length > 0 ? [...init.defectClasses] : [DEFAULT_CLASS];
    this.defectClass = ui.defectClass && this.classes.includes(ui.defectClass) ? ui.defectClass : this.classes[0];
    this.brushSize = ui.brushSize ?? init.settings.brushSize;
    // Every image opens with the hand tool: a tool left active on another image is a surprise.
    this.tool = 'pan';

    this.toolbar = new Toolbar(this.root, {
      action: (a) => this.run(a),
      setClass: (c) => this.pickClass(c),
      setBrushSize: (px) => this.setBrushSize(px),
      setOpacity: (v) => this.setOverlay({ opacity: v }),
      setMode: (m) => this.setOverlay({ mode: m }),
      setHeatmapVisible: (v) => this.setOverlay({ visible: v }),
      setWindowPreset: (i) => this.setWindowPreset(i),
      setFrame: (i) => void (this.stack ? this.showSlice(i) : this.showFrame(i)),
    }, this.classes, this.defectClass);
    const main = el('div', { class: 'main' });
    const stage = el('main', { class: 'stage', id: 'stage' });
    main.append(stage);
    this.root.append(main, this.statusBar);
    this.panel = new Panel(main);
    this.panel.onDeleteRegion = (id) => this.deleteRegion(id);
    this.panel.onSelectRegion = (id) => this.select(id);
    this.panel.onToggleHidden = (id) => this.toggleSet('hidden', id);
    this.panel.onToggleLocked = (id) => this.toggleSet('locked', id);
    this.panel.onPickClass = (c) => this.pickClass(c);
    this.panel.onAddClass = (c) => void this.addClass(c);
    this.panel.onScanFolder = () => void this.scanFolder();
    stage.append(this.notice, this.measureText);
    this.statusBar.replaceChildren(this.cursorText, this.wlText, this.toolbar.frameGroup, this.sliceText, this.queueText, this.saveText);
    this.panel.legendSection.append(this.toolbar.display);
    this.help = new HelpOverlay(this.root);

    this.view = new ImageView(stage);
    this.view.overlay = {
      visible: ui.heatmapVisible ?? init.display.heatmapVisible,
      opacity: ui.opacity ?? init.display.opacity,
      mode: ui.mode ?? init.display.mode,
    };
    this.view.onViewportChange = (v) => {
      this.toolbar.zoomLabel.textContent = `${Math.round(v.zoom * 100)}%`;
      saveUiState({ path: info.path, zoom: v.zoom, panX: v.panX, panY: v.panY });
    };
    this.view.predictionVisible = ui.predictionVisible ?? true;
    this.edits = new EditModel(info.width, info.height);
    this.edits.load(this.review.regions, historyFromHost(init.history, this.review.revision));
    this.tools = new ToolController({
      view: this.view,
      edits: () => this.edits,
      tool: () => this.tool,
      brushSize: () => this.brushSize,
      defectClass: () => this.defectClass,
      selected: () => this.selected,
      select: (id) => this.select(id),
      readOnly: () => init.settings.readOnly || this.view.otherSlice,
      classColor: (c) => this.colorOf(c),
      onEdited: (rect, commit) => this.edited(rect, commit),
      onWindowDrag: (dx, dy) => this.dragWindow(dx, dy),
      onHover: (x, y) => this.hover(x, y),
      onScroll: (steps) => this.stepFrame(steps),
      onMeasure: (m, done) => this.setMeasurement(m, done),
    });
    this.view.vectors.push((g, v) => { if (this.measurement) drawMeasurement(g, v, this.measurement.m); });

    this.frames = new FrameCache((f) => this.rpc.request('getFrame', { frame: f }));
    this.frame = this.frames.put(init.image.frame);
    this.pendingFrame = this.frame.pixels.frame;
    this.stack = init.stack && info.frameCount <= 1 ? new StackStepper(init.stack, init.image.frame, (i) => this.rpc.request('getSlice', { index: i })) : null;
    this.sliceText.textContent = '';
    this.range = modalityRange(this.frame.samples, info);
    this.window = defaultWindow(info, this.range);
    this.windows = windowChoices(info, this.range, this.frame.samples, this.frame.pixels.channels);
    this.toolbar.setWindows(this.windows, info.bitDepth > 8 || info.windows.length > 0 || info.format === 'dicom');
    const initial = this.windows.findIndex((c) => c.window.center === this.window.center && c.window.width === this.window.width);
    this.toolbar.markWindowCustom(initial < 0, initial);
    if (this.stack) this.toolbar.setFrames(this.stack.count, this.stack.own, 'Slice');
    else this.toolbar.setFrames(info.frameCount, this.frame.pixels.frame);
    this.toolbar.setTool(this.tool);
    this.toolbar.setBrushSize(this.brushSize);
    this.toolbar.setReadOnly(init.settings.readOnly);
    this.panel.readOnly = init.settings.readOnly;
    this.setQueue(init.review.queue ?? init.queue);
    this.renderImage();
    this.rebuildHeatmap();
    this.rebuildPrediction();
    this.repaintEdits(null);
    this.panel.setScore(this.score, this.review);
    this.panel.setModel(init.model);
    this.refreshRegions();
    this.setSaveState('saved');
    if (sameImage && ui.zoom !== undefined && ui.panX !== undefined && ui.panY !== undefined) {
      this.view.setViewport({ zoom: ui.zoom, panX: ui.panX, panY: ui.panY });
    } else {
      this.view.fit();
    }
    this.tools.updateCursor();
    this.view.canvas.focus({ preventScroll: true });
  }

  /** Host notifications. */
  onNotification<K extends keyof HostNotifications>(method: K, params: HostNotifications[K]): void {
    switch (method) {
      case 'init':
        this.start(params as InitPayload);
        break;
      case 'annotationChanged': {
        const p = params as HostNotifications['annotationChanged'];
        this.applyReview(p.review, p.external);
        if (p.external) this.showNotice('The annotation was changed outside this editor; it has been reloaded.');
        break;
      }
      case 'scoreChanged': {
        const p = params as HostNotifications['scoreChanged'];
        this.score = p.score;
        this.init.model = p.model;
        this.rebuildHeatmap();
        this.panel?.setScore(this.score, this.review);
        this.panel?.setModel(p.model);
        break;
      }
      case 'command':
        this.run(commandAction((params as HostNotifications['command']).command));
        break;
    }
  }

  /** Host request: save debounced edits now. */
  async flush(): Promise<{ saved: boolean }> {
    if (this.saveState !== 'unsaved' && this.saveState !== 'saving') return { saved: false };
    await this.saveNow();
    return { saved: true };
  }

  // --- actions --------------------------------------------------------------------------------

  run(a: Action): void {
    if (!this.info) return;
    // On another file of a series stack, decisions and edits would land on the opened file: view only.
    const readOnly = this.init.settings.readOnly || this.view.otherSlice;
    switch (a) {
      case 'accept':
      case 'reject':
        if (!readOnly) void this.decide(a);
        break;
      case 'pan':
      case 'windowLevel':
      case 'brush':
      case 'eraser':
      case 'polygon':
      case 'length':
      case 'rect':
      case 'ellipse':
        if (readOnly && (a === 'brush' || a === 'eraser' || a === 'polygon')) break;
        if (this.tool === 'polygon' && a !== 'polygon') this.tools.cancelPolygon();
        this.tool = a;
        this.toolbar.setTool(a);
        this.tools.updateCursor();
        break;
      case 'toggleHeatmap':
        this.setOverlay({ visible: !this.view.overlay.visible });
        break;
      case 'toggleOverlays':
        this.view.overlaysHidden = !this.view.overlaysHidden;
        this.toolbar.setOverlaysHidden(this.view.overlaysHidden);
        this.showNotice(this.view.overlaysHidden ? 'Raw image: overlays hidden (X shows them).' : 'Overlays shown.');
        this.view.invalidate();
        break;
      case 'togglePrediction':
        this.view.predictionVisible = !this.view.predictionVisible;
        this.toolbar.setPredictionVisible(this.view.predictionVisible, !!this.view.prediction);
        saveUiState({ predictionVisible: this.view.predictionVisible });
        this.view.invalidate();
        break;
      case 'deleteRegion':
        if (this.selected && !readOnly) this.deleteRegion(this.selected);
        break;
      case 'nextFrame':
      case 'previousFrame':
        this.stepFrame(a === 'nextFrame' ? 1 : -1);
        break;
      case 'toggleMode':
        this.setOverlay({ mode: this.view.overlay.mode === 'filled' ? 'contour' : 'filled' });
        break;
      case 'brushSmaller':
        this.setBrushSize(Math.max(1, Math.round(this.brushSize / 1.25)));
        break;
      case 'brushLarger':
        this.setBrushSize(Math.min(200, Math.max(this.brushSize + 1, Math.round(this.brushSize * 1.25))));
        break;
      case 'undo':
        if (!this.view.otherSlice && this.edits?.undo()) this.edited(null, true);
        break;
      case 'redo':
        if (!this.view.otherSlice && this.edits?.redo()) this.edited(null, true);
        break;
      case 'next':
      case 'previous':
        void this.navigate(a);
        break;
      case 'zoomIn':
        this.view.zoomBy(1.25);
        break;
      case 'zoomOut':
        this.view.zoomBy(0.8);
        break;
      case 'zoomFit':
        this.view.fit();
        break;
      case 'zoom1':
        this.view.oneToOne();
        break;
      case 'resetWindow':
        this.setWindowPreset(-1);
        break;
      case 'closePolygon':
        this.tools.closePolygon();
        break;
      case 'cancel':
        if (this.help.visible) this.help.toggle(false);
        else if (this.tools.cancelPolygon()) break;
        else if (this.measurement) this.setMeasurement(null, true);
        else this.select(null);
        break;
      case 'help':
        this.help.toggle();
        break;
      default:
        if (a.startsWith('digit')) this.digit(Number(a.slice(5)));
    }
  }

  /** Number keys: window presets with the W/L tool, classes otherwise (0 fits the image). */
  private digit(n: number): void {
    if (this.tool === 'windowLevel') {
      const i = this.windows.findIndex((w) => w.key === String(n));
      if (i >= 0) this.setWindowChoice(i);
      return;
    }
    if (n === 0) {
      this.view.fit();
      return;
    }
    const cls = this.classes[n - 1];
    if (cls) this.pickClass(cls);
  }

  // --- regions and classes --------------------------------------------------------------------

  select(id: string | null): void {
    this.selected = id && this.edits?.find(id) ? id : null;
    const r = this.edits?.find(this.selected);
    if (r && this.classes.includes(r.defectClass)) {
      this.defectClass = r.defectClass;
      this.toolbar.setClass(r.defectClass);
      this.panel.setClasses(this.classes, this.defectClass, (c) => this.colorOf(c), this.init.settings.readOnly);
    }
    this.repaintEdits(null);
    this.refreshRegions();
    this.view.invalidate();
  }

  /** The class to draw in; a selected region changes to it (one undo step). */
  private pickClass(cls: string): void {
    this.defectClass = cls;
    saveUiState({ defectClass: cls });
    this.toolbar.setClass(cls);
    this.panel.setClasses(this.classes, cls, (c) => this.colorOf(c), this.init.settings.readOnly);
    if (this.selected && !this.init.settings.readOnly && this.edits?.setClass(this.selected, cls)) this.edited(null, true);
    this.view.invalidate();
  }

  private async addClass(name: string): Promise<void> {
    try {
      const r = await this.rpc.request('addDefectClass', { name });
      this.classes = [...r.classes];
      this.toolbar.setClasses(this.classes, this.defectClass);
      this.pickClass(name);
    } catch (err) {
      this.showError(`Could not add the class ${name}`, err);
    }
  }

  private async scanFolder(): Promise<void> {
    try {
      const r = await this.rpc.request('scanFolder', {});
      this.showNotice(r.action === 'scan' ? 'Scanning this folder…' : 'Choose how to train a model for this folder.');
    } catch (err) {
      this.showError('Could not scan this folder', err);
    }
  }

  private deleteRegion(id: string): void {
    if (!this.edits?.removeRegion(id)) return;
    if (this.selected === id) this.selected = null;
    this.edited(null, true);
  }

  private toggleSet(which: 'hidden' | 'locked', id: string): void {
    const set = this.edits?.[which];
    if (!set) return;
    if (set.has(id)) set.delete(id);
    else set.add(id);
    this.repaintEdits(null);
    this.refreshRegions();
    this.view.invalidate();
  }

  private onKey(e: KeyboardEvent): void {
    if (isTextEntry(e)) return;
    const a = actionFor(e);
    if (!a) return;
    // Handled here: keep VS Code from also running a contributed keybinding for the same key.
    e.preventDefault();
    e.stopPropagation();
    if (e.repeat && (a === 'accept' || a === 'reject' || a === 'next' || a === 'previous' || a === 'help')) return;
    this.run(a);
  }

  private async decide(kind: 'accept' | 'reject'): Promise<void> {
    try {
      await this.saveNow();
      const review = await this.rpc.request(kind, { baseRevision: this.review.revision });
      this.applyReview(review, false);
      this.showNotice(kind === 'accept' ? 'Accepted: anomalous.' : 'Rejected: marked normal.');
    } catch (err) {
      this.showError(`Could not ${kind}`, err);
    }
  }

  private async navigate(direction: 'next' | 'previous'): Promise<void> {
    try {
      await this.saveNow();
      const r = await this.rpc.request('navigate', { direction });
      if (!r.opened) this.showNotice(direction === 'next' ? 'This is the last image to review.' : 'This is the first image.');
    } catch (err) {
      this.showError('Could not open the next image', err);
    }
  }

  // --- edits and saving -------------------------------------------------------------------------

  private edited(rect: Rect | null, commit: boolean): void {
    this.repaintEdits(rect);
    this.view.invalidate();
    if (!commit) return;
    this.refreshRegions();
    this.setSaveState('unsaved');
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.saveNow().catch(() => undefined), this.init.settings.saveDebounceMs);
  }

  /** Save now if anything is pending; saves run one at a time, in order. */
  private saveNow(): Promise<void> {
    clearTimeout(this.saveTimer);
    if (this.saveState !== 'unsaved') return this.saving;
    const regions = this.edits?.toRegions() ?? [];
    this.setSaveState('saving');
    const run = this.saving.catch(() => undefined).then(async () => {
      try {
        const review = await this.rpc.request('saveRegions', { regions, baseRevision: this.review.revision });
        this.review = review;
        this.setQueue(review.queue);
        this.stashHistory();
        this.panel.setScore(this.score, review);
        if (this.saveState === 'saving') this.setSaveState('saved');
      } catch (err) {
        this.setSaveState('error');
        this.showError('Your edits were not saved', err);
        throw err;
      }
    });
    this.saving = run;
    return run;
  }

  /** The host's state after a decision or an outside change; an outside change drops the history. */
  private applyReview(review: ReviewState, external: boolean): void {
    // The echo of our own save must not undo what was drawn since: a stroke under way, edits not saved yet.
    const local = !external && (!!this.edits?.stroking || this.saveState === 'unsaved' || this.saveState === 'saving');
    const changed = external || (!local && !sameRegions(review.regions, this.edits?.toRegions() ?? []));
    this.review = review;
    if (changed && this.edits) {
      clearTimeout(this.saveTimer);
      this.edits.load(review.regions, external ? undefined : this.edits.history());
      if (!this.edits.find(this.selected)) this.selected = null;
      this.tools.cancelPolygon();
      this.repaintEdits(null);
      this.setSaveState('saved');
    }
    this.setQueue(review.queue);
    this.rebuildPrediction();
    this.refreshRegions();
    this.stashHistory();
    this.panel.setScore(this.score, review);
    this.view.invalidate();
  }

  private setQueue(q: { index: number; total: number; reviewed?: boolean } | undefined): void {
    this.queueText.textContent = !q ? '' : q.reviewed ? `reviewed · ${q.total} left` : `${q.index + 1} of ${q.total}`;
  }

  /** The host keeps the undo history for this image for the rest of the VS Code session. */
  private stashHistory(): void {
    if (!this.edits || this.init.settings.readOnly) return;
    const h = this.edits.history();
    this.rpc.notify('stashHistory', { revision: this.review.revision, undo: h.undo, redo: h.redo });
  }

  private refreshRegions(): void {
    const edits = this.edits;
    if (!edits) return;
    this.panel.setRegions(edits.regions, { selected: this.selected, hidden: edits.hidden, locked: edits.locked },
      (c) => this.colorOf(c), this.init.settings.readOnly);
    this.panel.setClasses(this.classes, this.defectClass, (c) => this.colorOf(c), this.init.settings.readOnly);
    this.panel.setPrediction(this.review.predicted.length, this.review.status !== 'predicted');
    this.toolbar.setUndo(edits.canUndo, edits.canRedo);
  }

  private repaintEdits(rect: Rect | null): void {
    const layer = this.view.edits;
    const edits = this.edits;
    if (!layer || !edits) return;
    const r = rect ?? { x: 0, y: 0, width: layer.width, height: layer.height };
    paintEditRect(layer, edits, (c) => this.colorOf(c), this.selected, r);
  }

  /** The model's regions as outline segments (drawn dashed; toggled with O). */
  private rebuildPrediction(): void {
    const info = this.info;
    if (!info) return;
    const regions = this.review.predicted;
    if (regions.length === 0) {
      this.view.prediction = null;
    } else {
      const mask = regionsToMask(regions, info.width, info.height);
      const f = new Float32Array(mask.length);
      for (let i = 0; i < mask.length; i++) f[i] = mask[i];
      this.view.prediction = isoSegments(f, info.width, info.height, 0.5);
    }
    this.toolbar.setPredictionVisible(this.view.predictionVisible, !!this.view.prediction);
  }

  private setSaveState(s: SaveState): void {
    this.saveState = s;
    this.saveText.textContent = { saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', error: 'Not saved' }[s];
    this.saveText.className = `save-${s}`;
  }

  // --- display ----------------------------------------------------------------------------------

  private colorOf(cls: string): Rgb {
    return classColor(this.classes, cls);
  }

  private setBrushSize(px: number): void {
    this.brushSize = px;
    this.toolbar.setBrushSize(px);
    saveUiState({ brushSize: px });
    this.view.invalidate();
  }

  private setOverlay(patch: { visible?: boolean; opacity?: number; mode?: OverlayMode }): void {
    const o = { ...this.view.overlay, ...patch };
    this.view.overlay = o;
    this.toolbar.setOverlay(o.visible, o.opacity, o.mode, !!this.view.heatmap);
    saveUiState({ heatmapVisible: o.visible, opacity: o.opacity, mode: o.mode });
    this.view.invalidate();
  }

  private rebuildHeatmap(): void {
    const hm = this.score?.heatmap;
    const info = this.info;
    const onFrame = !!hm && hm.frame === (this.frame?.pixels.frame ?? 0) && !this.view.otherSlice;
    this.view.heatmap = hm && info && onFrame ? buildHeatmapLayer(hm, info.width, info.height) : null;
    this.setOverlay({});
  }

  private setWindowPreset(i: number): void {
    if (!this.info || !this.frame) return;
    if (i < 0) {
      this.window = defaultWindow(this.info, this.range);
      this.toolbar.markWindowCustom(true);
      this.renderImage();
      return;
    }
    this.setWindowChoice(i);
  }

  private setWindowChoice(i: number): void {
    const c = this.windows[i];
    if (!c) return;
    this.window = { ...c.window };
    this.toolbar.markWindowCustom(false, i);
    this.renderImage();
  }

  private dragWindow(dx: number, dy: number): void {
    const step = Math.max(this.range.max - this.range.min, 1) / 512;
    this.window = { center: this.window.center + dy * step, width: Math.max(step, this.window.width + dx * step) };
    this.toolbar.markWindowCustom(true);
    if (this.wlFrame) return;
    this.wlFrame = requestAnimationFrame(() => {
      this.wlFrame = 0;
      this.renderImage();
    });
  }

  private renderImage(): void {
    const f = this.frame;
    if (!f || !this.info) return;
    const img = new ImageData(f.pixels.width, f.pixels.height);
    renderFrame(f.pixels, f.samples, this.info, this.window, img.data);
    this.view.setImage(img);
    this.wlText.textContent = f.pixels.channels === 1 || this.info.bitDepth > 8 ? windowText(this.window) : '';
    this.hoverText();
    if (this.measurement) this.setMeasurement(this.measurement.m, true);
  }

  /** Step through the frames of a stack; false when there is only one frame. */
  private stepFrame(steps: number): boolean {
    if (this.stack) {
      const next = this.stack.step(steps);
      if (next !== undefined) {
        this.toolbar.setFrames(this.stack.count, next, 'Slice');
        void this.showSlice(next);
      }
      return true;
    }
    const count = this.info?.frameCount ?? 1;
    if (count <= 1 || !this.frame) return false;
    const next = Math.min(count - 1, Math.max(0, this.pendingFrame + steps));
    if (next === this.pendingFrame) return true;
    this.pendingFrame = next;
    this.toolbar.setFrames(count, next);
    void this.showFrame(next);
    return true;
  }

  private pendingFrame = 0;

  private setMeasurement(m: Measurement | null, done: boolean): void {
    const f = this.frame;
    if (!m || !f || !this.info) {
      this.measurement = null;
      this.measureText.hidden = true;
    } else {
      const r = measure(m, f.pixels, f.samples, this.info);
      this.measurement = { m, text: r.text };
      this.measureText.textContent = r.text;
      this.measureText.hidden = false;
      if (done) this.measureText.dataset.final = 'true';
    }
    this.view.invalidate();
  }

  private async showFrame(i: number): Promise<void> {
    if (!this.frames) return;
    this.pendingFrame = i;
    try {
      const f = await this.frames.get(i);
      // Fast scrolling: only the latest requested frame is shown.
      if (i !== this.pendingFrame) return;
      this.frame = f;
      this.toolbar.setFrames(this.info?.frameCount ?? 1, i);
      this.renderImage();
      this.rebuildHeatmap();
    } catch (err) {
      this.showError(`Could not load frame ${i + 1}`, err);
    }
  }

  /** Show file `i` of the series stack; the opened file's overlays and tools come back on it. */
  private async showSlice(i: number): Promise<void> {
    const s = this.stack;
    if (!s) return;
    s.pending = i;
    try {
      const f = await s.cache.get(i);
      if (i !== s.pending || s !== this.stack) return;
      this.frame = f;
      this.view.otherSlice = i !== s.own;
      if (this.view.otherSlice && this.tool === 'polygon') this.tools.cancelPolygon();
      this.toolbar.setReadOnly(this.init.settings.readOnly || this.view.otherSlice);
      this.sliceText.textContent = s.describe(i);
      this.toolbar.setFrames(s.count, i, 'Slice');
      this.renderImage();
      // A file of another size resets the edit layer: repaint this file's regions on its own slice.
      if (!this.view.otherSlice) this.repaintEdits(null);
      this.rebuildHeatmap();
    } catch (err) {
      this.showError(`Could not load ${s.stack.files[i] ?? `slice ${i + 1}`}`, err);
    }
  }

  private lastHover: [number, number] | null = null;

  private hover(ix: number, iy: number): void {
    this.lastHover = [Math.floor(ix), Math.floor(iy)];
    this.hoverText();
  }

  private hoverText(): void {
    const f = this.frame;
    if (!f || !this.info || !this.lastHover) {
      this.cursorText.textContent = '';
      return;
    }
    const [x, y] = this.lastHover;
    const value = describePixel(f.samples, f.pixels, this.info, x, y);
    if (!value) {
      this.cursorText.textContent = '';
      return;
    }
    const s = this.view.heatmap ? scoreAt(this.view.heatmap, x + 0.5, y + 0.5) : undefined;
    this.cursorText.textContent = `x ${x}, y ${y} · value ${value}${s === undefined ? '' : ` · score ${s.toFixed(3)}`}`;
  }

  // --- messages ---------------------------------------------------------------------------------

  private showNotice(text: string, isError = false): void {
    this.notice.textContent = text;
    this.notice.classList.toggle('error', isError);
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { this.notice.hidden = true; }, isError ? 8000 : 2500);
  }

  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  private showError(what: string, err: unknown): void {
    const info: ErrorInfo = err instanceof AnomalyLensError ? err.toInfo() : { code: 'INTERNAL', message: String(err) };
    this.showNotice(`${what}: ${describeError(info)}`, true);
    if (info.code === 'INTERNAL') this.rpc.notify('reportError', { message: `${what}: ${info.message}` });
  }

  /** The image could not be decoded: say which file, which code, why and what to do. */
  private showLoadError(fileName: string, error: ErrorInfo): void {
    const box = el('div', { class: 'load-error', id: 'load-error', role: 'alert' },
      el('h2', {}, `Cannot show ${fileName}`),
      el('p', {}, el('code', { id: 'error-code' }, error.code), ' ', el('span', { id: 'error-message' }, error.message)),
    );
    if (error.file) box.append(el('p', { class: 'hint' }, `File: ${error.file}`));
    if (error.hint) box.append(el('p', { class: 'hint', id: 'error-hint' }, error.hint));
    this.root.append(box);
  }
}

function commandAction(c: WebviewCommand): Action {
  return c === 'help' ? 'help' : c;
}

/** Same ids, classes and geometry. */
function sameRegions(a: readonly Region[], b: readonly Region[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(b.map((r) => [r.id, JSON.stringify(r)]));
  return a.every((r) => byId.get(r.id) === JSON.stringify(r));
}

/** Keys typed into a text field or select belong to it, not to the shortcuts. */
function isTextEntry(e: KeyboardEvent): boolean {
  for (const t of e.composedPath()) {
    if (!(t instanceof HTMLElement)) continue;
    const tag = t.tagName;
    if (tag === 'TEXTAREA' || tag === 'VSCODE-TEXTFIELD' || tag === 'VSCODE-TEXTAREA' || t.isContentEditable) return true;
    if (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes((t as HTMLInputElement).type)) return true;
    if (tag === 'VSCODE-SINGLE-SELECT' && (t as HTMLElement & { open?: boolean }).open) return true;
  }
  return false;
}
