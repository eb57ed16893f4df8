import type { LifecycleModel } from '@clm/schema';
import type { Attribution, MetricFilter } from './metric-sources';
import type { Bucket, MetricWindows } from './metric-windows';

/** A metrics request as clients send it (days as `YYYY-MM-DD`). */
export type MetricsRequest = {
  from: string;
  to: string;
  bucket: Bucket;
  filter: MetricFilter;
  attribution: Attribution;
  /** LAST_TOUCH: how many days before the acquisition a campaign touch counts (1–365; 30 when omitted). */
  lookbackDays?: number;
  compareToPrevious: boolean;
  /** 'scan' computes everything from the base tables (the benchmark's baseline and the projection's test oracle). */
  mode?: 'auto' | 'scan';
};

/** A validated request with its windows and the model it reads. */
export type MetricsQuery = MetricsRequest & { windows: MetricWindows; model: LifecycleModel };

export type SeriesPoint = { bucket: string; value: number | null };
export type MetricSeries = { total: number | null; previous: number | null; change: number | null; series: SeriesPoint[] };
export type NpsResult = MetricSeries & {
  promoters: number;
  passives: number;
  detractors: number;
  responses: number;
  previousResponses: number | null;
};
export type ScoreCount = { score: number; responses: number };
export type CsatResult = MetricSeries & { responses: number; distribution: ScoreCount[] };
export type ActiveResult = MetricSeries & { dau: number | null; wau: number; mau: number };
export type FunnelStep = { stage: string; reached: number; conversionFromPrevious: number | null; medianSecondsToReach: number | null };
export type StageTime = { stage: string; stays: number; medianSeconds: number | null; p90Seconds: number | null };
export type StageCount = { stage: string; customers: number };
export type StageDistributionPoint = { bucket: string; at: string; stages: StageCount[] };
export type CohortRow = { cohort: string; customers: number; retention: Array<number | null> };
export type CampaignResult = {
  campaign: string;
  channel: string | null;
  spend: number;
  newCustomers: number;
  cac: number | null;
  attributedRevenue: number;
  roi: number | null;
};
export type CurrencySales = { currency: string; purchases: number; amount: number };
export type ChannelResult = { channel: string; spend: number; newCustomers: number; cac: number | null };

/** One metric as a table (CSV export, BI): column names in snake_case, one row per bucket, stage, cohort, campaign or channel. */
export type MetricTable = { columns: string[]; rows: Array<Array<string | number | null>> };

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}
