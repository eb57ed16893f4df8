import { CAMPAIGN_SPEND_TABLE, CAMPAIGNS_TABLE } from '../campaigns';
import type { LifecycleModel } from '@clm/schema';
import { AT_RISK } from '@clm/schema';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { MetricContext, Parts, PartsSql, Relations } from './metric-evaluation';
import { Attribution } from './metric-sources';
import type { MetricSeries, MetricsQuery } from './metric-types';
import { relativeChange } from './metric-types';
import { PURCHASE } from './vocabulary';

/*
 * The building blocks of the metrics' SQL: each one value per window `w`
 * (`w.lo` its first day, `w.hi` the day after its last), over the relations
 * `on` resolves.
 */

/** The window's first day and the day after its last. */
export const LO = sql.raw('w.lo');
export const HI = sql.raw('w.hi');

/** Sum of a tp_daily column for `types` over the window (from `lower`, or from the beginning when null), filtered by the touchpoint's channel and campaign. */
export function touchpointSum(
  on: Relations,
  query: MetricsQuery,
  types: readonly string[],
  column: 'touchpoints' | 'value_sum',
  lower: SqlFragment | null,
): SqlFragment {
  if (lower && column === 'value_sum' && types.length === 1 && types[0] === PURCHASE && !query.filter.channel && !query.filter.campaign)
    return sql`(${totalAt(on, 'sales', HI)} - ${totalAt(on, 'sales', lower)})`;
  const conditions = [sql`x.type = ANY(${types}::text[])`, sql`x.day < w.hi`];
  if (lower) conditions.push(sql`x.day >= ${lower}`);
  if (query.filter.channel) conditions.push(sql`x.channel = ${query.filter.channel}`);
  if (query.filter.campaign) conditions.push(sql`x.campaign = ${query.filter.campaign}`);
  return sql`(SELECT coalesce(sum(x.${sql.raw(column)}), 0) FROM ${on('tp_daily')} x WHERE ${sql.join(conditions, ' AND ')})`;
}

/** Customers acquired in the window (from `lower`, or ever when null), credited by the query's attribution. */
export function acquired(on: Relations, query: MetricsQuery, lower: SqlFragment | null): SqlFragment {
  // Whatever the attribution, a difference of running totals (a channel or campaign is a column of the daily rows only).
  if (!query.filter.channel && !query.filter.campaign)
    return lower ? sql`(${totalAt(on, 'acquired', HI)} - ${totalAt(on, 'acquired', lower)})` : totalAt(on, 'acquired', HI);
  const first = query.attribution === Attribution.FIRST_TOUCH;
  const conditions = [sql`x.day < w.hi`];
  if (lower) conditions.push(sql`x.day >= ${lower}`);
  if (query.filter.channel) conditions.push(sql`x.${sql.raw(first ? 'first_channel' : 'channel')} = ${query.filter.channel}`);
  if (query.filter.campaign) conditions.push(sql`x.${sql.raw(first ? 'first_campaign' : 'campaign')} = ${query.filter.campaign}`);
  return sql`(SELECT coalesce(sum(x.customers), 0) FROM ${on('acq_daily')} x WHERE ${sql.join(conditions, ' AND ')})`;
}

/**
 * Distinct customers with activity of `kind` in the window: over its days, those whose previous active day is before
 * it. From the projection's table, one row per day (the running sum over prev_day up to the window's first day); a
 * relation computed for the statement has no index to find that row by, and is summed whole.
 */
export function distinct(
  on: Relations,
  kind: 'active' | 'visit' | 'engaged' | 'referral',
  relation: 'gaps' | 'customer_gaps' = 'gaps',
): SqlFragment {
  const named = sql.raw(`'${kind}'`);
  if (on.projected(relation)) {
    return sql`(SELECT coalesce(sum(u.upto), 0) FROM generate_series(0, w.hi - w.lo - 1) i
                 CROSS JOIN LATERAL (SELECT g.customers_upto AS upto FROM ${on(relation)} g
                                      WHERE g.kind = ${named} AND g.day = w.lo + i AND g.prev_day < w.lo
                                      ORDER BY g.prev_day DESC LIMIT 1) u)`;
  }
  return sql`(SELECT coalesce(sum(g.customers), 0) FROM ${on(relation)} g
               WHERE g.kind = ${named} AND g.day >= w.lo AND g.day < w.hi AND g.prev_day < w.lo)`;
}

