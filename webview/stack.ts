/**
 * Stepping through the files of a DICOM series stack (wheel, Page Up / Page Down, the slider):
 * the host serves each file's pixels on request; the opened file is the one being reviewed.
 */
import type { FramePixels, SeriesStack } from '../src/shared/protocol';
import { FrameCache } from './frames';

export class StackStepper {
  readonly cache: FrameCache;
  /** The slice last asked for (fast scrolling shows only the latest). */
  pending: number;

  constructor(readonly stack: SeriesStack, own: FramePixels, fetch: (index: number) => Promise<FramePixels>) {
    this.cache = new FrameCache(fetch, 6);
    this.cache.put(own, stack.index);
    this.pending = stack.index;
  }

  get count(): number {
    return this.stack.files.length;
  }

  /** The index of the opened file. */
  get own(): number {
    return this.stack.index;
  }

  /** The slice `steps` away from the pending one (clamped), or undefined when that does not move. */
  step(steps: number): number | undefined {
    const next = Math.min(this.count - 1, Math.max(0, this.pending + steps));
    return next === this.pending ? undefined : next;
  }

  /** Status text for slice `i`: empty on the opened file, else which file is shown. */
  describe(i: number): string {
    return i === this.own ? '' : `${this.stack.files[i]} · view only`;
  }
}
