import { CHURNED } from '@clm/schema';
import { sql } from '../../../database/sql';
import { seriesMetric } from '../metric-definition';
import { acquired, customerStages, HI, holding, LO, runningTotal } from '../metric-parts';
import { ratio } from '../metric-types';

/** Retention: customer retention rate, churn rate, customer lifetime value, repeat purchases. */
export const retention = {
  /** CRR = (E − N) ÷ S: customers at the end of the window, less those acquired in it, over those at its start. */
  retentionRate: seriesMetric({
    family: 'retention',
    description:
      'Customer retention rate CRR = (E − N) ÷ S: customers (acquired stage or later, or at-risk) at the end (E) and start (S) of the window, N acquired in it.',
    parts: (on, query) => {
      const stages = customerStages(query.model);
      return { start: holding(on, stages, LO), end: holding(on, stages, HI), acquired: acquired(on, query, LO) };
    },
    value: (parts) => ratio(parts.end - parts.acquired, parts.start),
  }),
  /** Churn rate: customers who moved from a customer stage to churned in the window ÷ customers at its start. */
  churnRate: seriesMetric({
    family: 'retention',
    description: 'Churn rate: customers who moved from a customer stage to churned in the window ÷ customers at its start (S).',
    parts: (on, query) => {
      const stages = customerStages(query.model);
      return {
        start: holding(on, stages, LO),
        churned: sql`(SELECT coalesce(sum(x.transitions), 0) FROM ${on('tr_daily')} x
                      WHERE x.day >= w.lo AND x.day < w.hi AND x.to_stage = ${CHURNED} AND x.from_stage = ANY(${stages}::text[]))`,
      };
    },
    value: (parts) => ratio(parts.churned, parts.start),
  }),
  /** Historical CLV: all sales before the end of the window ÷ every customer acquired before its end (with a channel or campaign filter: the sales of the customers acquired through it). */
  historicalClv: seriesMetric({
    family: 'retention',
    description: 'Historical CLV: all sales before the end of the window ÷ customers acquired before its end.',
    parts: (on, query) => ({
      // Those customers' own purchases, through any channel.
      sales: sql`coalesce(${runningTotal(on, 'sales', sql.raw(`''`), HI)}, 0)`,
      acquired: acquired(on, query, null),
    }),
    value: (parts) => ratio(parts.sales, parts.acquired),
  }),
  /** Repeat purchase rate: customers with a second purchase before the end of the window ÷ customers with a first. */
  repeatPurchaseRate: seriesMetric({
    family: 'retention',
    description: 'Repeat purchase rate: customers with a second purchase before the end of the window ÷ customers with a first.',
    parts: (on) => {
      const end = sql`(w.hi::timestamp AT TIME ZONE 'UTC')`;
      return {
        repeat: sql`(SELECT count(*) FROM ${on('purchasers')} x WHERE x.second_purchase_at < ${end})`,
        buyers: sql`(SELECT count(*) FROM ${on('purchasers')} x WHERE x.first_purchase_at < ${end})`,
      };
    },
    value: (parts) => ratio(parts.repeat, parts.buyers),
  }),
};
