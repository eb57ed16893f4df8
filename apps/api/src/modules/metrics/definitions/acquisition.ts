import { addDays } from '../../../core/dates';
import { sql } from '../../../database/sql';
import { seriesMetric, seriesTable } from '../metric-definition';
import type { MetricDefinition } from '../metric-definition';
import { acquired, LO, spend, touchpointSum } from '../metric-parts';
import { ratio, relativeChange } from '../metric-types';
import type { CurrencySales, MetricSeries } from '../metric-types';
import { isoDay } from '../../../core/dates';
import { storableWindow } from '../metric-windows';
import type { DayWindow } from '../metric-windows';
import { PURCHASE } from '../vocabulary';

/** The period of `window`'s length just before it. */
function previousOf(window: DayWindow): DayWindow {
  const days = Math.round((window.until.getTime() - window.from.getTime()) / 86_400_000);
  return { key: 'previous', from: addDays(window.from, -days), until: window.from };
}

/** Sales growth: (sales − sales of the previous period of equal length) ÷ sales of that period; each bucket against the period of its length just before it. */
const salesGrowth: MetricDefinition<MetricSeries> = {
  family: 'acquisition',
  description:
    'Sales growth: (sales − sales of the previous period of equal length) ÷ sales of that period; each bucket against the period before it.',
  async compute(context) {
    const { range, previous, buckets } = context.query.windows;
    // A period before year 1 holds no sales: cut to 0001-01-01, it is the same window for the sum.
    const windows = [range, previous, ...buckets.flatMap((bucket) => [bucket, previousOf(bucket)])].map(storableWindow);
    const [rangeSales, previousSales, ...bucketSales] = await context.evaluate(windows, (on, query) => ({
      sales: touchpointSum(on, query, [PURCHASE], 'value_sum', LO),
    }));
    return {
      total: relativeChange(rangeSales.sales, previousSales.sales),
      previous: null,
      change: null,
      series: buckets.map((bucket, index) => ({
        bucket: bucket.key,
        value: relativeChange(bucketSales[2 * index].sales, bucketSales[2 * index + 1].sales),
      })),
    };
  },
  table: seriesTable,
};

type CurrencyRow = { currency: string; purchases: string; amount: string };

/** Sales per currency: what `sales` adds up, kept apart by the `currency` each purchase was sent with (clm never converts). */
const salesByCurrency: MetricDefinition<CurrencySales[]> = {
  family: 'acquisition',
  description:
    'Sales by currency: for each `currency` of the `purchase` touchpoints in the range (empty: none sent), the purchases and the sum of their `value`. Amounts are never converted; `sales` adds them all up as sent.',
  async compute({ query, rows }) {
    const from = isoDay(query.windows.range.from);
    const until = isoDay(query.windows.range.until);
    const found = await rows<CurrencyRow>((sources) =>
      sources.statement(sql`
        SELECT coalesce(p.currency, '') AS currency, count(*)::text AS purchases, coalesce(sum(p.value), 0)::text AS amount
          FROM (${sources.purchases(from, until)}) p
         GROUP BY 1 ORDER BY 1`),
    );
    return found.map((row) => ({ currency: row.currency, purchases: Number(row.purchases), amount: Number(row.amount) }));
  },
  table: (result) => ({
    columns: ['currency', 'purchases', 'amount'],
    rows: result.map((row) => [row.currency, row.purchases, row.amount]),
  }),
};

/** Acquisition / conversion / purchase: new customers, conversion, cost per acquisition, sales and their growth. */
export const acquisition = {
  newCustomers: seriesMetric({
    family: 'acquisition',
    description: "New customers: customers who first entered the model's acquired stage in the window.",
    parts: (on, query) => ({ acquired: acquired(on, query, LO) }),
    value: (parts) => parts.acquired,
  }),
  /** Conversion: of the customers who entered the lifecycle in the window, the share that has reached the acquired stage (or beyond). */
  conversionRate: seriesMetric({
    family: 'acquisition',
    description:
      'Conversion rate: of the customers who entered the lifecycle in the window, the share that has reached the acquired stage or beyond.',
    parts: (on, query) => {
      const funnel = query.model.stages.map((stage) => stage.key);
      const reachedFrom = funnel.indexOf(query.model.acquiredStage) + 1;
      const cohort = sql`FROM ${on('funnel_daily')} f WHERE f.cohort_day >= w.lo AND f.cohort_day < w.hi`;
      return {
        converted: sql`(SELECT coalesce(sum(f.customers), 0) ${cohort} AND array_position(${funnel}::text[], f.stage) >= ${reachedFrom}::int)`,
        cohort: sql`(SELECT coalesce(sum(f.customers), 0) ${cohort})`,
      };
    },
    value: (parts) => ratio(parts.converted, parts.cohort),
  }),
  /** CAC: spend in the window ÷ new customers in the window. */
  cac: seriesMetric({
    family: 'acquisition',
    description: 'CAC (cost per acquisition): campaign spend in the window ÷ new customers in the window.',
    parts: (on, query) => ({ spend: spend(query), acquired: acquired(on, query, LO) }),
    value: (parts) => ratio(parts.spend, parts.acquired),
  }),
  sales: seriesMetric({
    family: 'acquisition',
    description: 'Sales: the sum of `value` of `purchase` touchpoints.',
    parts: (on, query) => ({ sales: touchpointSum(on, query, [PURCHASE], 'value_sum', LO) }),
    value: (parts) => parts.sales,
  }),
  salesGrowth,
  salesByCurrency,
};
