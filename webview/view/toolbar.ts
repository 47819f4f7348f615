/**
 * The toolbar: tools, defect class, brush size, review actions, heatmap controls, window/level
 * presets, frame slider, zoom and navigation. It only raises actions; the app owns the state.
 */
import type { OverlayMode } from '../../src/shared/protocol';
import { el, select, selectValue, setSelectValue } from '../dom';
import type { ToolId } from '../vscodeApi';
import type { Action } from './help';
import type { WindowChoice } from '../windowPresets';

export interface ToolbarHandlers {
  action(a: Action): void;
  setClass(cls: string): void;
  setBrushSize(px: number): void;
  setOpacity(v: number): void;
  setMode(m: OverlayMode): void;
  setHeatmapVisible(v: boolean): void;
  setWindowPreset(index: number): void;
  setFrame(i: number): void;
}

const TOOLS: { id: ToolId; label: string; key: string; icon: string }[] = [
  { id: 'pan', label: 'Hand', key: 'V', icon: 'move' },
  { id: 'brush', label: 'Brush', key: 'B', icon: 'edit' },
  { id: 'eraser', label: 'Eraser', key: 'E', icon: 'eraser' },
  { id: 'polygon', label: 'Polygon', key: 'P', icon: 'triangle-up' },
  { id: 'windowLevel', label: 'Window/level (number keys: presets)', key: 'W', icon: 'color-mode' },
  { id: 'length', label: 'Length', key: 'L', icon: 'symbol-ruler' },
  { id: 'rect', label: 'Rectangle ROI: mean, SD, area', key: 'M', icon: 'primitive-square' },
  { id: 'ellipse', label: 'Ellipse ROI: mean, SD, area', key: 'Shift+M', icon: 'circle-large-outline' },
];

function button(id: string, label: string, title: string, secondary = true): HTMLElement {
  return el('vscode-button', { id, title, secondary }, label);
}

