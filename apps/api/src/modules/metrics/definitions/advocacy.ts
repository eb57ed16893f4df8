import { sql } from '../../../database/sql';
import type { MetricDefinition } from '../metric-definition';
import { seriesMetric, seriesTable } from '../metric-definition';
import type { Parts } from '../metric-evaluation';
import { distinct, seriesWindows } from '../metric-parts';
import { ratio } from '../metric-types';
import type { NpsResult } from '../metric-types';

/** NPS: 100 × (promoters − detractors) ÷ responses over each customer's latest valid score in the window; change in points. */
const nps: MetricDefinition<NpsResult> = {
  family: 'advocacy',
  description: "NPS from `survey_response` touchpoints (`properties.score` 0–10), each customer's latest score in the window.",
  async compute(context) {
    const { query } = context;
    const [range, ...rest] = await context.evaluate(seriesWindows(query), (on) => {
      const latest = sql`FROM ${on('score_chain')} c WHERE c.kind = 'nps' AND c.day >= w.lo AND c.day < w.hi AND c.next_day >= w.hi`;
      return {
        promoters: sql`(SELECT coalesce(sum(c.customers), 0) ${latest} AND c.score >= 9)`,
        passives: sql`(SELECT coalesce(sum(c.customers), 0) ${latest} AND c.score BETWEEN 7 AND 8)`,
        detractors: sql`(SELECT coalesce(sum(c.customers), 0) ${latest} AND c.score <= 6)`,
      };
    });
    const previous = query.compareToPrevious ? rest.shift() : undefined;
    const responses = (parts: Parts) => parts.promoters + parts.passives + parts.detractors;
    const score = (parts: Parts) => (responses(parts) === 0 ? null : (100 * (parts.promoters - parts.detractors)) / responses(parts));
    const total = score(range);
    const previousScore = previous === undefined ? null : score(previous);
    return {
      total,
      previous: previousScore,
      change: total !== null && previousScore !== null ? total - previousScore : null,
      series: query.windows.buckets.map((bucket, index) => ({ bucket: bucket.key, value: score(rest[index]) })),
      promoters: range.promoters,
      passives: range.passives,
      detractors: range.detractors,
      responses: responses(range),
      previousResponses: previous === undefined ? null : responses(previous),
    };
  },
  table: seriesTable,
};

/** Advocacy / loyalty: Net Promoter Score, referral rate (social shares and mentions are under awareness). */
export const advocacy = {
  nps,
  /** Referral rate: customers who referred someone in the window ÷ customers active in it. */
  referralRate: seriesMetric({
    family: 'advocacy',
    description: 'Referral rate: customers with a `referral` touchpoint in the window ÷ active customers in it.',
    parts: (on) => ({ referrers: distinct(on, 'referral'), active: distinct(on, 'active') }),
    value: (parts) => ratio(parts.referrers, parts.active),
  }),
};
