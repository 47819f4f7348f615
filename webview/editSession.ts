/**
 * The reviewer's work on the open image: the regions and the selection, the class to draw in,
 * undo/redo (the history is stashed with the host), and saving: debounced, one save at a time,
 * in order. Decisions and moving to another image save pending edits first.
 */
import type { EditHistory, ImageInfo, InitPayload, ReviewState, ScoreInfo } from '../src/shared/protocol';
import { regionsToMask, type Region } from '../src/shared/regions';
import { EditModel, type Rect } from './edits';
import { historyFromHost } from './historyCheck';
import type { WebviewRpc } from './rpcClient';
import { paintEditRect, type ImageView } from './view/canvas';
import { classColor, type Rgb } from './view/colors';
import type { Notices } from './view/notices';
import { isoSegments } from './view/overlay';
import type { Panel } from './view/panel';
import type { SaveState, StatusBar } from './view/statusBar';
import type { ToolController } from './view/tools';
import type { Toolbar } from './view/toolbar';
import { saveUiState } from './vscodeApi';

const DEFAULT_CLASS = 'defect';

/** The parts of the editor built anew for each image. */
export interface EditorParts {
  view: ImageView;
  panel: Panel;
  toolbar: Toolbar;
  tools: ToolController;
}

export class EditSession {
  edits: EditModel | null = null;
  /** The host's state of the annotation, as of the last save or decision. */
  review!: ReviewState;
  /** The region the eraser, delete, class change, hide and lock act on. */
  selected: string | null = null;
  defectClass = DEFAULT_CLASS;
  classes: string[] = [DEFAULT_CLASS];
  private readOnly = false;
  private saveDebounceMs = 0;
  private parts!: EditorParts;
  private saveState: SaveState = 'saved';
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly rpc: WebviewRpc,
    private readonly status: StatusBar,
    private readonly notices: Notices,
    private readonly score: () => ScoreInfo | null,
  ) {}

  /** Another image (even one that failed to load): its review, nothing selected. */
  begin(init: InitPayload): void {
    this.review = init.review;
    this.selected = null;
    this.readOnly = init.settings.readOnly;
    this.saveDebounceMs = init.settings.saveDebounceMs;
  }

  /** The classes offered; the last one drawn in stays the drawing class while it exists. */
  chooseClasses(classes: readonly string[], remembered: string | undefined): void {
    this.classes = classes.length > 0 ? [...classes] : [DEFAULT_CLASS];
    this.defectClass = remembered && this.classes.includes(remembered) ? remembered : this.classes[0];
  }

  /** The regions of the image just loaded, with the undo history the host kept for them. */
  load(info: ImageInfo, parts: EditorParts, history: EditHistory | undefined): void {
    this.parts = parts;
    this.edits = new EditModel(info.width, info.height);
    this.edits.load(this.review.regions, historyFromHost(history, this.review.revision));
  }

  /** Draw everything of a freshly loaded image; nothing is pending yet. */
  showLoaded(): void {
    this.rebuildPrediction();
    this.repaint(null);
    this.refreshRegions();
    this.setSaveState('saved');
  }

  colorOf(cls: string): Rgb {
    return classColor(this.classes, cls);
  }

  // --- regions and classes ----------------------------------------------------------------------

  select(id: string | null): void {
    const { toolbar, panel, view } = this.parts;
    this.selected = id && this.edits?.find(id) ? id : null;
    const r = this.edits?.find(this.selected);
    if (r && this.classes.includes(r.defectClass)) {
      this.defectClass = r.defectClass;
      toolbar.setClass(r.defectClass);
      panel.setClasses(this.classes, this.defectClass, (c) => this.colorOf(c), this.readOnly);
    }
    this.repaint(null);
    this.refreshRegions();
    view.invalidate();
  }

  /** The class to draw in; a selected region changes to it (one undo step). */
  pickClass(cls: string): void {
    this.defectClass = cls;
    saveUiState({ defectClass: cls });
    this.parts.toolbar.setClass(cls);
    this.parts.panel.setClasses(this.classes, cls, (c) => this.colorOf(c), this.readOnly);
    if (this.selected && !this.readOnly && this.edits?.setClass(this.selected, cls)) this.edited(null, true);
    this.parts.view.invalidate();
  }

  async addClass(name: string): Promise<void> {
    try {
      const r = await this.rpc.request('addDefectClass', { name });
      this.classes = [...r.classes];
      this.parts.toolbar.setClasses(this.classes, this.defectClass);
      this.pickClass(name);
    } catch (err) {
      this.notices.error(`Could not add the class ${name}`, err);
    }
  }

  deleteRegion(id: string): void {
    if (!this.edits?.removeRegion(id)) return;
    if (this.selected === id) this.selected = null;
    this.edited(null, true);
  }

  toggle(which: 'hidden' | 'locked', id: string): void {
    const set = this.edits?.[which];
    if (!set) return;
    if (set.has(id)) set.delete(id);
    else set.add(id);
    this.repaint(null);
    this.refreshRegions();
    this.parts.view.invalidate();
  }

  undo(): void {
    if (this.edits?.undo()) this.edited(null, true);
  }

  redo(): void {
    if (this.edits?.redo()) this.edited(null, true);
  }

  // --- saving -----------------------------------------------------------------------------------

  /** Masks changed in `rect` (null: everything); a `commit` is one finished edit, saved after a pause. */
  edited(rect: Rect | null, commit: boolean): void {
    this.repaint(rect);
    this.parts.view.invalidate();
    if (!commit) return;
    this.refreshRegions();
    this.setSaveState('unsaved');
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.saveNow().catch(() => undefined), this.saveDebounceMs);
  }

  /** Host request: save debounced edits now. */
  async flush(): Promise<{ saved: boolean }> {
    if (this.saveState !== 'unsaved' && this.saveState !== 'saving') return { saved: false };
    await this.saveNow();
    return { saved: true };
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
        this.status.setQueue(review.queue);
        this.stashHistory();
        this.parts.panel.setScore(this.score(), review);
        if (this.saveState === 'saving') this.setSaveState('saved');
      } catch (err) {
        this.setSaveState('error');
        this.notices.error('Your edits were not saved', err);
        throw err;
      }
    });
    this.saving = run;
    return run;
  }

  /** The host's state after a decision or an outside change; an outside change drops the history. */
  applyReview(review: ReviewState, external: boolean): void {
    const { tools, panel, view } = this.parts;
    // The echo of our own save must not undo what was drawn since: a stroke under way, edits not saved yet.
    const local = !external && (!!this.edits?.stroking || this.saveState === 'unsaved' || this.saveState === 'saving');
    const changed = external || (!local && !sameRegions(review.regions, this.edits?.toRegions() ?? []));
    this.review = review;
    if (changed && this.edits) {
      clearTimeout(this.saveTimer);
      this.edits.load(review.regions, external ? undefined : this.edits.history());
      if (!this.edits.find(this.selected)) this.selected = null;
      tools.cancelPolygon();
      this.repaint(null);
      this.setSaveState('saved');
    }
    this.status.setQueue(review.queue);
    this.rebuildPrediction();
    this.refreshRegions();
    this.stashHistory();
    panel.setScore(this.score(), review);
    view.invalidate();
  }

  /** Accept or reject the image, after saving pending edits. */
  async decide(kind: 'accept' | 'reject'): Promise<void> {
    try {
      await this.saveNow();
      const review = await this.rpc.request(kind, { baseRevision: this.review.revision });
      this.applyReview(review, false);
      this.notices.show(kind === 'accept' ? 'Accepted: anomalous.' : 'Rejected: marked normal.');
    } catch (err) {
      this.notices.error(`Could not ${kind}`, err);
    }
  }

  /** Open the next or previous image of the queue, after saving pending edits. */
  async navigate(direction: 'next' | 'previous'): Promise<void> {
    try {
      await this.saveNow();
      const r = await this.rpc.request('navigate', { direction });
      if (!r.opened) this.notices.show(direction === 'next' ? 'This is the last image to review.' : 'This is the first image.');
    } catch (err) {
      this.notices.error('Could not open the next image', err);
    }
  }

  /** The host keeps the undo history for this image for the rest of the VS Code session. */
  private stashHistory(): void {
    if (!this.edits || this.readOnly) return;
    const h = this.edits.history();
    this.rpc.notify('stashHistory', { revision: this.review.revision, undo: h.undo, redo: h.redo });
  }

  private setSaveState(s: SaveState): void {
    this.saveState = s;
    this.status.setSaveState(s);
  }

  // --- drawing ----------------------------------------------------------------------------------

  refreshRegions(): void {
    const edits = this.edits;
    if (!edits) return;
    const { panel, toolbar } = this.parts;
    panel.setRegions(edits.regions, { selected: this.selected, hidden: edits.hidden, locked: edits.locked },
      (c) => this.colorOf(c), this.readOnly);
    panel.setClasses(this.classes, this.defectClass, (c) => this.colorOf(c), this.readOnly);
    panel.setPrediction(this.review.predicted.length, this.review.status !== 'predicted', this.review.scanned);
    toolbar.setUndo(edits.canUndo, edits.canRedo);
  }

  /** Paint the regions into the view's edit layer within `rect` (null: all of it). */
  repaint(rect: Rect | null): void {
    const layer = this.parts.view.edits;
    const edits = this.edits;
    if (!layer || !edits) return;
    const r = rect ?? { x: 0, y: 0, width: layer.width, height: layer.height };
    paintEditRect(layer, edits, (c) => this.colorOf(c), this.selected, r);
  }

  /** The model's regions as outline segments (drawn dashed; toggled with O). */
  private rebuildPrediction(): void {
    const edits = this.edits;
    if (!edits) return;
    const { view, toolbar } = this.parts;
    const regions = this.review.predicted;
    if (regions.length === 0) {
      view.prediction = null;
    } else {
      const mask = regionsToMask(regions, edits.width, edits.height);
      const f = new Float32Array(mask.length);
      for (let i = 0; i < mask.length; i++) f[i] = mask[i];
      view.prediction = isoSegments(f, edits.width, edits.height, 0.5);
    }
    toolbar.setPredictionVisible(view.predictionVisible, !!view.prediction);
  }
}

/** Same ids, classes and geometry. */
function sameRegions(a: readonly Region[], b: readonly Region[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(b.map((r) => [r.id, JSON.stringify(r)]));
  return a.every((r) => byId.get(r.id) === JSON.stringify(r));
}
