import { AT_RISK, CHURNED } from '@clm/schema';
import { addDays, isoDay } from '../../../core/dates';
import { sql } from '../../../database/sql';
import type { SqlFragment } from '../../../database/sql';
import type { MetricDefinition } from '../metric-definition';
import { relationsOf } from '../metric-evaluation';
import { runningTotal } from '../metric-parts';
import { ratio } from '../metric-types';
import type { CohortRow, FunnelStep, StageDistributionPoint, StageTime } from '../metric-types';

type FunnelRow = { stage: string; furthest: string; median: number | null };

/**
 * The funnel of the customers who entered the lifecycle in the range.
 *
 * Each stage's median time to reach it is `percentile_cont(0.5)` over the
 * cohort's entries into it, computed without sorting the cohort: the counts
 * per bin of seconds (`entry_bins`, a few hundred rows per cohort day) say
 * which bin holds the two middle ranks, and only that bin's entries are read,
 * in order, for the values at those ranks. The same arithmetic as
 * percentile_cont (the lower value plus half the difference when the ranks
 * differ) gives the same double.
 */
const funnel: MetricDefinition<FunnelStep[]> = {
  family: 'journey',
  description: 'The funnel of the cohort that entered the lifecycle in the range.',
  async compute({ query, rows }) {
    const stages = query.model.stages.map((stage) => stage.key);
    const from = isoDay(query.windows.range.from);
    const until = isoDay(query.windows.range.until);
    const found = await rows<FunnelRow>((sources) => {
      const cohort = (alias: string) =>
        sql`${sql.raw(alias)}.cohort_day >= ${from}::date AND ${sql.raw(alias)}.cohort_day < ${until}::date`;
      /** The entry of rank `rank` (0-based, in seconds order) of the cohort's entries into the stage of `ranks r`. */
      const valueAt = (rank: SqlFragment) => sql`(
        SELECT v.seconds_from_entry
          FROM (SELECT p.bin, p.before FROM placed p WHERE p.stage = r.stage AND p.before <= ${rank} AND ${rank} < p.before + p.n) p
         CROSS JOIN LATERAL (
           SELECT e.seconds_from_entry FROM ${sources.relation('entries')} e
            WHERE e.stage = r.stage AND metric_seconds_bin(e.seconds_from_entry) = p.bin AND ${cohort('e')}
            ORDER BY e.seconds_from_entry OFFSET (${rank} - p.before)::bigint LIMIT 1) v)`;
      return sources.statement(
        sql`SELECT s.stage,
                   (SELECT coalesce(sum(f.customers), 0) FROM ${sources.relation('funnel_daily')} f
                     WHERE ${cohort('f')} AND f.stage = s.stage)::text AS furthest,
                   m.median
              FROM unnest(${stages}::text[]) WITH ORDINALITY s(stage, position)
              LEFT JOIN medians m ON m.stage = s.stage
             ORDER BY s.position`,
        [
          sql`bins AS (SELECT b.stage, b.bin, sum(b.entries) AS n FROM ${sources.relation('entry_bins')} b
                        WHERE ${cohort('b')} AND b.stage = ANY(${stages.slice(1)}::text[]) GROUP BY 1, 2)`,
          sql`placed AS (SELECT stage, bin, n, sum(n) OVER (PARTITION BY stage ORDER BY bin) - n AS before,
                                sum(n) OVER (PARTITION BY stage) AS total FROM bins)`,
          sql`ranks AS (SELECT DISTINCT stage, floor((total - 1) / 2) AS lo, ceil((total - 1) / 2) AS hi FROM placed)`,
          sql`medians AS (SELECT r.stage, l.value + 0.5::float8 * (h.value - l.value) AS median
                            FROM ranks r CROSS JOIN LATERAL (SELECT ${valueAt(sql.raw('r.lo'))} AS value) l
                                         CROSS JOIN LATERAL (SELECT CASE WHEN r.hi = r.lo THEN l.value ELSE ${valueAt(sql.raw('r.hi'))} END AS value) h)`,
        ],
      );
    });
    // Reaching a stage means reaching it or any stage after it (a customer may skip one).
    const reached = found.map((_row, index) => found.slice(index).reduce((sum, row) => sum + Number(row.furthest), 0));
    return found.map((row, index) => ({
      stage: row.stage,
      reached: reached[index],
      conversionFromPrevious: index === 0 ? null : ratio(reached[index], reached[index - 1]),
      medianSecondsToReach: index === 0 ? 0 : row.median,
    }));
  },
  table: (result) => ({
    columns: ['stage', 'reached', 'conversion_from_previous', 'median_seconds_to_reach'],
    rows: result.map((step) => [step.stage, step.reached, step.conversionFromPrevious, step.medianSecondsToReach]),
  }),
};

type StayRow = { stage: string; stays: string; median: number | null; p90: number | null };

/** Time in stage: completed stays that ended in the range, per stage (median and 90th percentile, continuous). */
const timeInStage: MetricDefinition<StageTime[]> = {
  family: 'journey',
  description: 'Time in stage, from the transition log: completed stays that ended in the range.',
  async compute({ query, rows }) {
    const stages = [...query.model.stages.map((stage) => stage.key), AT_RISK, CHURNED];
    const from = isoDay(query.windows.range.from);
    const until = isoDay(query.windows.range.until);
    const found = await rows<StayRow>((sources) =>
      sources.statement(sql`
        SELECT s.stage, count(x.seconds)::text AS stays,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY x.seconds) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY x.seconds) AS p90
          FROM unnest(${stages}::text[]) WITH ORDINALITY s(stage, position)
          LEFT JOIN ${sources.relation('stays')} x ON x.stage = s.stage AND x.day >= ${from}::date AND x.day < ${until}::date
         GROUP BY s.stage, s.position ORDER BY s.position`),
    );
    return found.map((row) => ({ stage: row.stage, stays: Number(row.stays), medianSeconds: row.median, p90Seconds: row.p90 }));
  },
  table: (result) => ({
    columns: ['stage', 'stays', 'median_seconds', 'p90_seconds'],
    rows: result.map((row) => [row.stage, row.stays, row.medianSeconds, row.p90Seconds]),
  }),
};

