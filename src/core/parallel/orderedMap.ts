/** One settled call of `orderedMap`: its value or what it threw, with the item it came from. */
export type Settled<I, O> = { item: I; index: number } & ({ ok: true; value: O } | { ok: false; error: unknown });

/**
 * Calls `fn` on every item with up to `concurrency` calls in flight and yields the outcomes in
 * input order (a scan's results stay in folder order while a pool of workers runs ahead). A
 * failing call does not stop the others. Once `signal` is aborted no new call starts; the
 * generator stops after the outcomes of calls already started.
 */
export async function* orderedMap<I, O>(
  items: readonly I[],
  concurrency: number,
  fn: (item: I, index: number) => Promise<O>,
  signal?: AbortSignal,
): AsyncGenerator<Settled<I, O>> {
  const width = Math.max(1, Math.floor(concurrency));
  const inFlight: Promise<Settled<I, O>>[] = [];
  let next = 0;
  const start = (): void => {
    const index = next++;
    const item = items[index];
    inFlight.push(
      Promise.resolve()
        .then(() => fn(item, index))
        .then(
          (value): Settled<I, O> => ({ item, index, ok: true, value }),
          (error: unknown): Settled<I, O> => ({ item, index, ok: false, error }),
        ),
    );
  };
  const refill = (): void => {
    while (next < items.length && inFlight.length < width && !signal?.aborted) start();
  };
  refill();
  while (inFlight.length > 0) {
    const outcome = await inFlight.shift()!;
    refill();
    yield outcome;
  }
}
