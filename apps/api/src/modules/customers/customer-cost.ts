import { isRecord } from '../../core/field-cost';
import type { FieldCostInput } from '../../core/field-cost';

/**
 * What a day of a metric filter's range costs: the customers behind a
 * number are computed from the base tables (transitions, touchpoints) over
 * the range, as a metrics request with a segment filter is, at the same
 * price per day (the metrics module's `segmentPerDay`).
 */
export const MEMBERSHIP_COST_PER_DAY = 2;

/** The longest range priced; the filter refuses longer ones before reading anything. */
const MAX_DAYS = 3660;

/**
 * The price of the `customers` field: nothing of its own (an ordinary
 * connection) unless it asks for the customers behind a metric, then 1 plus
 * each day of the range, doubled by each of a channel, campaign or segment
 * narrowing it. Such a list is expensive work, under the same limits as the
 * metrics.
 */
export function customersFieldCost({ args }: FieldCostInput): number {
  const filter = isRecord(args.filter) ? args.filter : null;
  const metric = filter !== null && isRecord(filter.metric) ? filter.metric : null;
  if (metric === null) return 0;
  const narrowing = ['channel', 'campaign', 'segment'].filter((name) => metric[name] !== undefined && metric[name] !== null).length;
  return 1 + MEMBERSHIP_COST_PER_DAY * rangeDays(metric.from, metric.to) * (1 + narrowing);
}

/** Days from `from` to `to` (YYYY-MM-DD, both included); 1 for anything the filter will refuse. */
function rangeDays(from: unknown, to: unknown): number {
  const day = (value: unknown) =>
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !value.startsWith('0000')
      ? Date.parse(`${value}T00:00:00Z`) / 86_400_000
      : Number.NaN;
  const days = day(to) - day(from) + 1;
  return Number.isFinite(days) && days >= 1 && days <= MAX_DAYS ? Math.round(days) : 1;
}