type StageCountRow = { key: string; stage: string; customers: string };

/** Customers per stage at the end of each bucket. */
const stageDistribution: MetricDefinition<StageDistributionPoint[]> = {
  family: 'journey',
  description: 'Customers per stage at the end of each bucket.',
  async compute({ query, rows }) {
    const stages = [...query.model.stages.map((stage) => stage.key), AT_RISK, CHURNED];
    const { buckets } = query.windows;
    const found = await rows<StageCountRow>((sources) =>
      sources.statement(sql`
        SELECT b.key, s.stage,
               coalesce(${runningTotal(relationsOf(sources), 'stage', sql.raw('s.stage'), sql.raw('b.hi'))}, 0)::text AS customers
          FROM unnest(${buckets.map((bucket) => bucket.key)}::text[], ${buckets.map((bucket) => isoDay(bucket.until))}::date[]) b(key, hi)
         CROSS JOIN unnest(${stages}::text[]) WITH ORDINALITY s(stage, position)
         ORDER BY b.hi, s.position`),
    );
    return buckets.map((bucket) => ({
      bucket: bucket.key,
      at: isoDay(bucket.until),
      stages: found.filter((row) => row.key === bucket.key).map((row) => ({ stage: row.stage, customers: Number(row.customers) })),
    }));
  },
  table: (result) => ({
    columns: ['bucket', 'stage', 'customers'],
    rows: result.flatMap((point) => point.stages.map((stage) => [point.bucket, stage.stage, stage.customers])),
  }),
};

type CohortActivityRow = { cohort: string; month_offset: number | null; active: string; size: string };

/**
 * Cohort retention: customers acquired in each month of the range, and for
 * each month from their acquisition month to the range's end, the share of
 * them with any touchpoint in that month.
 */
const cohortRetention: MetricDefinition<CohortRow[]> = {
  family: 'journey',
  description: 'Cohort retention by acquisition month: the share of each cohort active in each later month.',
  async compute({ query, rows }) {
    const from = isoDay(query.windows.range.from);
    const until = isoDay(query.windows.range.until);
    const found = await rows<CohortActivityRow>((sources) => {
      const credited: SqlFragment[] = [];
      if (query.filter.channel) credited.push(sql`x.channel = ${query.filter.channel}`);
      if (query.filter.campaign) credited.push(sql`x.campaign = ${query.filter.campaign}`);
      return sources.statement(
        sql`SELECT to_char(s.cohort, 'YYYY-MM') AS cohort,
              ((extract(year FROM a.month) - extract(year FROM s.cohort)) * 12 + extract(month FROM a.month) - extract(month FROM s.cohort))::int AS month_offset,
              coalesce(a.active, 0)::text AS active, s.size::text AS size
         FROM sizes s LEFT JOIN activity a ON a.cohort = s.cohort
        ORDER BY s.cohort, month_offset`,
        [
          sql`cohort AS (
         SELECT x.customer_id, date_trunc('month', x.acquired_at AT TIME ZONE 'UTC')::date AS cohort
           FROM (${sources.creditedCustomers()}) x
          WHERE x.acquired_at >= (${from}::date::timestamp AT TIME ZONE 'UTC') AND x.acquired_at < (${until}::date::timestamp AT TIME ZONE 'UTC')
            AND ${credited.length === 0 ? sql`true` : sql.join(credited, ' AND ')})`,
          sql`sizes AS (SELECT cohort, count(*) AS size FROM cohort GROUP BY cohort)`,
          sql`activity AS (
         SELECT c.cohort, date_trunc('month', d.day)::date AS month, count(DISTINCT c.customer_id) AS active
           FROM cohort c JOIN metric_activity_days d ON d.kind = 'active' AND d.customer_id = c.customer_id
                                                   AND d.day >= c.cohort AND d.day < ${until}::date
          GROUP BY 1, 2)`,
        ],
      );
    });
    const lastDay = addDays(query.windows.range.until, -1);
    const cohorts = new Map<string, CohortRow>();
    for (const row of found) {
      let cohort = cohorts.get(row.cohort);
      if (!cohort) {
        const [year, month] = row.cohort.split('-').map(Number);
        // Months from the cohort's month to the range's last month, both included.
        const months = (lastDay.getUTCFullYear() - year) * 12 + (lastDay.getUTCMonth() + 1 - month) + 1;
        cohort = { cohort: row.cohort, customers: Number(row.size), retention: Array.from({ length: Math.max(1, months) }, () => 0) };
        cohorts.set(row.cohort, cohort);
      }
      if (row.month_offset !== null && row.month_offset < cohort.retention.length)
        cohort.retention[row.month_offset] = ratio(Number(row.active), cohort.customers);
    }
    return [...cohorts.values()];
  },
  table: (result) => {
    const months = Math.max(0, ...result.map((cohort) => cohort.retention.length));
    return {
      columns: ['cohort', 'customers', ...Array.from({ length: months }, (_, month) => `month_${month}`)],
      rows: result.map((cohort) => [
        cohort.cohort,
        cohort.customers,
        ...Array.from({ length: months }, (_, month) => cohort.retention[month] ?? null),
      ]),
    };
  },
};

/** The whole journey: funnel, time in stage, stage distribution over time, cohort retention. */
export const journey = { funnel, timeInStage, stageDistribution, cohortRetention };
