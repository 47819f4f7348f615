/** The side panel: score, model, review status, the fixed-scale legend and the region list. */
import type { ModelInfo, ReviewState, ScoreInfo } from '../../src/shared/protocol';
import { GLOBAL_ANOMALY_NOTE, polygonArea, rleArea, type Region } from '../../src/shared/regions';
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
  onDeleteRegion: (id: string) => void = () => undefined;

  constructor(parent: HTMLElement) {
    this.element = el('aside', { class: 'panel', id: 'panel' },
      el('section', {},
        el('h3', {}, 'Score ', this.status),
        this.score,
      ),
      el('section', { class: 'legend-section' },
        el('h3', {}, 'Heatmap scale'),
        this.legend,
        el('div', { class: 'legend-labels' }, el('span', {}, '0'), el('span', { class: 'legend-threshold' }, 'threshold 0.5'), el('span', {}, '1')),
        el('p', { class: 'hint' }, 'Fixed scale: a colour means the same normalised score on every image.'),
      ),
      el('vscode-divider', {}),
      el('section', {}, el('h3', {}, 'Model'), this.model),
      el('vscode-divider', {}),
      el('section', {}, el('h3', {}, 'Regions ', this.regionCount), this.regionList),
    );
    parent.appendChild(this.element);
    new ResizeObserver(() => this.redrawLegend()).observe(this.legend);
  }

  redrawLegend(): void {
    const marker = getComputedStyle(document.body).getPropertyValue('--vscode-editor-foreground').trim() || '#fff';
    drawLegend(this.legend, marker);
  }

  setScore(score: ScoreInfo | null, review: ReviewState): void {
    this.score.replaceChildren();
    if (!score) {
      this.fact(this.score, 'Score', 'not scanned yet');
    } else {
      this.fact(this.score, 'Raw score', fmt(score.raw), 'raw-score');
      this.fact(this.score, 'Threshold', fmt(score.threshold), 'threshold');
      const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = css(scoreColor(score.normalized));
      this.fact(this.score, 'Normalised', el('span', {}, sw, score.normalized.toFixed(3)), 'normalized');
      this.fact(this.score, 'Predicted', score.label, 'predicted-label');
      if (score.extent === 'global') this.fact(this.score, 'Finding', GLOBAL_ANOMALY_NOTE, 'finding');
    }
    this.fact(this.score, 'Label', review.label, 'review-label');
    this.status.textContent = review.status;
    this.status.className = `status-${review.status}`;
  }

  setModel(model: ModelInfo | null): void {
    this.model.replaceChildren();
    if (!model) {
      this.fact(this.model, 'Model', 'none active');
      return;
    }
    this.fact(this.model, 'Model', model.id, 'model-id');
    this.fact(this.model, 'Backbone', model.backbone, 'backbone');
    if (model.createdAt) this.fact(this.model, 'Trained', model.createdAt.slice(0, 19).replace('T', ' '));
  }

  setRegions(regions: readonly Region[], colorOf: (cls: string) => Rgb, readOnly: boolean): void {
    this.regionList.replaceChildren();
    this.regionCount.textContent = String(regions.length);
    if (regions.length === 0) {
      this.regionList.append(el('li', { class: 'empty' }, 'No regions. Paint with the brush (B) or draw a polygon (P).'));
      return;
    }
    for (const r of regions) {
      const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = css(colorOf(r.defectClass));
      const area = r.kind === 'polygon' ? Math.round(polygonArea(r.points)) : rleArea(r.rle);
      const del = el('vscode-button', { secondary: true, title: `Delete this ${r.kind}`, 'data-region': r.id, disabled: readOnly }, 'Delete');
      del.addEventListener('click', () => this.onDeleteRegion(r.id));
      this.regionList.append(el('li', { 'data-kind': r.kind },
        sw, el('span', { class: 'region-class' }, r.defectClass), el('span', { class: 'region-meta' }, `${r.kind} · ${area} px`), del));
    }
  }

  private fact(dl: HTMLElement, name: string, value: string | Node, id?: string): void {
    const dd = el('dd', id ? { id } : {}, value);
    dl.append(el('dt', {}, name), dd);
  }
}

