/**
 * The review editor: builds the page for each image the host sends and routes actions (keys,
 * toolbar, host commands) to the parts that own them. Review data (status, regions) belongs to
 * the host; the edit session saves edits there.
 */
import type { HostNotifications, ImageInfo, InitPayload, ScoreInfo } from '../src/shared/protocol';
import { el } from './dom';
import type { EditModel } from './edits';
import { EditSession } from './editSession';
import { FrameStepper } from './frameStepper';
import { commandAction, dispatchNotification, type HostMessageHandlers } from './hostMessages';
import { listenForShortcuts } from './keyboard';
import { OverlayControls } from './overlays';
import { renderFrame } from './pixels';
import type { WebviewRpc } from './rpcClient';
import { ImageView } from './view/canvas';
import { HelpOverlay, type Action } from './view/help';
import { MeasureReadout } from './view/measureReadout';
import { loadErrorView, Notices } from './view/notices';
import { Panel } from './view/panel';
import { StatusBar } from './view/statusBar';
import { ToolController } from './view/tools';
import { Toolbar } from './view/toolbar';
import { loadUiState, saveUiState, type ToolId, type UiState } from './vscodeApi';
import { WindowLevel } from './windowLevel';
import { windowText } from './windowPresets';

export class App {
  // info, score, view, edits, selected, tool and brushSize are read by the webview and e2e tests.
  private init!: InitPayload;
  private info: ImageInfo | null = null;
  private score: ScoreInfo | null = null;
  tool: ToolId = 'pan';
  brushSize = 10;
  view!: ImageView;
  private toolbar!: Toolbar;
  private panel!: Panel;
  private tools!: ToolController;
  private help!: HelpOverlay;

  private readonly status = new StatusBar();
  private readonly notices: Notices;
  private readonly measurement = new MeasureReadout();
  private readonly session: EditSession;
  private readonly stepper: FrameStepper;
  private readonly windowLevel: WindowLevel;
  private readonly overlays: OverlayControls;
  private readonly hostHandlers: HostMessageHandlers = {
    init: (init) => this.start(init),
    annotationChanged: ({ review, external }) => {
      this.session.applyReview(review, external);
      if (external) this.notices.show('The annotation was changed outside this editor; it has been reloaded.');
    },
    scoreChanged: ({ score, model }) => {
      this.score = score;
      this.init.model = model;
      this.rebuildHeatmap();
      this.panel?.setScore(score, this.session.review);
      this.panel?.setModel(model);
    },
    command: ({ command }) => this.run(commandAction(command)),
  };

  constructor(private readonly root: HTMLElement, private readonly rpc: WebviewRpc) {
    this.notices = new Notices((message) => rpc.notify('reportError', { message }));
    this.session = new EditSession(rpc, this.status, this.notices, () => this.score);
    this.stepper = new FrameStepper(rpc, {
      toolbar: () => this.toolbar,
      frameShown: () => {
        this.renderImage();
        this.rebuildHeatmap();
      },
      sliceShown: (own, note) => this.sliceShown(own, note),
      error: (what, err) => this.notices.error(what, err),
    });
    this.windowLevel = new WindowLevel(() => this.toolbar, () => this.renderImage());
    this.overlays = new OverlayControls(() => this.view, () => this.toolbar, this.notices);
    listenForShortcuts((a) => this.run(a));
  }

  get edits(): EditModel | null {
    return this.session.edits;
  }

  get selected(): string | null {
    return this.session.selected;
  }

