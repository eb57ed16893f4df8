import { isoDay } from '../../core/dates';
import { Attribution } from './metric-sources';
import type { MetricFilter } from './metric-sources';
import type { Bucket } from './metric-windows';
import type { MetricSeries, MetricsQuery, MetricsService } from './metrics.service';

/** One metric as a table (CSV export, BI). */
export type MetricTable = { columns: string[]; rows: Array<Array<string | number | null>> };

/** A metric table's query: days as UTC midnights, both included. */
export type MetricTableQuery = { from: Date; to: Date; bucket: `${Bucket}`; filter: MetricFilter };

type SeriesMetric = {
  [K in keyof MetricsService]: MetricsService[K] extends (query: MetricsQuery) => Promise<infer R>
    ? R extends MetricSeries
      ? K
      : never
    : never;
}[keyof MetricsService];

const SERIES_METRICS: readonly SeriesMetric[] = [
  'pageViews',
  'uniqueVisitors',
  'socialEngagements',
  'socialShares',
  'brandMentions',
  'newCustomers',
  'conversionRate',
  'cac',
  'sales',
  'salesGrowth',
  'engagementRate',
  'activeCustomers',
  'csat',
  'retentionRate',
  'churnRate',
  'historicalClv',
  'repeatPurchaseRate',
  'nps',
  'referralRate',
];

const TABLE_METRICS = ['funnel', 'timeInStage', 'stageDistribution', 'cohortRetention', 'campaigns', 'channels'] as const;

/** Every metric a table can be made of: the GraphQL field names. */
export const METRIC_NAMES: readonly string[] = [...SERIES_METRICS, ...TABLE_METRICS];

/**
 * One metric as rows: a series metric gives `bucket,value` per bucket; the
 * journey and spend metrics give their own columns (snake_case), one row per
 * stage, bucket and stage, cohort, campaign or channel.
 */
export async function metricTable(service: MetricsService, metric: string, request: MetricTableQuery): Promise<MetricTable> {
  const query = await service.query({
    from: isoDay(request.from),
    to: isoDay(request.to),
    bucket: request.bucket as Bucket,
    filter: request.filter,
    attribution: Attribution.FIRST_TOUCH,
    compareToPrevious: false,
  });
  if ((SERIES_METRICS as readonly string[]).includes(metric)) {
    const series = await service[metric as SeriesMetric](query);
    return { columns: ['bucket', 'value'], rows: series.series.map((point) => [point.bucket, point.value]) };
  }
  switch (metric) {
    case 'funnel':
      return {
        columns: ['stage', 'reached', 'conversion_from_previous', 'median_seconds_to_reach'],
        rows: (await service.funnel(query)).map((step) => [
          step.stage,
          step.reached,
          step.conversionFromPrevious,
          step.medianSecondsToReach,
        ]),
      };
    case 'timeInStage':
      return {
        columns: ['stage', 'stays', 'median_seconds', 'p90_seconds'],
        rows: (await service.timeInStage(query)).map((row) => [row.stage, row.stays, row.medianSeconds, row.p90Seconds]),
      };
    case 'stageDistribution':
      return {
        columns: ['bucket', 'stage', 'customers'],
        rows: (await service.stageDistribution(query)).flatMap((point) =>
          point.stages.map((stage) => [point.bucket, stage.stage, stage.customers]),
        ),
      };
    case 'cohortRetention': {
      const cohorts = await service.cohortRetention(query);
      const months = Math.max(0, ...cohorts.map((cohort) => cohort.retention.length));
      return {
        columns: ['cohort', 'customers', ...Array.from({ length: months }, (_, month) => `month_${month}`)],
        rows: cohorts.map((cohort) => [
          cohort.cohort,
          cohort.customers,
          ...Array.from({ length: months }, (_, month) => cohort.retention[month] ?? null),
        ]),
      };
    }
    case 'campaigns':
      return {
        columns: ['campaign', 'channel', 'spend', 'new_customers', 'cac', 'attributed_revenue', 'roi'],
        rows: (await service.campaigns(query)).map((row) => [
          row.campaign,
          row.channel,
          row.spend,
          row.newCustomers,
          row.cac,
          row.attributedRevenue,
          row.roi,
        ]),
      };
    case 'channels':
      return {
        columns: ['channel', 'spend', 'new_customers', 'cac'],
        rows: (await service.channels(query)).map((row) => [row.channel, row.spend, row.newCustomers, row.cac]),
      };
    default:
      throw new Error(`unknown metric ${metric}`);
  }
}
