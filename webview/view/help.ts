/** Keyboard shortcuts: one table drives both the key handling and the help overlay (?). */
export type Action =
  | 'accept' | 'reject' | 'toggleHeatmap' | 'toggleMode' | 'toggleOverlays' | 'togglePrediction'
  | 'pan' | 'brush' | 'eraser' | 'polygon' | 'windowLevel' | 'resetWindow' | 'length' | 'rect' | 'ellipse'
  | 'brushSmaller' | 'brushLarger' | 'undo' | 'redo' | 'next' | 'previous' | 'nextFrame' | 'previousFrame'
  | 'deleteRegion' | 'zoomIn' | 'zoomOut' | 'zoomFit' | 'zoom1' | 'closePolygon' | 'cancel' | 'help'
  | `digit${number}`;

export interface Shortcut {
  action: Action;
  /** What the help overlay shows. */
  keys: string[];
  label: string;
}

const mod = /Mac|iPhone|iPad/.test(navigator.platform) ? 'Cmd' : 'Ctrl';

export const SHORTCUTS: Shortcut[] = [
  { action: 'accept', keys: ['A'], label: 'Accept: the image is anomalous' },
  { action: 'reject', keys: ['R'], label: 'Reject: mark the image normal' },
  { action: 'next', keys: ['J'], label: 'Next image' },
  { action: 'previous', keys: ['K'], label: 'Previous image' },
  { action: 'toggleHeatmap', keys: ['H'], label: 'Show / hide the heatmap' },
  { action: 'toggleMode', keys: ['C'], label: 'Heatmap filled / contour' },
  { action: 'togglePrediction', keys: ['O'], label: "Show / hide the model's predicted outline" },
  { action: 'toggleOverlays', keys: ['X'], label: 'Raw image: hide every overlay (heatmap, regions, outlines)' },
  { action: 'pan', keys: ['V'], label: 'Hand tool; click a region to select it (or hold Space, or drag with the middle button)' },
  { action: 'brush', keys: ['B'], label: 'Brush: paints into the selected region, or starts a new one' },
  { action: 'eraser', keys: ['E'], label: 'Eraser: cuts the selected region (all unlocked ones when none is selected)' },
  { action: 'polygon', keys: ['P'], label: 'Polygon: click vertices, double-click or Enter closes' },
  { action: 'digit1', keys: ['1 … 9'], label: 'Pick a class (changes the selected region); with the W/L tool: window presets, 0 full range' },
  { action: 'deleteRegion', keys: ['Delete'], label: 'Delete the selected region' },
  { action: 'closePolygon', keys: ['Enter'], label: 'Close the polygon' },
  { action: 'cancel', keys: ['Esc'], label: 'Cancel the polygon / clear the selection / close this help' },
  { action: 'length', keys: ['L'], label: 'Length (mm with Pixel Spacing)' },
  { action: 'rect', keys: ['M'], label: 'Rectangle ROI: mean, SD, area' },
  { action: 'ellipse', keys: ['Shift+M'], label: 'Ellipse ROI: mean, SD, area' },
  { action: 'nextFrame', keys: ['Page Down', 'Wheel'], label: 'Next frame / slice (Ctrl+wheel zooms)' },
  { action: 'previousFrame', keys: ['Page Up'], label: 'Previous frame / slice' },
  { action: 'brushSmaller', keys: ['['], label: 'Smaller brush' },
  { action: 'brushLarger', keys: [']'], label: 'Larger brush' },
  { action: 'windowLevel', keys: ['W'], label: 'Window/level tool (or drag with the right button)' },
  { action: 'resetWindow', keys: ['Shift+W'], label: 'Reset window/level' },
  { action: 'undo', keys: [`${mod}+Z`], label: 'Undo' },
  { action: 'redo', keys: [`Shift+${mod}+Z`, `${mod}+Y`], label: 'Redo' },
  { action: 'zoomIn', keys: ['+'], label: 'Zoom in (or mouse wheel)' },
  { action: 'zoomOut', keys: ['-'], label: 'Zoom out' },
  { action: 'zoomFit', keys: ['0'], label: 'Fit to window' },
  { action: 'help', keys: ['?'], label: 'Show / hide this help' },
];

const LETTERS: Record<string, Action> = {
  a: 'accept', r: 'reject', j: 'next', k: 'previous', h: 'toggleHeatmap', c: 'toggleMode',
  v: 'pan', b: 'brush', e: 'eraser', p: 'polygon', w: 'windowLevel', o: 'togglePrediction', x: 'toggleOverlays',
  l: 'length', m: 'rect',
};

/** The action a key press means, or undefined (then it is left to VS Code). */
export function actionFor(e: KeyboardEvent): Action | undefined {
  const accel = e.ctrlKey || e.metaKey;
  const key = e.key;
  if (accel && !e.altKey) {
    const k = key.toLowerCase();
    if (k === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (k === 'y' && !e.shiftKey) return 'redo';
    return undefined;
  }
  if (accel || e.altKey) return undefined;
  if (key === 'W' && e.shiftKey) return 'resetWindow';
  if (key === 'M' && e.shiftKey) return 'ellipse';
  if (/^Digit[0-9]$/.test(e.code) && !e.shiftKey) return `digit${Number(e.code.slice(5))}`;
  const letter = LETTERS[key.toLowerCase()];
  if (letter && key.length === 1 && !e.shiftKey) return letter;
  switch (key) {
    case '?': return 'help';
    case '[': return 'brushSmaller';
    case ']': return 'brushLarger';
    case '+': case '=': return 'zoomIn';
    case '-': case '_': return 'zoomOut';
    case 'Enter': return 'closePolygon';
    case 'Delete': case 'Backspace': return 'deleteRegion';
    case 'PageDown': return 'nextFrame';
    case 'PageUp': return 'previousFrame';
    case 'Escape': return 'cancel';
    default: return undefined;
  }
}

/** The help overlay; hidden until toggled. */
export class HelpOverlay {
  readonly element: HTMLElement;

  constructor(parent: HTMLElement) {
    const el = document.createElement('div');
    el.id = 'help';
    el.className = 'help';
    el.hidden = true;
    el.setAttribute('role', 'dialog');
    el.setAttribute('aria-label', 'Keyboard shortcuts');
    const box = document.createElement('div');
    box.className = 'help-box';
    const title = document.createElement('h2');
    title.textContent = 'Keyboard shortcuts';
    box.appendChild(title);
    const table = document.createElement('table');
    for (const s of SHORTCUTS) {
      const tr = table.insertRow();
      const k = tr.insertCell();
      for (const key of s.keys) {
        const kbd = document.createElement('kbd');
        kbd.textContent = key;
        k.appendChild(kbd);
      }
      tr.insertCell().textContent = s.label;
    }
    box.appendChild(table);
    const foot = document.createElement('p');
    foot.className = 'help-foot';
    foot.textContent = 'Edits are in image pixels at any zoom and are saved automatically.';
    box.appendChild(foot);
    el.appendChild(box);
    el.addEventListener('click', (e) => { if (e.target === el) this.toggle(false); });
    parent.appendChild(el);
    this.element = el;
  }

  get visible(): boolean {
    return !this.element.hidden;
  }

  toggle(show = !this.visible): void {
    this.element.hidden = !show;
  }
}
