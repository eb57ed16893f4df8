import { addDays, isoDay } from '../../core/dates';

/** How a metric's time series is cut. */
export enum Bucket {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}

/** The first day clm can hold (nothing happens before it, so a window before it holds nothing). */
export const EARLIEST_DAY = new Date('0001-01-01T00:00:00Z');

/** `window` without the days before EARLIEST_DAY (which hold nothing, and which PostgreSQL cannot be sent as we write days). */
export function storableWindow(window: DayWindow): DayWindow {
  const clamp = (day: Date) => (day < EARLIEST_DAY ? EARLIEST_DAY : day);
  return { key: window.key, from: clamp(window.from), until: clamp(window.until) };
}

/** A stretch of whole UTC days: `from` inclusive, `until` exclusive. */
export type DayWindow = { key: string; from: Date; until: Date };

/** A metrics query's windows: the range, the previous period of equal length, and the buckets of the series. */
export type MetricWindows = { range: DayWindow; previous: DayWindow; buckets: DayWindow[] };

/** The start of the bucket holding `day`: itself, the Monday of its ISO week, or the first of its month. */
export function bucketStart(day: Date, bucket: Bucket): Date {
  switch (bucket) {
    case Bucket.DAY:
      return day;
    case Bucket.WEEK:
      return addDays(day, -((day.getUTCDay() + 6) % 7));
    case Bucket.MONTH: {
      const start = new Date(day.getTime());
      start.setUTCDate(1);
      return start;
    }
  }
}

function nextBucket(start: Date, bucket: Bucket): Date {
  switch (bucket) {
    case Bucket.DAY:
      return addDays(start, 1);
    case Bucket.WEEK:
      return addDays(start, 7);
    case Bucket.MONTH: {
      const next = new Date(start.getTime());
      next.setUTCMonth(next.getUTCMonth() + 1);
      return next;
    }
  }
}

/**
 * The windows of a range of days `from`..`to` (both included). Buckets are
 * calendar days, ISO weeks (Monday first) or calendar months, cut to the
 * range: the first and last may be partial. Each bucket's key is its
 * calendar start (YYYY-MM-DD).
 */
export function metricWindows(from: Date, to: Date, bucket: Bucket): MetricWindows {
  const until = addDays(to, 1);
  const days = Math.round((until.getTime() - from.getTime()) / 86_400_000);
  const buckets: DayWindow[] = [];
  for (let start = bucketStart(from, bucket); start < until; start = nextBucket(start, bucket)) {
    const end = nextBucket(start, bucket);
    buckets.push({ key: isoDay(start), from: start < from ? from : start, until: end > until ? until : end });
  }
  return {
    range: { key: 'range', from, until },
    previous: { key: 'previous', from: addDays(from, -days), until: from },
    buckets,
  };
}
