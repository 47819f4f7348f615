/**
 * The status bar under the image: pixel under the cursor, window/level, the frame slider (placed
 * here by the app), which file of a series is shown, the queue position and the save state.
 */
import type { ImageInfo } from '../../src/shared/protocol';
import { el } from '../dom';
import type { LoadedFrame } from '../frames';
import { describePixel } from '../pixels';
import { scoreAt, type HeatmapLayer } from './overlay';

export type SaveState = 'saved' | 'unsaved' | 'saving' | 'error';

/** Where the image stands in the review queue (`reviewed`: it has left it). */
export interface QueuePosition {
  index: number;
  total: number;
  reviewed?: boolean;
}

const SAVE_TEXT: Record<SaveState, string> = { saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', error: 'Not saved' };

export class StatusBar {
  readonly element = el('footer', { class: 'statusbar', id: 'statusbar' });
  private readonly cursorText = el('span', { id: 'cursor' });
  private readonly saveText = el('span', { id: 'save-state' });
  private readonly queueText = el('span', { id: 'queue' });
  private readonly wlText = el('span', { id: 'wl-readout' });
  private readonly sliceText = el('span', { id: 'slice-file' });
  /** The image pixel last hovered; its readout follows frame and window changes. */
  private cursor: [number, number] | null = null;

  /** Lay out the readouts around the toolbar's frame slider (rebuilt with every image). */
  mount(frameGroup: HTMLElement): void {
    this.element.replaceChildren(this.cursorText, this.wlText, frameGroup, this.sliceText, this.queueText, this.saveText);
  }

  setQueue(q: QueuePosition | undefined): void {
    this.queueText.textContent = !q ? '' : q.reviewed ? `reviewed · ${q.total} left` : `${q.index + 1} of ${q.total}`;
  }

  setSaveState(s: SaveState): void {
    this.saveText.textContent = SAVE_TEXT[s];
    this.saveText.className = `save-${s}`;
  }

  setWindowText(text: string): void {
    this.wlText.textContent = text;
  }

  setSliceText(text: string): void {
    this.sliceText.textContent = text;
  }

  hover(ix: number, iy: number): void {
    this.cursor = [Math.floor(ix), Math.floor(iy)];
  }

  /** Value (and anomaly score) of the hovered pixel on the frame shown. */
  showCursor(frame: LoadedFrame | null, info: ImageInfo | null, heatmap: HeatmapLayer | null): void {
    const value = frame && info && this.cursor ? describePixel(frame.samples, frame.pixels, info, ...this.cursor) : '';
    if (!value || !this.cursor) {
      this.cursorText.textContent = '';
      return;
    }
    const [x, y] = this.cursor;
    const s = heatmap ? scoreAt(heatmap, x + 0.5, y + 0.5) : undefined;
    this.cursorText.textContent = `x ${x}, y ${y} · value ${value}${s === undefined ? '' : ` · score ${s.toFixed(3)}`}`;
  }
}
