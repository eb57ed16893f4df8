import { failedTooLong, nextAttemptDelayMs, parseRetryAfter, RETRY_DELAYS_SECONDS } from '../retry-schedule';

describe('the retry schedule', () => {
  it("follows the spec's schedule after each failed attempt, then gives up after the tenth", () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) => nextAttemptDelayMs(attempt, null, middle))).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
    ]);
    expect(nextAttemptDelayMs(10, null, middle)).toBeNull();
    // 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 14 h + 20 h + 24 h = 3 days 3 h 35 min 5 s of waiting.
    expect(RETRY_DELAYS_SECONDS.reduce((sum, seconds) => sum + seconds, 0)).toBe(3 * 86_400 + 3 * 3600 + 35 * 60 + 5);
  });

  it('spreads each delay by ±20 %', () => {
    expect(nextAttemptDelayMs(1, null, () => 0)).toBe(4_000);
    expect(nextAttemptDelayMs(1, null, () => 0.999999)).toBe(6_000);
    expect(nextAttemptDelayMs(9, null, () => 0)).toBe(69_120_000);
  });

  it('waits at least what Retry-After asks, at most a day', () => {
    expect(nextAttemptDelayMs(1, 60_000, () => 0.5)).toBe(60_000);
    expect(nextAttemptDelayMs(2, 60_000, () => 0.5)).toBe(300_000);
    expect(nextAttemptDelayMs(1, 7 * 86_400_000, () => 0.5)).toBe(86_400_000);
    expect(nextAttemptDelayMs(10, 60_000, () => 0.5)).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date, and nothing else', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Dec 2026 12:02:30 GMT', now)).toBe(150_000);
    expect(parseRetryAfter('Sun, 06 Dec 2026 11:00:00 GMT', now)).toBe(0);
    for (const header of [undefined, '', '-5', '1.5', 'soon', '99999999999', '2026-12-06T12:02:30Z'])
      expect(parseRetryAfter(header, now)).toBeNull();
  });

  it('disables after five days of failures, not a second before', () => {
    const since = new Date('2026-12-01T00:00:00Z');
    expect(failedTooLong(since, new Date('2026-12-05T23:59:59Z'))).toBe(false);
    expect(failedTooLong(since, new Date('2026-12-06T00:00:00Z'))).toBe(true);
  });
});
