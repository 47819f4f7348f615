// Connected components of a binary mask (8-connectivity), for per-region metrics.

/**
 * Labels the nonzero pixels of a row-major mask: 0 = background, 1..count = regions. An explicit
 * stack (no recursion) keeps large regions safe.
 */
export function labelComponents(mask: ArrayLike<number>, width: number, height: number): { labels: Int32Array; count: number; areas: number[] } {
  if (mask.length < width * height) throw new RangeError(`mask has ${mask.length} values, ${width * height} expected`);
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const areas: number[] = [0];
  let count = 0;
  for (let start = 0; start < width * height; start++) {
    if (!mask[start] || labels[start]) continue;
    count++;
    let area = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = count;
    while (top > 0) {
      const p = stack[--top];
      area++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width || (dx === 0 && dy === 0)) continue;
          const q = ny * width + nx;
          if (mask[q] && !labels[q]) {
            labels[q] = count;
            stack[top++] = q;
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, count, areas };
}
