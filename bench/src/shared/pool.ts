/** Runs `worker` over `items` with at most `concurrency` in flight (slot = which of them); stops at the first failure and rethrows it. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, slot: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async (_, slot) => {
    while (failures.length === 0 && next < items.length) {
      const index = next++;
      try {
        await worker(items[index], slot);
      } catch (error) {
        failures.push(error);
      }
    }
  });
  await Promise.all(runners);
  if (failures.length > 0) throw failures[0];
}