  /** Build the UI for an init payload (first handshake or a host-pushed re-init). */
  start(init: InitPayload): void {
    this.init = init;
    this.session.begin(init);
    this.score = init.score;
    this.measurement.clear();
    // A re-init (another image in the same tab) rebuilds the UI: release the old observers first.
    if (this.view) this.view.dispose();
    if (this.panel) this.panel.dispose();
    this.root.replaceChildren();
    document.title = init.fileName;
    if (!init.image.ok) {
      this.root.append(loadErrorView(init.fileName, init.image.error));
      return;
    }
    const info = init.image.info;
    this.info = info;
    const ui = loadUiState();
    this.session.chooseClasses(init.defectClasses, ui.defectClass);
    this.brushSize = ui.brushSize ?? init.settings.brushSize;
    // Every image opens with the hand tool: a tool left active on another image is a surprise.
    this.tool = 'pan';
    this.buildPage(info, ui);
    this.session.load(info, { view: this.view, panel: this.panel, toolbar: this.toolbar, tools: this.tools }, init.history);
    this.measurement.attach(this.view);

    const first = this.stepper.open(info, init.image.frame, init.stack);
    this.status.setSliceText('');
    this.windowLevel.open(info, first);
    this.stepper.showPosition();
    this.toolbar.setTool(this.tool);
    this.toolbar.setBrushSize(this.brushSize);
    this.toolbar.setReadOnly(init.settings.readOnly);
    this.panel.readOnly = init.settings.readOnly;
    this.status.setQueue(init.review.queue ?? init.queue);
    this.renderImage();
    this.rebuildHeatmap();
    this.panel.setScore(this.score, init.review);
    this.panel.setModel(init.model);
    this.session.showLoaded();
    if (ui.path === info.path && ui.zoom !== undefined && ui.panX !== undefined && ui.panY !== undefined) {
      this.view.setViewport({ zoom: ui.zoom, panX: ui.panX, panY: ui.panY });
    } else {
      this.view.fit();
    }
    this.tools.updateCursor();
    this.view.canvas.focus({ preventScroll: true });
  }

  /** Toolbar, stage, side panel and status bar of one image, wired to their handlers. */
  private buildPage(info: ImageInfo, ui: UiState): void {
    const session = this.session;
    const readOnly = this.init.settings.readOnly;
    this.toolbar = new Toolbar(this.root, {
      action: (a) => this.run(a),
      setClass: (c) => session.pickClass(c),
      setBrushSize: (px) => this.setBrushSize(px),
      setOpacity: (v) => this.overlays.set({ opacity: v }),
      setMode: (m) => this.overlays.set({ mode: m }),
      setHeatmapVisible: (v) => this.overlays.set({ visible: v }),
      setWindowPreset: (i) => this.windowLevel.choose(i),
      setFrame: (i) => this.stepper.show(i),
    }, session.classes, session.defectClass);
    const main = el('div', { class: 'main' });
    const stage = el('main', { class: 'stage', id: 'stage' });
    main.append(stage);
    this.root.append(main, this.status.element);
    this.panel = new Panel(main);
    this.panel.onDeleteRegion = (id) => session.deleteRegion(id);
    this.panel.onSelectRegion = (id) => session.select(id);
    this.panel.onToggleHidden = (id) => session.toggle('hidden', id);
    this.panel.onToggleLocked = (id) => session.toggle('locked', id);
    this.panel.onPickClass = (c) => session.pickClass(c);
    this.panel.onAddClass = (c) => void session.addClass(c);
    this.panel.onScanFolder = () => void this.scanFolder();
    stage.append(this.notices.element, this.measurement.element);
    this.status.mount(this.toolbar.frameGroup);
    this.panel.legendSection.append(this.toolbar.display);
    this.help = new HelpOverlay(this.root);

    this.view = new ImageView(stage);
    this.view.overlay = {
      visible: ui.heatmapVisible ?? this.init.display.heatmapVisible,
      opacity: ui.opacity ?? this.init.display.opacity,
      mode: ui.mode ?? this.init.display.mode,
    };
    this.view.onViewportChange = (v) => {
      this.toolbar.zoomLabel.textContent = `${Math.round(v.zoom * 100)}%`;
      saveUiState({ path: info.path, zoom: v.zoom, panX: v.panX, panY: v.panY });
    };
    this.view.predictionVisible = ui.predictionVisible ?? true;
    this.tools = new ToolController({
      view: this.view,
      edits: () => session.edits,
      tool: () => this.tool,
      brushSize: () => this.brushSize,
      defectClass: () => session.defectClass,
      selected: () => session.selected,
      select: (id) => session.select(id),
      readOnly: () => readOnly || this.view.otherSlice,
      classColor: (c) => session.colorOf(c),
      onEdited: (rect, commit) => session.edited(rect, commit),
      onWindowDrag: (dx, dy) => this.windowLevel.drag(dx, dy),
      onHover: (x, y) => {
        this.status.hover(x, y);
        this.showCursor();
      },
      onScroll: (steps) => this.stepper.step(steps),
      onMeasure: (m, done) => {
        this.measurement.set(m, done, this.stepper.frame, this.info);
        this.view.invalidate();
      },
    });
  }

  /** Host notifications. */
  onNotification<K extends keyof HostNotifications>(method: K, params: HostNotifications[K]): void {
    dispatchNotification(this.hostHandlers, method, params);
  }

