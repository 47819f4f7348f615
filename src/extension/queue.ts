/**
 * A debounced, bounded work queue for file-watcher events: items are keyed (a file changed five
 * times is scanned once), a batch runs `delayMs` after the last push, one batch at a time, and
 * at most `maxSize` items wait. Beyond that, items are dropped and `onOverflow` fires once per
 * batch so the owner can schedule one full rescan instead of thousands of single ones.
 */
export interface QueueOptions<T> {
  delayMs: number;
  maxSize: number;
  process: (batch: T[]) => Promise<void>;
  onOverflow?: (dropped: number) => void;
  onError?: (err: unknown) => void;
}

export class DebouncedQueue<T> {
  private items = new Map<string, T>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private dropped = 0;
  private disposed = false;

  constructor(private readonly opts: QueueOptions<T>) {
    if (opts.maxSize < 1) throw new RangeError('maxSize must be at least 1');
  }

  get size(): number {
    return this.items.size;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Adds or replaces an item; returns false when it was dropped because the queue is full. */
  push(key: string, item: T): boolean {
    if (this.disposed) return false;
    if (!this.items.has(key) && this.items.size >= this.opts.maxSize) {
      this.dropped++;
      this.arm();
      return false;
    }
    this.items.delete(key); // re-insert so order follows the latest change
    this.items.set(key, item);
    this.arm();
    return true;
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  /** Runs whatever is queued now (waiting for a running batch first). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
    if (this.items.size || this.dropped) await this.runBatch();
    while (this.running) await this.running;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items.clear();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) return; // the running batch re-arms when it ends
      void this.runBatch();
    }, this.opts.delayMs);
  }

  private runBatch(): Promise<void> {
    const batch = [...this.items.values()];
    const dropped = this.dropped;
    this.items = new Map();
    this.dropped = 0;
    const work = (async () => {
      try {
        if (dropped) this.opts.onOverflow?.(dropped);
        if (batch.length) await this.opts.process(batch);
      } catch (err) {
        this.opts.onError?.(err);
      }
    })();
    this.running = work.finally(() => {
      this.running = undefined;
      if (!this.disposed && (this.items.size || this.dropped) && !this.timer) this.arm();
    });
    return this.running;
  }
}