/** A codicon button: the name lives in its tooltip and accessible label, so the toolbar fits one or two rows. */
function iconButton(id: string, icon: string, title: string): HTMLElement {
  return el('vscode-button', { id, class: 'icon-button', title, secondary: true, icon, 'aria-label': title });
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly toolButtons = new Map<ToolId, HTMLElement>();
  private classSelect: HTMLElement;
  private readonly classGroup = el('div', { class: 'group' });
  private readonly brush = el('input', { type: 'range', id: 'brush-size', min: 1, max: 200, step: 1, 'aria-label': 'Brush size in image pixels' });
  private readonly brushLabel = el('span', { class: 'value', id: 'brush-size-label' });
  private readonly heatmapToggle = el('vscode-checkbox', { id: 'heatmap-toggle', label: 'Heatmap', title: 'Show / hide the heatmap (H)' });
  private readonly predictionToggle = el('vscode-checkbox', { id: 'prediction-toggle', label: 'Prediction', title: "Show / hide the model's predicted outline (O)" });
  private readonly overlaysButton = iconButton('overlays-toggle', 'eye', 'Raw image: hide every overlay (X)');
  private readonly opacity = el('input', { type: 'range', id: 'opacity', min: 0, max: 100, step: 1, 'aria-label': 'Heatmap opacity' });
  private readonly modeSelect: HTMLElement;
  private readonly windowGroup = el('div', { class: 'group', id: 'wl-group' });
  private windowSelect: HTMLElement | null = null;
  /** Frame slider: the app places it in the status bar, under the image it scrolls. */
  readonly frameGroup = el('div', { class: 'group', id: 'frame-group' });
  /** Heatmap opacity, mode and the prediction outline: the app places them in the side panel. */
  readonly display: HTMLElement;
  private readonly sizeGroup = el('div', { class: 'group', id: 'size-group', title: 'Brush size in image pixels ([ and ])' });
  private readonly frame = el('input', { type: 'range', id: 'frame', min: 0, max: 0, step: 1, 'aria-label': 'Frame' });
  private readonly frameLabel = el('span', { class: 'value', id: 'frame-label' });
  private readonly frameUnit = el('label', { for: 'frame', id: 'frame-unit' }, 'Frame');
  readonly zoomLabel = el('span', { class: 'value', id: 'zoom-label' }, '100%');
  private readonly writeButtons: HTMLElement[] = [];

  constructor(parent: HTMLElement, private readonly h: ToolbarHandlers, classes: string[], cls: string) {
    const tools = el('div', { class: 'group tool-group', role: 'group', 'aria-label': 'Tools' });
    for (const t of TOOLS) {
      const b = iconButton(`tool-${t.id}`, t.icon, `${t.label} (${t.key})`);
      b.addEventListener('click', () => h.action(t.id));
      this.toolButtons.set(t.id, b);
      tools.append(b);
    }
    this.classSelect = this.buildClassSelect(classes, cls);
    this.classGroup.append(this.classSelect);
    this.brush.addEventListener('input', () => h.setBrushSize(Number(this.brush.value)));
    this.sizeGroup.append(this.brush, this.brushLabel);

    const accept = button('accept', 'Accept', 'Accept: the image is anomalous (A)', false);
    const reject = button('reject', 'Reject', 'Reject: mark the image normal (R)');
    const undo = iconButton('undo', 'discard', 'Undo (Ctrl/Cmd+Z)');
    const redo = iconButton('redo', 'redo', 'Redo (Shift+Ctrl/Cmd+Z)');
    accept.addEventListener('click', () => h.action('accept'));
    reject.addEventListener('click', () => h.action('reject'));
    undo.addEventListener('click', () => h.action('undo'));
    redo.addEventListener('click', () => h.action('redo'));
    this.writeButtons.push(accept, reject, undo, redo);

    this.heatmapToggle.addEventListener('change', () => h.setHeatmapVisible((this.heatmapToggle as HTMLElement & { checked: boolean }).checked));
    this.predictionToggle.addEventListener('change', () => h.action('togglePrediction'));
    this.overlaysButton.addEventListener('click', () => h.action('toggleOverlays'));
    this.opacity.addEventListener('input', () => h.setOpacity(Number(this.opacity.value) / 100));
    this.modeSelect = select('overlay-mode', [{ value: 'filled', label: 'Filled' }, { value: 'contour', label: 'Contour' }], 'filled', 'Heatmap mode (C)');
    this.modeSelect.addEventListener('change', () => h.setMode(selectValue(this.modeSelect) as OverlayMode));

    this.frame.addEventListener('input', () => {
      this.frameLabel.textContent = this.frameText(Number(this.frame.value));
      h.setFrame(Number(this.frame.value));
    });
    this.frameGroup.append(this.frameUnit, this.frame, this.frameLabel);
    this.display = el('div', { class: 'display-controls', id: 'display-controls' },
      el('label', { for: 'opacity' }, 'Opacity'), this.opacity, this.modeSelect, this.predictionToggle);
    this.frameGroup.hidden = true;
    this.windowGroup.hidden = true;

    const fit = iconButton('zoom-fit', 'screen-normal', 'Fit to window (0); zoom with Ctrl+wheel, + and -');
    const one = button('zoom-1', '1:1', 'Actual size');
    fit.addEventListener('click', () => h.action('zoomFit'));
    one.addEventListener('click', () => h.action('zoom1'));
    const prev = iconButton('previous', 'arrow-left', 'Previous image (K)');
    const next = iconButton('next', 'arrow-right', 'Next image (J)');
    prev.addEventListener('click', () => h.action('previous'));
    next.addEventListener('click', () => h.action('next'));
    const help = iconButton('help-button', 'question', 'Keyboard shortcuts (?)');
    help.addEventListener('click', () => h.action('help'));

    this.element = el('header', { class: 'toolbar', id: 'toolbar', role: 'toolbar' },
      el('div', { class: 'group' }, accept, reject),
      tools,
      this.classGroup,
      this.sizeGroup,
      el('div', { class: 'group' }, undo, redo),
      el('div', { class: 'group' }, this.overlaysButton, this.heatmapToggle),
      this.windowGroup,
      el('div', { class: 'group' }, this.zoomLabel, fit, one),
      el('div', { class: 'group' }, prev, next, help),
    );
    parent.appendChild(this.element);
  }

  setTool(tool: ToolId): void {
    // Brush size matters only to the brush and the eraser; hiding it otherwise keeps one row.
    this.sizeGroup.hidden = tool !== 'brush' && tool !== 'eraser';
    for (const [id, b] of this.toolButtons) {
      (b as HTMLElement & { secondary: boolean }).secondary = id !== tool;
      b.setAttribute('aria-pressed', String(id === tool));
    }
  }

  setClass(cls: string): void {
    setSelectValue(this.classSelect, cls);
  }

  /** The class list changed (a class was added from the editor). */
  setClasses(classes: string[], cls: string): void {
    const next = this.buildClassSelect(classes, cls);
    this.classSelect.replaceWith(next);
    this.classSelect = next;
  }

  private buildClassSelect(classes: string[], cls: string): HTMLElement {
    const s = select('defect-class', classes.map((c, i) => ({ value: c, label: i < 9 ? `${i + 1} ${c}` : c })), cls, 'Defect class (number keys)');
    s.addEventListener('change', () => this.h.setClass(selectValue(s)));
    return s;
  }

  setPredictionVisible(visible: boolean, available: boolean): void {
    const cb = this.predictionToggle as HTMLElement & { checked: boolean; disabled: boolean };
    cb.checked = visible;
    cb.disabled = !available;
  }

  setOverlaysHidden(hidden: boolean): void {
    this.overlaysButton.setAttribute('icon', hidden ? 'eye-closed' : 'eye');
    this.overlaysButton.setAttribute('aria-pressed', String(hidden));
    (this.overlaysButton as HTMLElement & { secondary: boolean }).secondary = !hidden;
  }

  setBrushSize(px: number): void {
    this.brush.value = String(px);
    this.brushLabel.textContent = `${px} px`;
    // A narrow editor hides the label: the tooltip and screen readers still give the value.
    this.brush.setAttribute('aria-valuetext', `${px} px`);
    this.sizeGroup.title = `Brush size: ${px} px in image pixels ([ and ])`;
  }

  setOverlay(visible: boolean, opacity: number, mode: OverlayMode, available: boolean): void {
    const cb = this.heatmapToggle as HTMLElement & { checked: boolean; disabled: boolean };
    cb.checked = visible;
    cb.disabled = !available;
    this.opacity.value = String(Math.round(opacity * 100));
    this.opacity.disabled = !available;
    setSelectValue(this.modeSelect, mode);
  }

  setUndo(canUndo: boolean, canRedo: boolean): void {
    (this.writeButtons[2] as HTMLElement & { disabled: boolean }).disabled = !canUndo;
    (this.writeButtons[3] as HTMLElement & { disabled: boolean }).disabled = !canRedo;
  }

  setReadOnly(readOnly: boolean): void {
    for (const b of [...this.writeButtons.slice(0, 2), ...['brush', 'eraser', 'polygon'].map((t) => this.toolButtons.get(t as ToolId)!)]) {
      (b as HTMLElement & { disabled: boolean }).disabled = readOnly;
    }
  }

  /** Window/level choices (CT presets, the file's windows, Auto, Full range); shown for >8-bit or DICOM images. */
  setWindows(choices: readonly WindowChoice[], show: boolean): void {
    this.windowGroup.replaceChildren();
    this.windowGroup.hidden = !show;
    if (!show) return;
    const options = choices.map((c, i) => ({ value: String(i), label: c.key ? `${c.key} ${c.label}` : c.label }));
    this.windowSelect = select('wl-preset', [...options, { value: 'custom', label: 'Custom W/L' }], 'custom', 'Window/level preset (W, then a number key)');
    this.windowSelect.addEventListener('change', () => {
      const v = selectValue(this.windowSelect!);
      if (v !== 'custom') this.h.setWindowPreset(Number(v));
    });
    const reset = iconButton('wl-reset', 'discard', 'Reset window/level (Shift+W)');
    reset.addEventListener('click', () => this.h.action('resetWindow'));
    this.windowGroup.append(this.windowSelect, reset);
  }

  markWindowCustom(custom: boolean, presetIndex = 0): void {
    if (this.windowSelect) setSelectValue(this.windowSelect, custom ? 'custom' : String(presetIndex));
  }

  /** The slider over the frames of an image, or over the files of a series stack (`unit` Slice). */
  setFrames(count: number, current: number, unit: 'Frame' | 'Slice' = 'Frame'): void {
    this.frameCount = count;
    this.frameUnit.textContent = unit;
    this.frame.setAttribute('aria-label', unit);
    this.frameGroup.hidden = count <= 1;
    this.frame.max = String(Math.max(0, count - 1));
    this.frame.value = String(current);
    this.frameLabel.textContent = this.frameText(current);
  }

  private frameCount = 1;
  private frameText(i: number): string {
    return `${i + 1} / ${this.frameCount}`;
  }
}
