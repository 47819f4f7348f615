/** Items grouped by a key, each group in input order, groups in order of first appearance. */
export function groupBy<T, K>(items: readonly T[], keyOf: (item: T, index: number) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  items.forEach((item, i) => {
    const key = keyOf(item, i);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  });
  return groups;
}
