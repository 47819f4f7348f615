/**
 * Whether a heatmap points at the defect: the hottest region of a map and its overlap with the
 * ground-truth mask (the "heat hit"), and where a normal image's hottest point lies (border band
 * or interior). Maps of any method and scale: the region is defined relative to the map itself.
 */

/** Index of the map's largest finite value (first one on ties); −1 for an empty map. */
export function argmax(map: ArrayLike<number>): number {
  let best = -1;
  let v = -Infinity;
  for (let i = 0; i < map.length; i++) {
    if (map[i] > v) {
      v = map[i];
      best = i;
    }
  }
  return best;
}

function median(map: ArrayLike<number>): number {
  const s = Float32Array.from(map as ArrayLike<number>).sort();
  return s.length ? s[s.length >> 1] : NaN;
}

/**
 * The hottest region: the 4-connected component around the map's maximum of pixels at or above
 * halfway between the map's median and its maximum. Returns a 0/1 mask (all zero for a flat map).
 */
export function hottestRegion(map: ArrayLike<number>, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const top = argmax(map);
  if (top < 0) return out;
  const hi = map[top];
  const level = (median(map) + hi) / 2;
  if (!(hi > level)) return out;
  const stack = [top];
  out[top] = 1;
  while (stack.length) {
    const p = stack.pop() as number;
    const x = p % w;
    const y = (p - x) / w;
    const visit = (q: number): void => {
      if (!out[q] && map[q] >= level) {
        out[q] = 1;
        stack.push(q);
      }
    };
    if (x > 0) visit(p - 1);
    if (x + 1 < w) visit(p + 1);
    if (y > 0) visit(p - w);
    if (y + 1 < h) visit(p + w);
  }
  return out;
}

/** True when the map's hottest region overlaps the mask (non-zero = defect); same size required. */
export function heatHits(map: ArrayLike<number>, mask: ArrayLike<number>, w: number, h: number): boolean {
  if (map.length !== w * h || mask.length !== w * h) throw new RangeError(`map ${map.length} and mask ${mask.length} must both be ${w}×${h}`);
  const region = hottestRegion(map, w, h);
  for (let i = 0; i < region.length; i++) if (region[i] && mask[i]) return true;
  return false;
}

/** True when the map's maximum lies within `band` (a fraction of each side) of the image border. */
export function hottestAtBorder(map: ArrayLike<number>, w: number, h: number, band = 0.1): boolean {
  const p = argmax(map);
  if (p < 0) return false;
  const x = p % w;
  const y = (p - x) / w;
  const bx = Math.max(1, Math.round(w * band));
  const by = Math.max(1, Math.round(h * band));
  return x < bx || y < by || x >= w - bx || y >= h - by;
}

/** Share of an image's area inside the border band: what `hottestAtBorder` would give by chance. */
export function borderBandShare(w: number, h: number, band = 0.1): number {
  const bx = Math.max(1, Math.round(w * band));
  const by = Math.max(1, Math.round(h * band));
  const inner = Math.max(0, w - 2 * bx) * Math.max(0, h - 2 * by);
  return 1 - inner / (w * h);
}
