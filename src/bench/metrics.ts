/** The metric calls the benchmark makes, on top of src/core/metrics. */
import { auroc, PixelMetrics } from '../core/metrics';

export function imageAuroc(scores: number[], labels: (0 | 1)[]): number {
  return auroc(scores, labels);
}

export interface PixelAccumulator {
  add(map: Float32Array, mask: Uint8Array, width: number, height: number): void;
  result(): { pixelAuroc: number; pro: number };
}

/**
 * Streamed pixel AUROC and PRO (≤ 30 % FPR). Maps are raw scores with no fixed range, so the
 * first map sets a bin range (with headroom) — the metric bins clamp values outside it.
 */
export function createPixelMetrics(): PixelAccumulator {
  let pm: PixelMetrics | undefined;
  const pending: { map: Float32Array; mask: Uint8Array; w: number; h: number }[] = [];
  const flush = (): void => {
    if (pm || !pending.length) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of pending) {
      for (const v of p.map) {
        if (!Number.isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(hi > lo)) hi = lo + 1;
    const pad = (hi - lo) * 0.5;
    pm = new PixelMetrics({ min: lo - pad, max: hi + pad, bins: 20_000 });
    for (const p of pending) pm.add(p.map, p.mask, p.w, p.h);
    pending.length = 0;
  };
  return {
    add(map, mask, w, h) {
      // Buffer the first few maps to choose the bin range from real values.
      if (!pm) {
        pending.push({ map: Float32Array.from(map), mask, w, h });
        if (pending.length >= 32) flush();
        return;
      }
      pm.add(map, mask, w, h);
    },
    result() {
      flush();
      if (!pm) return { pixelAuroc: NaN, pro: NaN };
      return { pixelAuroc: pm.auroc().value, pro: pm.pro(0.3).value };
    },
  };
}
