import type { MetricBucket } from '../gql/graphql';
import type { DayRange } from './range';

/*
 * What the metrics page's query costs the API (its price; see README → Cost
 * limits and apps/api/src/modules/metrics/metric-cost.ts, whose formula this
 * follows), so the page does not offer a bucket the API refuses with
 * COST_LIMIT_EXCEEDED: a year by day, or a year by week with a segment.
 *
 *   price = metrics × per metric × filters × 2 (the page compares to the previous period)
 *   per metric = ⌈days ÷ 10⌉ + 4 × buckets, or with a segment 2 × days + buckets
 *   filters = 1, + 1 with a channel, + 1 with a campaign
 */

/** The server's default cost limit (CLM_MAX_COST); a key or server with another one is told by the API's refusal. */
export const DEFAULT_COST_LIMIT = 10_000;
/**
 * What the page's query costs besides the metrics' price: 1 per other field
 * (the series' fields, the funnel's, the lifecycle model's stage names). The
 * API's cost of the page's query less the price, as its refusals report it
 * (a year by day: `extensions.cost` 33,016 for a price of 32,934).
 */
export const PAGE_FIELDS_COST = 82;
/** The metrics the page asks for: its ten KPIs and the funnel. */
export const PAGE_METRICS = 11;

/** From the finest to the coarsest. */
export const BUCKET_ORDER: readonly MetricBucket[] = ['DAY', 'WEEK', 'MONTH'];

export type MetricsFilterShape = { segment: boolean; channel: boolean; campaign: boolean };

const DAY_MS = 86_400_000;

function epochDay(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

/** Buckets of `range` cut by `bucket`, as the API cuts them (weeks are ISO weeks, months calendar months). */
export function bucketCount(range: DayRange, bucket: MetricBucket): number {
  const first = epochDay(range.from);
  const last = epochDay(range.to);
  if (bucket === 'WEEK') return Math.floor((last + 3) / 7) - Math.floor((first + 3) / 7) + 1;
  if (bucket === 'MONTH') {
    const month = (day: number) => {
      const date = new Date(day * DAY_MS);
      return date.getUTCFullYear() * 12 + date.getUTCMonth();
    };
    return month(last) - month(first) + 1;
  }
  return last - first + 1;
}

/** The price of the page's metrics over `range` by `bucket` with these filters. */
export function metricsPagePrice(range: DayRange, bucket: MetricBucket, filter: MetricsFilterShape): number {
  const days = epochDay(range.to) - epochDay(range.from) + 1;
  const buckets = bucketCount(range, bucket);
  const perMetric = filter.segment ? 2 * days + buckets : Math.ceil(days / 10) + 4 * buckets;
  const filters = 1 + (filter.channel ? 1 : 0) + (filter.campaign ? 1 : 0);
  return PAGE_METRICS * perMetric * filters * 2;
}

export type BucketChoice = {
  /** The bucket to ask for: the one asked for, or the finest coarser one the API takes; null: the API takes none. */
  bucket: MetricBucket | null;
  /** Why each bucket the API would refuse is not offered, by bucket. */
  refused: Partial<Record<MetricBucket, string>>;
  /** Said when `bucket` is not the one asked for. */
  note: string | null;
};

/**
 * The bucket to show `range` by: `requested` when the API takes it, else the
 * finest coarser bucket it takes (with a note saying why), else none (the
 * note says to pick a shorter range: a year with a segment costs more than
 * the limit even by month).
 */
export function chooseBucket(
  range: DayRange,
  requested: MetricBucket,
  filter: MetricsFilterShape,
  limit: number = DEFAULT_COST_LIMIT,
): BucketChoice {
  const refused: Partial<Record<MetricBucket, string>> = {};
  for (const bucket of BUCKET_ORDER) {
    const cost = metricsPagePrice(range, bucket, filter) + PAGE_FIELDS_COST;
    if (cost > limit)
      refused[bucket] =
        `costs ${cost.toLocaleString('en-US')} over this range${filter.segment ? ' with a segment' : ''}, above the API's limit of ${limit.toLocaleString('en-US')}`;
  }
  if (refused[requested] === undefined) return { bucket: requested, refused, note: null };
  const coarser = BUCKET_ORDER.slice(BUCKET_ORDER.indexOf(requested) + 1).find((bucket) => refused[bucket] === undefined);
  if (coarser === undefined)
    return {
      bucket: null,
      refused,
      note: `Not shown: by ${requested.toLowerCase()} ${refused[requested]}, and so does every coarser bucket. Pick a shorter range${filter.segment ? ' or no segment' : ''}.`,
    };
  return {
    bucket: coarser,
    refused,
    note: `Shown by ${coarser.toLowerCase()}: by ${requested.toLowerCase()} ${refused[requested]}.`,
  };
}
