/** A seeded pseudo-random number generator: the same seed gives the same workload on every run. */
export type Random = () => number;

/** mulberry32: small, fast, deterministic; uniform in [0, 1). */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of a non-empty list, uniformly. */
export function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

/** An integer in [min, max]. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A chooser over `[value, weight]` pairs. */
export function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): (random: Random) => T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  return (random) => {
    let roll = random() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1][0];
  };
}

/** A version 4 UUID drawn from `random` (so it is reproducible). */
export function randomUuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Math.floor(random() * 4) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** A chooser of a key of `weights` (`{ page_view: 30, login: 14 }`), in proportion to its value. */
export function weightedKey(weights: Record<string, number>): (random: Random) => string {
  return weighted(Object.entries(weights));
}

/** A chooser of an index of `weights` (`[60, 40]`: 0 six times in ten), in proportion to its value. */
export function weightedIndex(weights: readonly number[]): (random: Random) => number {
  return weighted(weights.map((weight, index) => [index, weight] as const));
}
