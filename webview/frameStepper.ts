/**
 * Which frame is shown: the frames of a multi-frame image, or the files of a DICOM series stack
 * (wheel, Page Up / Page Down, the slider). Pixels come from the host on demand; when scrolling
 * fast only the latest frame asked for is shown.
 */
import type { FramePixels, ImageInfo, SeriesStack } from '../src/shared/protocol';
import { FrameCache, type LoadedFrame } from './frames';
import type { WebviewRpc } from './rpcClient';
import { StackStepper } from './stack';
import type { Toolbar } from './view/toolbar';

export interface FrameStepperHooks {
  toolbar(): Toolbar;
  /** Another frame of the image is shown. */
  frameShown(): void;
  /** A file of the series is shown; `own` when it is the opened one, else `note` says which it is. */
  sliceShown(own: boolean, note: string): void;
  error(what: string, err: unknown): void;
}

export class FrameStepper {
  /** The frame on screen; null before the first image. */
  frame: LoadedFrame | null = null;
  private frames: FrameCache | null = null;
  /** The files of this DICOM series, when the host found others next to this one. */
  private stack: StackStepper | null = null;
  private frameCount = 1;
  private pendingFrame = 0;

  constructor(private readonly rpc: WebviewRpc, private readonly hooks: FrameStepperHooks) {}

  /** A new image, shown at the frame that came with it. */
  open(info: ImageInfo, first: FramePixels, stack: SeriesStack | undefined): LoadedFrame {
    this.frameCount = info.frameCount;
    this.frames = new FrameCache((f) => this.rpc.request('getFrame', { frame: f }));
    this.frame = this.frames.put(first);
    this.pendingFrame = this.frame.pixels.frame;
    this.stack = stack && info.frameCount <= 1 ? new StackStepper(stack, first, (i) => this.rpc.request('getSlice', { index: i })) : null;
    return this.frame;
  }

  /** Set the toolbar's slider to the frame (or file) shown. */
  showPosition(): void {
    if (this.stack) this.hooks.toolbar().setFrames(this.stack.count, this.stack.own, 'Slice');
    else this.hooks.toolbar().setFrames(this.frameCount, this.frame?.pixels.frame ?? 0);
  }

  /** The slider moved to `i`. */
  show(i: number): void {
    void (this.stack ? this.showSlice(i) : this.showFrame(i));
  }

  /** Step through the frames of a stack; false when there is only one frame. */
  step(steps: number): boolean {
    if (this.stack) {
      const next = this.stack.step(steps);
      if (next !== undefined) {
        this.hooks.toolbar().setFrames(this.stack.count, next, 'Slice');
        void this.showSlice(next);
      }
      return true;
    }
    const count = this.frameCount;
    if (count <= 1 || !this.frame) return false;
    const next = Math.min(count - 1, Math.max(0, this.pendingFrame + steps));
    if (next === this.pendingFrame) return true;
    this.pendingFrame = next;
    this.hooks.toolbar().setFrames(count, next);
    void this.showFrame(next);
    return true;
  }

  private async showFrame(i: number): Promise<void> {
    if (!this.frames) return;
    this.pendingFrame = i;
    try {
      const f = await this.frames.get(i);
      if (i !== this.pendingFrame) return;
      this.frame = f;
      this.hooks.toolbar().setFrames(this.frameCount, i);
      this.hooks.frameShown();
    } catch (err) {
      this.hooks.error(`Could not load frame ${i + 1}`, err);
    }
  }

  /** Show file `i` of the series stack; the opened file's overlays and tools come back on it. */
  private async showSlice(i: number): Promise<void> {
    const s = this.stack;
    if (!s) return;
    s.pending = i;
    try {
      const f = await s.cache.get(i);
      if (i !== s.pending || s !== this.stack) return;
      this.frame = f;
      this.hooks.toolbar().setFrames(s.count, i, 'Slice');
      this.hooks.sliceShown(i === s.own, s.describe(i));
    } catch (err) {
      this.hooks.error(`Could not load ${s.stack.files[i] ?? `slice ${i + 1}`}`, err);
    }
  }
}
