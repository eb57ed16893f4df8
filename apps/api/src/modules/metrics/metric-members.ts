import { isoDay } from '../../core/dates';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import { sourcesOf } from './metric-evaluation';
import type { MetricsQuery } from './metric-types';

/*
 * The customers behind a number: for each metric that counts customers, the
 * `customer_id`s it counts over the query's range and filter. Each is written
 * over the same per-customer rows the metric's relation aggregates
 * (metric-sources.ts), with the same window bounds, so that the count of a
 * member list is the metric's total:
 *
 *   NEW_CUSTOMERS    newCustomers.total        acquired in [from, until), credited by the attribution
 *   ACTIVE_CUSTOMERS activeCustomers.total     a touchpoint (of the channel, campaign) on a day in [from, until)
 *   FUNNEL_REACHED   funnel[stage].reached     entered in [from, until), furthest stage at or after `stage`
 *   FUNNEL_DROPPED   reached − next reached    entered in [from, until), furthest stage exactly `stage`
 *   COHORT           cohortRetention cell      acquired in the month `cohort` within the range; with `month`,
 *                                              active in that month after it (before `until`)
 *   FLOW             a flow of stageOverview   moved from `fromStage` ('' = entered) to `stage` in [from, until); a customer
 *                                              who made the same move twice is one member of a flow of 2 moves
 */

/** A validated membership: the funnel stage or the cohort cell where the kind needs one. */
export type MembershipRequest =
  | { membership: 'NEW_CUSTOMERS' | 'ACTIVE_CUSTOMERS' }
  | { membership: 'FUNNEL_REACHED' | 'FUNNEL_DROPPED'; stage: string }
  | { membership: 'COHORT'; cohort: string; month: number | null }
  | { membership: 'FLOW'; fromStage: string; stage: string };

/** An instant bound: the start of UTC day `day`. */
const dayStart = (day: string) => sql`(${day}::date::timestamp AT TIME ZONE 'UTC')`;

/** The `customer_id`s `request` counts for `query` (a statement usable as `c.id IN (…)`). */
export function membersSql(query: MetricsQuery, request: MembershipRequest): SqlFragment {
  const sources = sourcesOf(query);
  const from = isoDay(query.windows.range.from);
  const until = isoDay(query.windows.range.until);
  const credited: SqlFragment[] = [];
  if (query.filter.channel) credited.push(sql`x.channel = ${query.filter.channel}`);
  if (query.filter.campaign) credited.push(sql`x.campaign = ${query.filter.campaign}`);
  const acquiredIn = (lo: SqlFragment, hi: SqlFragment) =>
    sql`SELECT x.customer_id FROM (${sources.creditedCustomers()}) x
         WHERE x.acquired_at >= ${lo} AND x.acquired_at < ${hi}${credited.length === 0 ? sql`` : sql` AND ${sql.join(credited, ' AND ')}`}`;

  switch (request.membership) {
    case 'NEW_CUSTOMERS':
      return sources.statement(acquiredIn(dayStart(from), dayStart(until)));
    case 'ACTIVE_CUSTOMERS':
      return sources.statement(
        sql`SELECT DISTINCT d.customer_id FROM (${sources.touchDays()}) d WHERE d.day >= ${from}::date AND d.day < ${until}::date`,
      );
    case 'FUNNEL_REACHED':
    case 'FUNNEL_DROPPED': {
      const funnel = query.model.stages.map((stage) => stage.key);
      const position = funnel.indexOf(request.stage) + 1;
      const comparison = sql.raw(request.membership === 'FUNNEL_REACHED' ? '>=' : '=');
      return sources.statement(
        sql`SELECT f.customer_id FROM (${sources.furthestStages()}) f
             WHERE f.cohort_day >= ${from}::date AND f.cohort_day < ${until}::date
               AND array_position(${funnel}::text[], f.stage) ${comparison} ${position}::int`,
      );
    }
    case 'FLOW':
      return sources.statement(
        sql`SELECT DISTINCT m.customer_id FROM (${sources.moves()}) m
             WHERE m.from_stage = ${request.fromStage} AND m.to_stage = ${request.stage} AND m.cause <> 'erased'
               AND m.occurred_at >= ${dayStart(from)} AND m.occurred_at < ${dayStart(until)}`,
      );
    case 'COHORT': {
      // The cohort's month, cut to the range as cohortRetention cuts it.
      const month = sql`${`${request.cohort}-01`}::date`;
      const cohort = acquiredIn(
        sql`greatest(${dayStart(from)}, (${month}::timestamp AT TIME ZONE 'UTC'))`,
        sql`least(${dayStart(until)}, ((${month} + interval '1 month') AT TIME ZONE 'UTC'))`,
      );
      if (request.month === null) return sources.statement(cohort);
      const lo = sql`(${month} + make_interval(months => ${request.month}::int))::date`;
      return sources.statement(
        sql`SELECT m.customer_id FROM (${cohort}) m
             WHERE EXISTS (SELECT 1 FROM metric_activity_days d
                            WHERE d.kind = 'active' AND d.customer_id = m.customer_id
                              AND d.day >= ${lo} AND d.day < (${lo} + interval '1 month')::date AND d.day < ${until}::date)`,
      );
    }
  }
}
