import { isRecord } from '../../core/field-cost';
import type { FieldCostInput } from '../../core/field-cost';

/*
 * The price of a metrics request, in operation-cost units (see
 * server/operation-limits.ts), from the work it makes the database do:
 * every metric reads the range's days from the daily rollups and cuts them
 * into buckets; a segment filter reads the base tables instead (the rollups
 * have no segment dimension), so every day of the range costs as much as a
 * bucket; a channel or campaign filter narrows the read at a cost, and
 * `compareToPrevious` reads the period before as well. Pure: no I/O, no clock.
 *
 *   price = metrics × per metric × filters × (2 with compareToPrevious)
 *   per metric = ⌈days ÷ daysPerUnit⌉ + bucketWeight × buckets   (from the rollups)
 *              = days × segmentPerDay + buckets                  (with a segment filter)
 *   filters = 1 + channelFilter + campaignFilter
 *
 * Calibrated with bench/ hostile (50,000 customers, 500,000 touchpoints):
 * requests priced just under the default limit of 10,000 ran 0.7–0.9 s
 * alone for monthly buckets and previews, but 4.4 s with 24 metrics over
 * 365 daily buckets and 5.3–16.8 s with a segment filter, when a bucket
 * cost 1 and a segment filter multiplied by 3. From the rollups each bucket
 * is the work of a group for every metric; with a segment filter the cost
 * grows with the days read from the base tables, far less with the buckets
 * (they are cut from one read, not read again per bucket).
 *
 * Invariants: total (any argument values are priced, in bounded time; the
 * service refuses bad ones afterwards), never below 1, and monotone in the
 * range, the number of metrics and the filters.
 */

export const METRIC_COST = {
  /** The rollups' days cost 1 per this many. */
  daysPerUnit: 10,
  /** Each bucket of each metric read from the rollups. */
  bucketWeight: 4,
  /** With a segment filter, each day of the range (read from the base tables) costs this, instead of the rollups' days. */
  segmentPerDay: 2,
  /** A channel filter's factor is 1 + this (added to the others). */
  channelFilter: 1,
  /** A campaign filter's factor is 1 + this (added to the others). */
  campaignFilter: 1,
  /** `compareToPrevious` reads a second period of equal length. */
  compareToPrevious: 2,
  /** The longest range priced (the service refuses longer ones). */
  maxDays: 3660,
} as const;

/** Fields of `Metrics` that are not metrics (they read nothing per day). */
const NOT_METRICS: ReadonlySet<string> = new Set(['from', 'to', 'exactUpTo', '__typename']);

export type MetricsShape = {
  /** Days in the range (both ends included). */
  days: number;
  /** Buckets of each series. */
  buckets: number;
  /** Metrics asked for (each alias counts). */
  metrics: number;
  filter: { segment: boolean; channel: boolean; campaign: boolean };
  compareToPrevious: boolean;
};

/** The price of a metrics request of this shape; at least 1. */
export function metricsPrice(shape: MetricsShape): number {
  const filters = 1 + (shape.filter.channel ? METRIC_COST.channelFilter : 0) + (shape.filter.campaign ? METRIC_COST.campaignFilter : 0);
  const perMetric = shape.filter.segment
    ? shape.days * METRIC_COST.segmentPerDay + shape.buckets
    : Math.ceil(shape.days / METRIC_COST.daysPerUnit) + METRIC_COST.bucketWeight * shape.buckets;
  return Math.max(1, shape.metrics * perMetric * filters * (shape.compareToPrevious ? METRIC_COST.compareToPrevious : 1));
}

/**
 * Days and buckets of the range `from`..`to` (YYYY-MM-DD, both included) cut
 * by `bucket` (DAY, WEEK as ISO weeks, MONTH as calendar months), as the
 * metrics are. A range that is not one (bad days, reversed) counts as one
 * day: the service refuses it before reading anything, naming the field;
 * so does a range longer than `maxDays`, or a day outside the years
 * 0001–9999.
 */
export function rangeShape(from: unknown, to: unknown, bucket: unknown): { days: number; buckets: number } {
  const first = epochDay(from);
  const last = epochDay(to);
  // Longer than the service allows: refused by it before anything is read, with the clearer message (range: at most …).
  if (first === null || last === null || last < first || last - first + 1 > METRIC_COST.maxDays) return { days: 1, buckets: 1 };
  const days = last - first + 1;
  if (bucket === 'WEEK') return { days, buckets: isoWeek(last) - isoWeek(first) + 1 };
  if (bucket === 'MONTH') return { days, buckets: monthIndex(last) - monthIndex(first) + 1 };
  return { days, buckets: days };
}

/** The price of the `metrics` query field: its arguments as sent, one metric per selected metric field. */
export function metricsFieldCost({ args, selections }: FieldCostInput): number {
  const range = isRecord(args.range) ? args.range : {};
  const filter = isRecord(args.filter) ? args.filter : {};
  return metricsPrice({
    ...rangeShape(range.from, range.to, args.bucket),
    metrics: selections.filter((name) => !NOT_METRICS.has(name)).length,
    filter: { segment: present(filter.segment), channel: present(filter.channel), campaign: present(filter.campaign) },
    compareToPrevious: args.compareToPrevious === true,
  });
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Days since 1970-01-01 of a calendar day YYYY-MM-DD, or null. */
function epochDay(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || value.startsWith('0000')) return null;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(time) ? Math.round(time / 86_400_000) : null;
}

/** Weeks since the Monday before 1970-01-01 (a Thursday, day 0): days in one ISO week share it. */
function isoWeek(day: number): number {
  return Math.floor((day + 3) / 7);
}

function monthIndex(day: number): number {
  const date = new Date(day * 86_400_000);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}
