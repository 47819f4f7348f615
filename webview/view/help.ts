/** Keyboard shortcuts: one table drives both the key handling and the help overlay (?). */
export type Action =
  | 'accept' | 'reject' | 'toggleHeatmap' | 'toggleMode'
  | 'pan' | 'brush' | 'eraser' | 'polygon' | 'windowLevel' | 'resetWindow'
  | 'brushSmaller' | 'brushLarger' | 'undo' | 'redo' | 'next' | 'previous'
  | 'zoomIn' | 'zoomOut' | 'zoomFit' | 'zoom1' | 'closePolygon' | 'cancel' | 'help';

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
  { action: 'pan', keys: ['V'], label: 'Hand tool (or hold Space, or drag with the middle button)' },
  { action: 'brush', keys: ['B'], label: 'Brush' },
  { action: 'eraser', keys: ['E'], label: 'Eraser' },
  { action: 'polygon', keys: ['P'], label: 'Polygon: click vertices, double-click or Enter closes' },
  { action: 'closePolygon', keys: ['Enter'], label: 'Close the polygon' },
  { action: 'cancel', keys: ['Esc'], label: 'Cancel the polygon / close this help' },
  { action: 'brushSmaller', keys: ['['], label: 'Smaller brush' },
  { action: 'brushLarger', keys: [']'], label: 'Larger brush' },
  { action: 'windowLevel', keys: ['W'], label: 'Window/level tool (or drag with the right button)' },
  { action: 'resetWindow', keys: ['Shift+W'], label: 'Reset window/level' },
  { action: 'undo', keys: [`${mod}+Z`], label: 'Undo' },
  { action: 'redo', keys: [`Shift+${mod}+Z`, `${mod}+Y`], label: 'Redo' },
  { action: 'zoomIn', keys: ['+'], label: 'Zoom in (or mouse wheel)' },
  { action: 'zoomOut', keys: ['-'], label: 'Zoom out' },
  { action: 'zoomFit', keys: ['0'], label: 'Fit to window' },
  { action: 'zoom1', keys: ['1'], label: 'Actual size (1:1)' },
  { action: 'help', keys: ['?'], label: 'Show / hide this help' },
];

const LETTERS: Record<string, Action> = {
  a: 'accept', r: 'reject', j: 'next', k: 'previous', h: 'toggleHeatmap', c: 'toggleMode',
  v: 'pan', b: 'brush', e: 'eraser', p: 'polygon', w: 'windowLevel',
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
  const letter = LETTERS[key.toLowerCase()];
  if (letter && key.length === 1 && !e.shiftKey) return letter;
  switch (key) {
    case '?': return 'help';
    case '[': return 'brushSmaller';
    case ']': return 'brushLarger';
    case '+': case '=': return 'zoomIn';
    case '-': case '_': return 'zoomOut';
    case '0': return 'zoomFit';
    case '1': return 'zoom1';
    case 'Enter': return 'closePolygon';
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
