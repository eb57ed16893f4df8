/*
 * When a failed delivery is tried again. Pure. The schedule is Standard
 * Webhooks': after the first attempt fails, 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h and 24 h later (ten attempts over about 3 days 3 hours),
 * each delay spread by ±20 % so endpoints that fail together are not retried
 * together. A `Retry-After` the endpoint sends is honoured: the next attempt
 * waits at least that long (at most 24 h).
 */

/** The waits after attempts 1, 2, … 9, in seconds; after the 10th attempt fails, the delivery has failed. */
export const RETRY_DELAYS_SECONDS: readonly number[] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];

/** The longest wait a Retry-After can ask for. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** How long a run of failures may last before the endpoint is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;

/** The spread around each delay (±20 %). */
const JITTER = 0.2;

/**
 * The wait before the next attempt after `attemptsMade` attempts failed, or
 * null when there is none left. `random` is in [0, 1).
 */
export function nextAttemptDelayMs(attemptsMade: number, retryAfterMs: number | null, random: () => number): number | null {
  const base = RETRY_DELAYS_SECONDS[attemptsMade - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * 1000 * (1 - JITTER + 2 * JITTER * random()));
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** A `Retry-After` header (delay-seconds or an HTTP date) as a wait in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date): number | null {
  if (header === undefined) return null;
  const text = header.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** Whether an endpoint failing since `failingSince` has failed long enough to be disabled. */
export function failedTooLong(failingSince: Date, now: Date): boolean {
  return now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS;
}
