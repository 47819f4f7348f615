/**
 * The side panel: score (with its margin over the threshold), model, review status or "not
 * scanned" with the action that scans the folder, the fixed-scale legend, the defect classes
 * (pick, add) and the reviewer's regions (select, hide, lock, delete).
 */
import type { ModelInfo, ReviewState, ScoreInfo } from '../../src/shared/protocol';
import { describeModelGeometry } from '../../src/shared/modelSummary';
import { GLOBAL_ANOMALY_NOTE, maskArea, polygonArea } from '../../src/shared/regions';
import { MARGIN_EXPLAINED, formatMargin } from '../../src/shared/scoreMargin';
import type { RegionObject } from '../edits';
import { el } from '../dom';
import { css, scoreColor, type Rgb } from './colors';
import { drawLegend } from './overlay';

const fmt = (v: number): string => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

export class Panel {
  readonly element: HTMLElement;
  private readonly score = el('dl', { class: 'facts', id: 'score-facts' });
  private readonly model = el('dl', { class: 'facts', id: 'model-facts' });
  private readonly status = el('vscode-badge', { id: 'status-badge', variant: 'counter' });
  private readonly legend = el('canvas', { class: 'legend', id: 'legend', 'aria-label': 'Heatmap colour scale 0 to 1, threshold at 0.5' });
  private readonly regionList = el('ul', { class: 'regions', id: 'region-list' });
  private readonly regionCount = el('vscode-badge', { id: 'region-count', variant: 'counter' }, '0');
  private readonly classList = el('ul', { class: 'classes', id: 'class-list' });
  private readonly classInput = el('input', { type: 'text', id: 'new-class', placeholder: 'New class', 'aria-label': 'New defect class', maxlength: 64 });
  private readonly classAdd = el('vscode-button', { id: 'add-class', secondary: true, title: 'Add this class to anomalyLens.defectClasses' }, 'Add');
  private readonly predictionNote = el('p', { class: 'hint', id: 'prediction-note' });
  private readonly scanAction = el('div', { class: 'scan-action', id: 'scan-action', hidden: true });
  private readonly scanButton = el('vscode-button', { id: 'scan-folder' });
  private readonly scanHint = el('p', { class: 'hint', id: 'scan-hint' });
  private unscanned = false;
  private hasModel = false;
  /** Untrusted workspace or an image outside the workspace: the scan action is disabled. */
  readOnly = false;
  private readonly legendObserver = new ResizeObserver(() => this.redrawLegend());
  readonly legendSection: HTMLElement;
  onDeleteRegion: (id: string) => void = () => undefined;
  onSelectRegion: (id: string | null) => void = () => undefined;
  onToggleHidden: (id: string) => void = () => undefined;
  onToggleLocked: (id: string) => void = () => undefined;
  onPickClass: (cls: string) => void = () => undefined;
  onAddClass: (cls: string) => void = () => undefined;
  onScanFolder: () => void = () => undefined;

