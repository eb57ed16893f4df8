const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 15_000;

/** Exponential backoff with jitter, so many dashboards do not reconnect in step. */
export function retryDelay(attempt: number): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
