import { AT_RISK } from '@clm/schema';
import { addDays, isoDay } from '../../../core/dates';
import { sql } from '../../../database/sql';
import type { MetricDefinition } from '../metric-definition';
import { seriesMetric, seriesTable } from '../metric-definition';
import { activeDays, distinct, HI, holding, series } from '../metric-parts';
import { ratio } from '../metric-types';
import type { ActiveResult, CsatResult } from '../metric-types';
import type { DayWindow } from '../metric-windows';

/** Active customers with DAU over the range and WAU, MAU over its last 7 and 30 days (both series in one statement). */
const activeCustomers: MetricDefinition<ActiveResult> = {
  family: 'engagement',
  description: 'Active customers: distinct customers with any touchpoint in the window; DAU, WAU, MAU.',
  async compute(context) {
    const range = context.query.windows.range;
    const last = (days: number): DayWindow => ({
      key: `last${days}`,
      from: range.from > addDays(range.until, -days) ? range.from : addDays(range.until, -days),
      until: range.until,
    });
    const [active, [week, month, whole]] = await Promise.all([
      series(
        context,
        (on) => ({ active: distinct(on, 'active') }),
        (parts) => parts.active,
      ),
      context.evaluate([last(7), last(30), range], (on) => ({
        active: distinct(on, 'active'),
        activeDays: activeDays(on, 'active'),
      })),
    ]);
    const days = Math.round((range.until.getTime() - range.from.getTime()) / 86_400_000);
    return { ...active, dau: ratio(whole.activeDays, days), wau: week.active, mau: month.active };
  },
  table: seriesTable,
};

type ScoreRow = { score: number; responses: string };

/** CSAT: the average of every valid feedback score in the window, with the distribution over the range. */
const csat: MetricDefinition<CsatResult> = {
  family: 'engagement',
  description: 'CSAT: the average `properties.score` (1–5) of `feedback` touchpoints, every response counted.',
  async compute(context) {
    const { range } = context.query.windows;
    const [average, scores] = await Promise.all([
      series(
        context,
        (on) => {
          const rows = sql`FROM ${on('scores_daily')} s WHERE s.kind = 'csat' AND s.day >= w.lo AND s.day < w.hi`;
          return {
            responses: sql`(SELECT coalesce(sum(s.responses), 0) ${rows})`,
            points: sql`(SELECT coalesce(sum(s.responses * s.score), 0) ${rows})`,
          };
        },
        (parts) => ratio(parts.points, parts.responses),
      ),
      context.rows<ScoreRow>((sources) =>
        sources.statement(
          sql`SELECT s.score, sum(s.responses)::text AS responses FROM ${sources.relation('scores_daily')} s
               WHERE s.kind = 'csat' AND s.day >= ${isoDay(range.from)}::date AND s.day < ${isoDay(range.until)}::date
               GROUP BY s.score ORDER BY s.score`,
        ),
      ),
    ]);
    const distribution = scores.map((row) => ({ score: row.score, responses: Number(row.responses) }));
    return { ...average, responses: distribution.reduce((sum, row) => sum + row.responses, 0), distribution };
  },
  table: seriesTable,
};

/** Engagement: engagement rate, active customers (daily/weekly/monthly), feedback scores. */
export const engagement = {
  /** Engagement rate: customers with an engagement touchpoint in the window ÷ customers in the lifecycle (any stage but churned) at its end. */
  engagementRate: seriesMetric({
    family: 'engagement',
    description:
      'Engagement rate: customers with an engagement touchpoint in the window ÷ customers in the lifecycle (any stage but churned) at its end.',
    // Both sides are customers: with a channel or campaign filter, those acquired through it.
    parts: (on, query) => ({
      engaged: distinct(on, 'engaged', 'customer_gaps'),
      lifecycle: holding(on, [...query.model.stages.map((stage) => stage.key), AT_RISK], HI),
    }),
    value: (parts) => ratio(parts.engaged, parts.lifecycle),
  }),
  activeCustomers,
  csat,
};