  constructor(parent: HTMLElement) {
    this.element = el('aside', { class: 'panel', id: 'panel' },
      el('section', {},
        el('h3', {}, 'Score ', this.status),
        this.score,
        this.scanAction,
      ),
      this.legendSection = el('section', { class: 'legend-section' },
        el('h3', {}, 'Heatmap scale'),
        this.legend,
        el('div', { class: 'legend-labels' }, el('span', {}, '0'), el('span', { class: 'legend-threshold' }, 'threshold 0.5'), el('span', {}, '1')),
        el('p', { class: 'hint' }, 'Fixed scale: a colour means the same normalised score on every image.'),
      ),
      el('vscode-divider', {}),
      el('section', {}, el('h3', {}, 'Model'), this.model),
      el('vscode-divider', {}),
      el('section', {}, el('h3', {}, 'Classes'), this.classList,
        el('div', { class: 'class-add' }, this.classInput, this.classAdd)),
      el('vscode-divider', {}),
      el('section', {}, el('h3', {}, 'Your regions ', this.regionCount), this.regionList, this.predictionNote),
    );
    this.scanAction.append(this.scanHint, this.scanButton);
    this.scanButton.addEventListener('click', () => {
      if (!this.readOnly) this.onScanFolder();
    });
    parent.appendChild(this.element);
    this.legendObserver.observe(this.legend);
    const add = (): void => {
      const name = this.classInput.value.trim();
      if (!name) return;
      this.classInput.value = '';
      this.onAddClass(name);
    };
    this.classAdd.addEventListener('click', add);
    this.classInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') add();
    });
  }

  dispose(): void {
    this.legendObserver.disconnect();
  }

  /** The classes with their colours and number keys; the current one is marked. */
  setClasses(classes: readonly string[], current: string, colorOf: (cls: string) => Rgb, readOnly: boolean): void {
    this.classList.replaceChildren();
    classes.forEach((c, i) => {
      const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = css(colorOf(c));
      const li = el('li', { class: c === current ? 'class-item current' : 'class-item', 'data-class': c, role: 'button', tabindex: 0,
        title: i < 9 ? `Draw in ${c} (${i + 1})` : `Draw in ${c}` },
      sw, el('span', { class: 'class-name' }, c), el('kbd', {}, i < 9 ? String(i + 1) : ''));
      li.addEventListener('click', () => this.onPickClass(c));
      this.classList.append(li);
    });
    this.classInput.disabled = readOnly;
    (this.classAdd as HTMLElement & { disabled: boolean }).disabled = readOnly;
  }

  /** What the model predicted, for the record; the outline toggles with O. Nothing before a scan. */
  setPrediction(count: number, reviewed: boolean, scanned: boolean): void {
    this.predictionNote.textContent = !scanned && count === 0
      ? ''
      : count === 0
      ? 'The model predicted no region.'
      : `The model predicted ${count} region${count > 1 ? 's' : ''} (dashed outline, O). ${reviewed ? 'Your regions above are what is saved and exported.' : 'Accept (A) takes them as yours, or draw your own.'}`;
  }

  redrawLegend(): void {
    const marker = getComputedStyle(document.body).getPropertyValue('--vscode-editor-foreground').trim() || '#fff';
    drawLegend(this.legend, marker);
  }

  setScore(score: ScoreInfo | null, review: ReviewState): void {
    this.score.replaceChildren();
    // No annotation file and no decision: the label would only be a default, so say what is true.
    this.unscanned = !review.scanned && review.status === 'predicted';
    if (!score) {
      if (!this.unscanned) this.fact(this.score, 'Score', 'not scanned yet');
    } else {
      this.fact(this.score, 'Raw score', fmt(score.raw), 'raw-score');
      this.fact(this.score, 'Threshold', fmt(score.threshold), 'threshold');
      const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = css(scoreColor(score.normalized));
      this.fact(this.score, 'Normalised', el('span', {}, sw, score.normalized.toFixed(3)), 'normalized');
      this.fact(this.score, 'Predicted', score.label, 'predicted-label');
      if (score.margin !== undefined) this.fact(this.score, 'Margin', el('span', { title: MARGIN_EXPLAINED }, formatMargin(score.margin)), 'margin');
      if (score.extent === 'global') this.fact(this.score, 'Finding', GLOBAL_ANOMALY_NOTE, 'finding');
    }
    this.fact(this.score, 'Label', this.unscanned ? 'Not scanned' : review.label, 'review-label');
    this.status.textContent = this.unscanned ? 'not scanned' : review.status;
    this.status.className = this.unscanned ? 'status-unscanned' : `status-${review.status}`;
    this.renderScanAction();
  }

  /** "Scan this folder" when a model serves the image, else "Train a model for this folder…". */
  private renderScanAction(): void {
    this.scanAction.hidden = !this.unscanned;
    this.scanButton.textContent = this.hasModel ? 'Scan This Folder' : 'Train a Model for This Folder…';
    this.scanButton.title = this.hasModel ? 'Score the images of this folder with the model that serves it' : 'No model serves this folder yet';
    (this.scanButton as HTMLElement & { disabled: boolean }).disabled = this.readOnly;
    this.scanHint.textContent = this.hasModel
      ? 'This image has no annotation yet: its label comes from a scan.'
      : 'No model serves this folder yet. Train one from a few normal images, then its images are scanned.';
  }

  setModel(model: ModelInfo | null): void {
    this.hasModel = model !== null;
    this.renderScanAction();
    this.model.replaceChildren();
    if (!model) {
      this.fact(this.model, 'Model', 'none active');
      return;
    }
    this.fact(this.model, 'Model', model.id, 'model-id');
    this.fact(this.model, 'Backbone', model.backbone, 'backbone');
    if (model.createdAt) this.fact(this.model, 'Trained', model.createdAt.slice(0, 19).replace('T', ' '));
    if (model.geometry) this.fact(this.model, 'Input', describeModelGeometry(model.geometry), 'model-geometry');
  }

  setRegions(
    regions: readonly RegionObject[],
    state: { selected: string | null; hidden: ReadonlySet<string>; locked: ReadonlySet<string> },
    colorOf: (cls: string) => Rgb,
    readOnly: boolean,
  ): void {
    this.regionList.replaceChildren();
    const shown = regions.filter((r) => r.kind === 'polygon' || maskArea(r.mask) > 0);
    this.regionCount.textContent = String(shown.length);
    if (shown.length === 0) {
      this.regionList.append(el('li', { class: 'empty' }, 'No regions. Paint with the brush (B) or draw a polygon (P).'));
      return;
    }
    shown.forEach((r, i) => {
      const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = css(colorOf(r.defectClass));
      const area = r.kind === 'polygon' ? Math.round(polygonArea(r.points)) : maskArea(r.mask);
      const hidden = state.hidden.has(r.id);
      const locked = state.locked.has(r.id);
      const toggle = (id: string, icon: string, title: string, on: boolean, fn: () => void): HTMLElement => {
        const b = el('vscode-button', { id, class: on ? 'icon-button on' : 'icon-button', secondary: true, icon, title, 'aria-label': title, 'aria-pressed': String(on) });
        b.addEventListener('click', (e) => { e.stopPropagation(); fn(); });
        return b;
      };
      const del = toggle(`delete-${i}`, 'trash', `Delete this ${r.kind} (Delete)`, false, () => this.onDeleteRegion(r.id));
      del.setAttribute('data-region', r.id);
      (del as HTMLElement & { disabled: boolean }).disabled = readOnly || locked;
      const li = el('li', { 'data-kind': r.kind, 'data-region': r.id, class: r.id === state.selected ? 'selected' : '', role: 'button', tabindex: 0 },
        sw, el('span', { class: 'region-class' }, r.defectClass), el('span', { class: 'region-meta' }, `${r.kind} · ${area} px`),
        toggle(`hide-${i}`, hidden ? 'eye-closed' : 'eye', hidden ? 'Show this region' : 'Hide this region', hidden, () => this.onToggleHidden(r.id)),
        toggle(`lock-${i}`, locked ? 'lock' : 'unlock', locked ? 'Unlock this region' : 'Lock this region (no edits)', locked, () => this.onToggleLocked(r.id)),
        del);
      li.addEventListener('click', () => this.onSelectRegion(r.id === state.selected ? null : r.id));
      this.regionList.append(li);
    });
  }

  private fact(dl: HTMLElement, name: string, value: string | Node, id?: string): void {
    const dd = el('dd', id ? { id } : {}, value);
    dl.append(el('dt', {}, name), dd);
  }
}

