/** Frames of a multi-frame image (or files of a series stack), requested from the host on demand; a few are kept. */
import type { FramePixels } from '../src/shared/protocol';
import { samplesOf, type Samples } from './pixels';

export interface LoadedFrame {
  pixels: FramePixels;
  samples: Samples;
}

export class FrameCache {
  private readonly frames = new Map<number, LoadedFrame>();
  private readonly inFlight = new Map<number, Promise<LoadedFrame>>();

  constructor(private readonly fetch: (frame: number) => Promise<FramePixels>, private readonly capacity = 4) {}

  /** Keep `p` under `key` (its frame number unless the cache holds the files of a series stack). */
  put(p: FramePixels, key = p.frame): LoadedFrame {
    const f = { pixels: p, samples: samplesOf(p) };
    this.frames.delete(key);
    this.frames.set(key, f);
    while (this.frames.size > this.capacity) this.frames.delete(this.frames.keys().next().value as number);
    return f;
  }

  has(frame: number): boolean {
    return this.frames.has(frame);
  }

  get size(): number {
    return this.frames.size;
  }

  async get(frame: number): Promise<LoadedFrame> {
    const hit = this.frames.get(frame);
    if (hit) {
      // Most recently used goes last.
      this.frames.delete(frame);
      this.frames.set(frame, hit);
      return hit;
    }
    let p = this.inFlight.get(frame);
    if (!p) {
      p = this.fetch(frame).then((px) => this.put(px, frame)).finally(() => this.inFlight.delete(frame));
      this.inFlight.set(frame, p);
    }
    return p;
  }
}
