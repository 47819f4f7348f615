/**
 * The measurement on the image (length or ROI) and its readout over the stage. It is measured
 * again on every new frame or window, so the numbers always describe what is shown.
 */
import type { ImageInfo } from '../../src/shared/protocol';
import { el } from '../dom';
import type { LoadedFrame } from '../frames';
import { measure, type Measurement } from '../measure';
import type { ImageView } from './canvas';
import { drawMeasurement } from './measureLayer';

export class MeasureReadout {
  readonly element = el('div', { class: 'measure-readout', id: 'measure-readout', hidden: true });
  private current: Measurement | null = null;

  get active(): boolean {
    return this.current !== null;
  }

  /** Draw the measurement on `view` (a new view comes with each image). */
  attach(view: ImageView): void {
    view.vectors.push((g, v) => { if (this.current) drawMeasurement(g, v, this.current); });
  }

  clear(): void {
    this.current = null;
  }

  /** Show `m` measured on `frame` (none: hide the readout); `done` marks a finished drag. */
  set(m: Measurement | null, done: boolean, frame: LoadedFrame | null, info: ImageInfo | null): void {
    if (!m || !frame || !info) {
      this.current = null;
      this.element.hidden = true;
    } else {
      this.current = m;
      this.element.textContent = measure(m, frame.pixels, frame.samples, info).text;
      this.element.hidden = false;
      if (done) this.element.dataset.final = 'true';
    }
  }

  /** Measure the current measurement again (the frame or window changed). */
  refresh(frame: LoadedFrame | null, info: ImageInfo | null): void {
    if (this.current) this.set(this.current, true, frame, info);
  }
}