  /** Host request: save debounced edits now. */
  flush(): Promise<{ saved: boolean }> {
    return this.session.flush();
  }

  // --- actions ----------------------------------------------------------------------------------

  run(a: Action): void {
    if (!this.info) return;
    const session = this.session;
    // On another file of a series stack, decisions and edits would land on the opened file: view only.
    const readOnly = this.init.settings.readOnly || this.view.otherSlice;
    switch (a) {
      case 'accept':
      case 'reject':
        if (!readOnly) void session.decide(a);
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
        this.overlays.set({ visible: !this.view.overlay.visible });
        break;
      case 'toggleOverlays':
        this.overlays.toggleAll();
        break;
      case 'togglePrediction':
        this.overlays.togglePrediction();
        break;
      case 'toggleMode':
        this.overlays.toggleMode();
        break;
      case 'deleteRegion':
        if (session.selected && !readOnly) session.deleteRegion(session.selected);
        break;
      case 'nextFrame':
      case 'previousFrame':
        this.stepper.step(a === 'nextFrame' ? 1 : -1);
        break;
      case 'brushSmaller':
        this.setBrushSize(Math.max(1, Math.round(this.brushSize / 1.25)));
        break;
      case 'brushLarger':
        this.setBrushSize(Math.min(200, Math.max(this.brushSize + 1, Math.round(this.brushSize * 1.25))));
        break;
      case 'undo':
        if (!this.view.otherSlice) session.undo();
        break;
      case 'redo':
        if (!this.view.otherSlice) session.redo();
        break;
      case 'next':
      case 'previous':
        void session.navigate(a);
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
        this.windowLevel.choose(-1);
        break;
      case 'closePolygon':
        this.tools.closePolygon();
        break;
      case 'cancel':
        if (this.help.visible) this.help.toggle(false);
        else if (this.tools.cancelPolygon()) break;
        else if (this.measurement.active) this.clearMeasurement();
        else session.select(null);
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
    if (this.tool === 'windowLevel') this.windowLevel.chooseKey(n);
    else if (n === 0) this.view.fit();
    else if (this.session.classes[n - 1]) this.session.pickClass(this.session.classes[n - 1]);
  }

  private setBrushSize(px: number): void {
    this.brushSize = px;
    this.toolbar.setBrushSize(px);
    saveUiState({ brushSize: px });
    this.view.invalidate();
  }

  private async scanFolder(): Promise<void> {
    try {
      const r = await this.rpc.request('scanFolder', {});
      this.notices.show(r.action === 'scan' ? 'Scanning this folder…' : 'Choose how to train a model for this folder.');
    } catch (err) {
      this.notices.error('Could not scan this folder', err);
    }
  }

  // --- the image shown --------------------------------------------------------------------------

  /** Draw the frame shown with the current window; the readouts follow it. */
  private renderImage(): void {
    const f = this.stepper.frame;
    const info = this.info;
    if (!f || !info) return;
    const img = new ImageData(f.pixels.width, f.pixels.height);
    renderFrame(f.pixels, f.samples, info, this.windowLevel.window, img.data);
    this.view.setImage(img);
    this.status.setWindowText(f.pixels.channels === 1 || info.bitDepth > 8 ? windowText(this.windowLevel.window) : '');
    this.showCursor();
    if (this.measurement.active) {
      this.measurement.refresh(f, info);
      this.view.invalidate();
    }
  }

  private rebuildHeatmap(): void {
    this.overlays.rebuildHeatmap(this.score, this.info, this.stepper.frame);
  }

  private showCursor(): void {
    this.status.showCursor(this.stepper.frame, this.info, this.view.heatmap);
  }

  private clearMeasurement(): void {
    this.measurement.set(null, true, this.stepper.frame, this.info);
    this.view.invalidate();
  }

  /** A file of the series is shown: tools and overlays work on the opened file only. */
  private sliceShown(own: boolean, note: string): void {
    this.view.otherSlice = !own;
    if (this.view.otherSlice && this.tool === 'polygon') this.tools.cancelPolygon();
    this.toolbar.setReadOnly(this.init.settings.readOnly || this.view.otherSlice);
    this.status.setSliceText(note);
    this.renderImage();
    // A file of another size resets the edit layer: repaint this file's regions on its own slice.
    if (own) this.session.repaint(null);
    this.rebuildHeatmap();
  }
}
