/**
 * The window/level of the image shown: the default for the image, the presets (menu and number
 * keys with the W/L tool), a reset, and dragging (W/L tool or right button), drawn at most once
 * per animation frame.
 */
import type { ImageInfo } from '../src/shared/protocol';
import type { LoadedFrame } from './frames';
import { defaultWindow, modalityRange, type Window } from './pixels';
import type { Toolbar } from './view/toolbar';
import { windowChoices, type WindowChoice } from './windowPresets';

export class WindowLevel {
  window: Window = { center: 127.5, width: 255 };
  private info: ImageInfo | null = null;
  private range = { min: 0, max: 255 };
  private choices: WindowChoice[] = [];
  private dragFrame = 0;

  /** `render` draws the image again with the current window; the toolbar is the current image's. */
  constructor(private readonly toolbar: () => Toolbar, private readonly render: () => void) {}

  /** A new image: its default window and its presets in the toolbar. */
  open(info: ImageInfo, frame: LoadedFrame): void {
    this.info = info;
    this.range = modalityRange(frame.samples, info);
    this.window = defaultWindow(info, this.range);
    this.choices = windowChoices(info, this.range, frame.samples, frame.pixels.channels);
    this.toolbar().setWindows(this.choices, info.bitDepth > 8 || info.windows.length > 0 || info.format === 'dicom');
    const initial = this.choices.findIndex((c) => c.window.center === this.window.center && c.window.width === this.window.width);
    this.toolbar().markWindowCustom(initial < 0, initial);
  }

  /** The toolbar menu: preset `i`, or the image's default for a negative `i` (reset). */
  choose(i: number): void {
    if (i < 0) {
      if (!this.info) return;
      this.window = defaultWindow(this.info, this.range);
      this.toolbar().markWindowCustom(true);
      this.render();
      return;
    }
    const c = this.choices[i];
    if (!c) return;
    this.window = { ...c.window };
    this.toolbar().markWindowCustom(false, i);
    this.render();
  }

  /** Number key `n` with the W/L tool: the preset bound to it, if any. */
  chooseKey(n: number): void {
    const i = this.choices.findIndex((w) => w.key === String(n));
    if (i >= 0) this.choose(i);
  }

  /** Drag by (dx, dy) CSS px: vertical moves the centre, horizontal the width. */
  drag(dx: number, dy: number): void {
    const step = Math.max(this.range.max - this.range.min, 1) / 512;
    this.window = { center: this.window.center + dy * step, width: Math.max(step, this.window.width + dx * step) };
    this.toolbar().markWindowCustom(true);
    if (this.dragFrame) return;
    this.dragFrame = requestAnimationFrame(() => {
      this.dragFrame = 0;
      this.render();
    });
  }
}