/** Customer-days with activity of `kind` in the window: per day, the running sum of its last gap row when projected. */
export function activeDays(on: Relations, kind: 'active'): SqlFragment {
  const named = sql.raw(`'${kind}'`);
  if (on.projected('gaps')) {
    return sql`(SELECT coalesce(sum(u.upto), 0) FROM generate_series(0, w.hi - w.lo - 1) i
                 CROSS JOIN LATERAL (SELECT g.customers_upto AS upto FROM ${on('gaps')} g
                                      WHERE g.kind = ${named} AND g.day = w.lo + i ORDER BY g.prev_day DESC LIMIT 1) u)`;
  }
  return sql`(SELECT coalesce(sum(g.customers), 0) FROM ${on('gaps')} g WHERE g.kind = ${named} AND g.day >= w.lo AND g.day < w.hi)`;
}

/** A running total (running-totals.sql.ts) at the start of day `at`: its value at the end of the last day before. */
export function runningTotal(on: Relations, measure: 'stage' | 'acquired' | 'sales', key: SqlFragment, at: SqlFragment): SqlFragment {
  return sql`(SELECT r.total FROM ${on(`${measure}_totals`)} r
               WHERE r.measure = ${sql.raw(`'${measure}'`)} AND r.key = ${key} AND r.day < ${at} ORDER BY r.day DESC LIMIT 1)`;
}

/** A running total with no key at the start of day `at` (0 before its first day). */
function totalAt(on: Relations, measure: 'acquired' | 'sales', at: SqlFragment): SqlFragment {
  return sql`coalesce(${runningTotal(on, measure, sql.raw(`''`), at)}, 0)`;
}

/** Customers holding one of `stages` at the start of day `at`. */
export function holding(on: Relations, stages: readonly string[], at: SqlFragment): SqlFragment {
  return sql`(SELECT coalesce(sum(${runningTotal(on, 'stage', sql.raw('s.stage'), at)}), 0) FROM unnest(${stages}::text[]) s(stage))`;
}

/** Spend of the campaigns in the filter (all campaigns when none) in the window. */
export function spend(query: MetricsQuery): SqlFragment {
  const conditions = [sql`s.day >= w.lo`, sql`s.day < w.hi`];
  if (query.filter.campaign) conditions.push(sql`s.campaign_key = ${query.filter.campaign}`);
  if (query.filter.channel)
    conditions.push(sql`s.campaign_key IN (SELECT c.key FROM ${sql.raw(CAMPAIGNS_TABLE)} c WHERE c.channel = ${query.filter.channel})`);
  return sql`(SELECT coalesce(sum(s.amount), 0) FROM ${sql.raw(CAMPAIGN_SPEND_TABLE)} s WHERE ${sql.join(conditions, ' AND ')})`;
}

/** Funnel stages from the acquired one on, and at-risk: the stages of a customer (a churned one is lost). */
export function customerStages(model: LifecycleModel): string[] {
  const funnel = model.stages.map((stage) => stage.key);
  return [...funnel.slice(Math.max(0, funnel.indexOf(model.acquiredStage))), AT_RISK];
}

/** The range, the previous period when asked, and every bucket: a series' windows. */
export function seriesWindows(query: MetricsQuery) {
  return [query.windows.range, ...(query.compareToPrevious ? [query.windows.previous] : []), ...query.windows.buckets];
}

/** A metric series from its parts: the total over the range, the previous period when asked, the change, and a value per bucket. */
export async function series(context: MetricContext, parts: PartsSql, value: (parts: Parts) => number | null): Promise<MetricSeries> {
  const { query } = context;
  const [range, ...rest] = await context.evaluate(seriesWindows(query), parts);
  const previous = query.compareToPrevious ? rest.shift() : undefined;
  const total = value(range);
  const previousValue = previous === undefined ? null : value(previous);
  return {
    total,
    previous: previousValue,
    change: relativeChange(total, previousValue),
    series: query.windows.buckets.map((bucket, index) => ({ bucket: bucket.key, value: value(rest[index]) })),
  };
}
