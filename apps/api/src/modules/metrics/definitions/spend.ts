import { CAMPAIGN_SPEND_TABLE, CAMPAIGNS_TABLE } from '../../campaigns';
import { TOUCHPOINTS_TABLE } from '../../touchpoints';
import { isoDay } from '../../../core/dates';
import { sql } from '../../../database/sql';
import type { MetricDefinition } from '../metric-definition';
import { Attribution } from '../metric-sources';
import { ratio } from '../metric-types';
import type { CampaignResult, ChannelResult } from '../metric-types';
import { PURCHASE } from '../vocabulary';

type CampaignRow = { campaign: string; channel: string | null; spend: string; acquired: string; revenue: string };

/** Per campaign with spend or new customers in the range: spend, new customers, CAC, attributed revenue and ROI. */
const campaigns: MetricDefinition<CampaignResult[]> = {
  family: 'spend',
  description: 'Per campaign: spend, new customers, CAC, attributed revenue and ROI = (revenue − spend) ÷ spend.',
  async compute({ query, rows }) {
    const from = isoDay(query.windows.range.from);
    const until = isoDay(query.windows.range.until);
    const campaignColumn = sql.raw(query.attribution === Attribution.FIRST_TOUCH ? 'first_campaign' : 'campaign');
    const found = await rows<CampaignRow>((sources) => {
      const body = sql`
       SELECT k.campaign, c.channel, coalesce(s.spend, 0)::text AS spend, coalesce(a.acquired, 0)::text AS acquired,
              coalesce(r.revenue, 0)::text AS revenue
         FROM keys k LEFT JOIN ${sql.raw(CAMPAIGNS_TABLE)} c ON c.key = k.campaign LEFT JOIN spend s ON s.campaign = k.campaign
         LEFT JOIN acquired a ON a.campaign = k.campaign LEFT JOIN revenue r ON r.campaign = k.campaign
        ORDER BY k.campaign`;
      return sources.statement(body, [
        sql`spend AS (
         SELECT s.campaign_key AS campaign, sum(s.amount) AS spend FROM ${sql.raw(CAMPAIGN_SPEND_TABLE)} s
          WHERE s.day >= ${from}::date AND s.day < ${until}::date GROUP BY 1)`,
        sql`acquired AS (
         SELECT x.${campaignColumn} AS campaign, sum(x.customers) AS acquired FROM ${sources.relation('acq_credited')} x
          WHERE x.${campaignColumn} <> '' AND x.day >= ${from}::date AND x.day < ${until}::date
          GROUP BY 1)`,
        sql`revenue AS (
         SELECT x.campaign, sum(t.value) AS revenue
           FROM ${sql.raw(TOUCHPOINTS_TABLE)} t JOIN (${sources.creditedCustomers()}) x ON x.customer_id = t.customer_id
          WHERE t.type = ${sql.raw(`'${PURCHASE}'`)} AND x.campaign IS NOT NULL
            AND t.occurred_at >= (${from}::date::timestamp AT TIME ZONE 'UTC') AND t.occurred_at < (${until}::date::timestamp AT TIME ZONE 'UTC')
          GROUP BY 1)`,
        sql`keys AS (SELECT campaign FROM spend UNION SELECT campaign FROM acquired)`,
      ]);
    });
    return found
      .filter(
        (row) =>
          (!query.filter.campaign || row.campaign === query.filter.campaign) &&
          (!query.filter.channel || row.channel === query.filter.channel),
      )
      .map((row) => {
        const spent = Number(row.spend);
        const revenue = Number(row.revenue);
        const customers = Number(row.acquired);
        return {
          campaign: row.campaign,
          channel: row.channel,
          spend: spent,
          newCustomers: customers,
          cac: ratio(spent, customers),
          attributedRevenue: revenue,
          roi: ratio(revenue - spent, spent),
        };
      });
  },
  table: (result) => ({
    columns: ['campaign', 'channel', 'spend', 'new_customers', 'cac', 'attributed_revenue', 'roi'],
    rows: result.map((row) => [row.campaign, row.channel, row.spend, row.newCustomers, row.cac, row.attributedRevenue, row.roi]),
  }),
};

type ChannelRow = { channel: string; spend: string; acquired: string };

/** Per channel: spend of its campaigns, new customers credited to it, CAC. */
const channels: MetricDefinition<ChannelResult[]> = {
  family: 'spend',
  description: 'Per channel: spend of its campaigns, new customers credited to it, CAC.',
  async compute({ query, rows }) {
    const from = isoDay(query.windows.range.from);
    const until = isoDay(query.windows.range.until);
    const channelColumn = sql.raw(query.attribution === Attribution.FIRST_TOUCH ? 'first_channel' : 'channel');
    const found = await rows<ChannelRow>((sources) => {
      const body = sql`
        SELECT k.channel, coalesce(s.spend, 0)::text AS spend, coalesce(a.acquired, 0)::text AS acquired
          FROM (SELECT channel FROM spend UNION SELECT channel FROM acquired) k
          LEFT JOIN spend s ON s.channel = k.channel LEFT JOIN acquired a ON a.channel = k.channel
         ORDER BY k.channel`;
      return sources.statement(body, [
        sql`spend AS (
          SELECT c.channel, sum(s.amount) AS spend FROM ${sql.raw(CAMPAIGN_SPEND_TABLE)} s JOIN ${sql.raw(CAMPAIGNS_TABLE)} c ON c.key = s.campaign_key
           WHERE s.day >= ${from}::date AND s.day < ${until}::date GROUP BY 1)`,
        sql`acquired AS (
          SELECT x.${channelColumn} AS channel, sum(x.customers) AS acquired FROM ${sources.relation('acq_credited')} x
           WHERE x.day >= ${from}::date AND x.day < ${until}::date AND x.${channelColumn} <> '' GROUP BY 1)`,
      ]);
    });
    return found
      .filter((row) => !query.filter.channel || row.channel === query.filter.channel)
      .map((row) => ({
        channel: row.channel,
        spend: Number(row.spend),
        newCustomers: Number(row.acquired),
        cac: ratio(Number(row.spend), Number(row.acquired)),
      }));
  },
  table: (result) => ({
    columns: ['channel', 'spend', 'new_customers', 'cac'],
    rows: result.map((row) => [row.channel, row.spend, row.newCustomers, row.cac]),
  }),
};

/** Spend: what acquiring customers costs and brings, per campaign and per channel (CAC overall is under acquisition). */
export const spending = {
  campaigns,
  channels,
};
