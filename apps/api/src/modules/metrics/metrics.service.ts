import type { LifecycleModel } from '@clm/schema';
import { AT_RISK, CHURNED } from '@clm/schema';
import { addDays, isoDay, parseIsoDate } from '../../core/dates';
import { invalidInput } from '../../core/errors';
import { isUuid } from '../../core/ids';
import type { Queryable } from '../../database/db';
import type { TransitionCount } from '../lifecycle';
import { encodeLogCursor, storedPosition } from '../../log';
import { Attribution, MetricSources, Parameters } from './metric-sources';
import type { MetricFilter } from './metric-sources';
import { metricWindows } from './metric-windows';
import type { DayWindow, MetricWindows, Bucket } from './metric-windows';
import { METRIC_LOGS, METRICS_PROJECTION } from './metrics.projection';
import { projectedFlows, projectedStageCounts } from './stage-tally.sql';
import { ENGAGEMENT_TYPES, MENTION, PAGE_VIEW, PURCHASE, SOCIAL_ENGAGEMENT, SOCIAL_SHARE } from './vocabulary';

/** The longest range a metrics query may cover. */
export const MAX_RANGE_DAYS = 3660;

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
export type ChannelResult = { channel: string; spend: number; newCustomers: number; cac: number | null };

/** Per window, the named parts a metric is computed from. */
type Parts = Record<string, number>;

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

/**
 * Computes the lifecycle metrics. Each metric is defined once, as SQL over
 * the metric relations (see metric-sources.ts), evaluated for the range, the
 * previous period and every bucket in one statement. docs/metrics.md gives
 * each definition with its formula and an example.
 */
export class MetricsService {
  constructor(
    private readonly db: Queryable,
    private readonly model: () => Promise<LifecycleModel>,
  ) {}

  /** Validates a request: every problem names its argument. */
  async query(request: MetricsRequest): Promise<MetricsQuery> {
    const from = parseIsoDate(request.from);
    if (!from) throw invalidInput('range.from', 'must be a calendar day YYYY-MM-DD (years 0001–9999)');
    const to = parseIsoDate(request.to);
    if (!to) throw invalidInput('range.to', 'must be a calendar day YYYY-MM-DD (years 0001–9999)');
    if (to < from) throw invalidInput('range.to', 'must not be before range.from');
    const days = Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1;
    if (days > MAX_RANGE_DAYS) throw invalidInput('range', `must cover at most ${MAX_RANGE_DAYS} days`);
    if (request.filter.segment && !isUuid(request.filter.segment)) throw invalidInput('filter.segment', 'must be a segment id');
    const lookback = request.lookbackDays ?? 30;
    if (!Number.isInteger(lookback) || lookback < 1 || lookback > 365)
      throw invalidInput('lookbackDays', 'must be a whole number of days from 1 to 365');
    const windows = metricWindows(from, to, request.bucket);
    return { ...request, windows, model: await this.model() };
  }

  /** Customers per stage now, from the projection and the tail of the log it has not applied (the stage overview's counts). */
  stageCounts(): Promise<{ counts: Map<string, number>; snapshot: string }> {
    return projectedStageCounts(this.db);
  }

  /** Transitions per (from, to) in [from, to) on whole UTC days, from the projection and the log's tail; null for other bounds. */
  stageFlows(from: Date | null, to: Date | null): Promise<TransitionCount[] | null> {
    return projectedFlows(this.db, from, to);
  }

  /** The log cursors up to which the projection has applied the logs (metrics are exact up to there). */
  async exactUpTo(): Promise<{ transitions: string; touchpoints: string }> {
    const [transitions, touchpoints] = await Promise.all([
      storedPosition(this.db, METRICS_PROJECTION, METRIC_LOGS.transitions.name),
      storedPosition(this.db, METRICS_PROJECTION, METRIC_LOGS.touchpoints.name),
    ]);
    return {
      transitions: encodeLogCursor({ position: transitions, snapshot: null }),
      touchpoints: encodeLogCursor({ position: touchpoints, snapshot: null }),
    };
  }

  // -- awareness ---------------------------------------------------------------

  pageViews(query: MetricsQuery): Promise<MetricSeries> {
    return this.touchpointCount(query, [PAGE_VIEW]);
  }

  socialEngagements(query: MetricsQuery): Promise<MetricSeries> {
    return this.touchpointCount(query, [SOCIAL_ENGAGEMENT]);
  }

  socialShares(query: MetricsQuery): Promise<MetricSeries> {
    return this.touchpointCount(query, [SOCIAL_SHARE]);
  }

  brandMentions(query: MetricsQuery): Promise<MetricSeries> {
    return this.touchpointCount(query, [MENTION]);
  }

  uniqueVisitors(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      () => ({ visitors: this.distinct('visit') }),
      (parts) => parts.visitors,
    );
  }

  // -- acquisition ---------------------------------------------------------------

  newCustomers(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      (p, sources) => ({ acquired: this.acquired(p, sources, query, 'w.lo') }),
      (parts) => parts.acquired,
    );
  }

  sales(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      (p, sources) => ({ sales: this.touchpointSum(p, sources, query, [PURCHASE], 'value_sum', 'w.lo') }),
      (parts) => parts.sales,
    );
  }

  /** Sales growth: (sales − sales of the previous period of equal length) ÷ sales of that period; each bucket against the period of its length just before it. */
  async salesGrowth(query: MetricsQuery): Promise<MetricSeries> {
    const { range, previous, buckets } = query.windows;
    const windows = [range, previous, ...buckets.flatMap((bucket) => [bucket, { ...previousOf(bucket), key: `before:${bucket.key}` }])];
    const parts = await this.evaluate(query, windows, (p, sources) => ({
      sales: this.touchpointSum(p, sources, query, [PURCHASE], 'value_sum', 'w.lo'),
    }));
    const growth = (key: string, before: string) => relativeChange(parts.get(key)!.sales, parts.get(before)!.sales);
    return {
      total: growth('range', 'previous'),
      previous: null,
      change: null,
      series: buckets.map((bucket) => ({ bucket: bucket.key, value: growth(bucket.key, `before:${bucket.key}`) })),
    };
  }

  /** Conversion: of the customers who entered the lifecycle in the window, the share that has reached the acquired stage (or beyond). */
  conversionRate(query: MetricsQuery): Promise<MetricSeries> {
    const funnel = query.model.stages.map((stage) => stage.key);
    const acquiredIndex = funnel.indexOf(query.model.acquiredStage) + 1;
    return this.series(
      query,
      (p, sources) => {
        const stages = p.add(funnel);
        const reachedFrom = p.add(acquiredIndex);
        const cohort = `FROM ${sources('{funnel_daily}')} f WHERE f.cohort_day >= w.lo AND f.cohort_day < w.hi`;
        return {
          converted: `(SELECT coalesce(sum(f.customers), 0) ${cohort} AND array_position(${stages}::text[], f.stage) >= ${reachedFrom}::int)`,
          cohort: `(SELECT coalesce(sum(f.customers), 0) ${cohort})`,
        };
      },
      (parts) => ratio(parts.converted, parts.cohort),
    );
  }

  /** CAC: spend in the window ÷ new customers in the window. */
  cac(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      (p, sources) => ({ spend: this.spend(p, query), acquired: this.acquired(p, sources, query, 'w.lo') }),
      (parts) => ratio(parts.spend, parts.acquired),
    );
  }

  // -- engagement ---------------------------------------------------------------

  /** Engagement rate: customers with an engagement touchpoint in the window ÷ customers in the lifecycle (any stage but churned) at its end. */
  engagementRate(query: MetricsQuery): Promise<MetricSeries> {
    const stages = [...query.model.stages.map((stage) => stage.key), AT_RISK];
    return this.series(
      query,
      // Both sides are customers: with a channel or campaign filter, those acquired through it.
      (p, sources) => ({ engaged: this.distinct('engaged', 'customer_gaps'), lifecycle: this.holding(p, sources, stages, 'w.hi') }),
      (parts) => ratio(parts.engaged, parts.lifecycle),
    );
  }

  async activeCustomers(query: MetricsQuery): Promise<ActiveResult> {
    const series = await this.series(
      query,
      () => ({ active: this.distinct('active') }),
      (parts) => parts.active,
    );
    const range = query.windows.range;
    const last = (days: number): DayWindow => ({
      key: `last${days}`,
      from: maxDate(range.from, addDays(range.until, -days)),
      until: range.until,
    });
    const parts = await this.evaluate(query, [last(7), last(30), range], (_parameters, sources) => ({
      active: this.distinct('active'),
      activeDays: `(SELECT coalesce(sum(g.customers), 0) FROM ${sources('{gaps}')} g WHERE g.kind = 'active' AND g.day >= w.lo AND g.day < w.hi)`,
    }));
    const days = Math.round((range.until.getTime() - range.from.getTime()) / 86_400_000);
    return {
      ...series,
      dau: ratio(parts.get('range')!.activeDays, days),
      wau: parts.get('last7')!.active,
      mau: parts.get('last30')!.active,
    };
  }

  async csat(query: MetricsQuery): Promise<CsatResult> {
    const series = await this.series(
      query,
      (_parameters, sources) => {
        const rows = `FROM ${sources('{scores_daily}')} s WHERE s.kind = 'csat' AND s.day >= w.lo AND s.day < w.hi`;
        return {
          responses: `(SELECT coalesce(sum(s.responses), 0) ${rows})`,
          points: `(SELECT coalesce(sum(s.responses * s.score), 0) ${rows})`,
        };
      },
      (parts) => ratio(parts.points, parts.responses),
    );
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const from = parameters.add(isoDay(query.windows.range.from));
    const until = parameters.add(isoDay(query.windows.range.until));
    const rows = await this.db.query<{ score: number; responses: string }>(
      sources.render(`SELECT s.score, sum(s.responses)::text AS responses FROM {scores_daily} s
                        WHERE s.kind = 'csat' AND s.day >= ${from}::date AND s.day < ${until}::date GROUP BY s.score ORDER BY s.score`),
      parameters.values,
    );
    const distribution = rows.map((row) => ({ score: row.score, responses: Number(row.responses) }));
    return { ...series, responses: distribution.reduce((sum, row) => sum + row.responses, 0), distribution };
  }

  // -- retention ---------------------------------------------------------------

  /** CRR = (E − N) ÷ S: customers at the end of the window, less those acquired in it, over those at its start. */
  retentionRate(query: MetricsQuery): Promise<MetricSeries> {
    const stages = this.customerStages(query.model);
    return this.series(
      query,
      (p, sources) => ({
        start: this.holding(p, sources, stages, 'w.lo'),
        end: this.holding(p, sources, stages, 'w.hi'),
        acquired: this.acquired(p, sources, query, 'w.lo'),
      }),
      (parts) => ratio(parts.end - parts.acquired, parts.start),
    );
  }

  /** Churn rate: customers who moved from a customer stage to churned in the window ÷ customers at its start. */
  churnRate(query: MetricsQuery): Promise<MetricSeries> {
    const stages = this.customerStages(query.model);
    return this.series(
      query,
      (p, sources) => {
        const customerStages = p.add(stages);
        return {
          start: this.holding(p, sources, stages, 'w.lo'),
          churned: `(SELECT coalesce(sum(x.transitions), 0) FROM ${sources('{tr_daily}')} x
                      WHERE x.day >= w.lo AND x.day < w.hi AND x.to_stage = ${p.add(CHURNED)} AND x.from_stage = ANY(${customerStages}::text[]))`,
        };
      },
      (parts) => ratio(parts.churned, parts.start),
    );
  }

  /** Historical CLV: all sales before the end of the window ÷ every customer acquired before its end (with a channel or campaign filter: the sales of the customers acquired through it). */
  historicalClv(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      (p, sources) => ({
        // Those customers' own purchases, through any channel.
        sales: `(SELECT coalesce(sum(x.value_sum), 0) FROM {customer_tp_daily} x WHERE x.type = '${PURCHASE}' AND x.day < w.hi)`,
        acquired: this.acquired(p, sources, query, null),
      }),
      (parts) => ratio(parts.sales, parts.acquired),
    );
  }

  /** Repeat purchase rate: customers with a second purchase before the end of the window ÷ customers with a first. */
  repeatPurchaseRate(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      (_parameters, sources) => {
        const end = `(w.hi::timestamp AT TIME ZONE 'UTC')`;
        return {
          repeat: `(SELECT count(*) FROM ${sources('{purchasers}')} x WHERE x.second_purchase_at < ${end})`,
          buyers: `(SELECT count(*) FROM ${sources('{purchasers}')} x WHERE x.first_purchase_at < ${end})`,
        };
      },
      (parts) => ratio(parts.repeat, parts.buyers),
    );
  }

  // -- advocacy ---------------------------------------------------------------

  async nps(query: MetricsQuery): Promise<NpsResult> {
    const scores = (_parameters: Parameters, sources: (sql: string) => string) => {
      const latest = `FROM ${sources('{score_chain}')} c WHERE c.kind = 'nps' AND c.day >= w.lo AND c.day < w.hi AND c.next_day >= w.hi`;
      return {
        promoters: `(SELECT coalesce(sum(c.customers), 0) ${latest} AND c.score >= 9)`,
        passives: `(SELECT coalesce(sum(c.customers), 0) ${latest} AND c.score BETWEEN 7 AND 8)`,
        detractors: `(SELECT coalesce(sum(c.customers), 0) ${latest} AND c.score <= 6)`,
      };
    };
    const score = (parts: Parts) => {
      const responses = parts.promoters + parts.passives + parts.detractors;
      return responses === 0 ? null : (100 * (parts.promoters - parts.detractors)) / responses;
    };
    const windows = [query.windows.range, ...(query.compareToPrevious ? [query.windows.previous] : []), ...query.windows.buckets];
    const parts = await this.evaluate(query, windows, scores);
    const range = parts.get('range')!;
    const previous = query.compareToPrevious ? parts.get('previous')! : null;
    const total = score(range);
    const previousScore = previous ? score(previous) : null;
    return {
      total,
      previous: previousScore,
      change: total !== null && previousScore !== null ? total - previousScore : null,
      series: query.windows.buckets.map((bucket) => ({ bucket: bucket.key, value: score(parts.get(bucket.key)!) })),
      promoters: range.promoters,
      passives: range.passives,
      detractors: range.detractors,
      responses: range.promoters + range.passives + range.detractors,
      previousResponses: previous ? previous.promoters + previous.passives + previous.detractors : null,
    };
  }

  /** Referral rate: customers who referred someone in the window ÷ customers active in it. */
  referralRate(query: MetricsQuery): Promise<MetricSeries> {
    return this.series(
      query,
      () => ({ referrers: this.distinct('referral'), active: this.distinct('active') }),
      (parts) => ratio(parts.referrers, parts.active),
    );
  }

  // -- the journey ---------------------------------------------------------------

  /** The funnel of the customers who entered the lifecycle in the range. */
  async funnel(query: MetricsQuery): Promise<FunnelStep[]> {
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const funnel = query.model.stages.map((stage) => stage.key);
    const stages = parameters.add(funnel);
    const from = parameters.add(isoDay(query.windows.range.from));
    const until = parameters.add(isoDay(query.windows.range.until));
    const rows = await this.db.query<{ stage: string; furthest: string; median: number | null }>(
      sources.render(`
        SELECT s.stage,
               (SELECT coalesce(sum(f.customers), 0) FROM {funnel_daily} f
                 WHERE f.cohort_day >= ${from}::date AND f.cohort_day < ${until}::date AND f.stage = s.stage)::text AS furthest,
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY e.seconds_from_entry) FROM {entries} e
                 WHERE e.cohort_day >= ${from}::date AND e.cohort_day < ${until}::date AND e.stage = s.stage) AS median
          FROM unnest(${stages}::text[]) WITH ORDINALITY s(stage, position)
         ORDER BY s.position`),
      parameters.values,
    );
    // Reaching a stage means reaching it or any stage after it (a customer may skip one).
    const reached = rows.map((_row, index) => rows.slice(index).reduce((sum, row) => sum + Number(row.furthest), 0));
    return rows.map((row, index) => ({
      stage: row.stage,
      reached: reached[index],
      conversionFromPrevious: index === 0 ? null : ratio(reached[index], reached[index - 1]),
      medianSecondsToReach: index === 0 ? 0 : row.median,
    }));
  }

  /** Time in stage: completed stays that ended in the range, per stage (median and 90th percentile, continuous). */
  async timeInStage(query: MetricsQuery): Promise<StageTime[]> {
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const stages = parameters.add([...query.model.stages.map((stage) => stage.key), AT_RISK, CHURNED]);
    const from = parameters.add(isoDay(query.windows.range.from));
    const until = parameters.add(isoDay(query.windows.range.until));
    const rows = await this.db.query<{ stage: string; stays: string; median: number | null; p90: number | null }>(
      sources.render(`
        SELECT s.stage, count(x.seconds)::text AS stays,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY x.seconds) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY x.seconds) AS p90
          FROM unnest(${stages}::text[]) WITH ORDINALITY s(stage, position)
          LEFT JOIN {stays} x ON x.stage = s.stage AND x.day >= ${from}::date AND x.day < ${until}::date
         GROUP BY s.stage, s.position ORDER BY s.position`),
      parameters.values,
    );
    return rows.map((row) => ({ stage: row.stage, stays: Number(row.stays), medianSeconds: row.median, p90Seconds: row.p90 }));
  }

  /** Customers per stage at the end of each bucket (and of the range). */
  async stageDistribution(query: MetricsQuery): Promise<StageDistributionPoint[]> {
    const stages = [...query.model.stages.map((stage) => stage.key), AT_RISK, CHURNED];
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const stageList = parameters.add(stages);
    const ends = parameters.add(query.windows.buckets.map((bucket) => isoDay(bucket.until)));
    const keys = parameters.add(query.windows.buckets.map((bucket) => bucket.key));
    const rows = await this.db.query<{ key: string; stage: string; customers: string }>(
      sources.render(`
        SELECT b.key, s.stage,
               (SELECT coalesce(sum(CASE WHEN x.to_stage = s.stage THEN x.transitions ELSE 0 END)
                              - sum(CASE WHEN x.from_stage = s.stage THEN x.transitions ELSE 0 END), 0)
                  FROM {tr_daily} x WHERE x.day < b.hi AND (x.to_stage = s.stage OR x.from_stage = s.stage))::text AS customers
          FROM unnest(${keys}::text[], ${ends}::date[]) b(key, hi)
         CROSS JOIN unnest(${stageList}::text[]) WITH ORDINALITY s(stage, position)
         ORDER BY b.hi, s.position`),
      parameters.values,
    );
    return query.windows.buckets.map((bucket) => ({
      bucket: bucket.key,
      at: isoDay(bucket.until),
      stages: rows.filter((row) => row.key === bucket.key).map((row) => ({ stage: row.stage, customers: Number(row.customers) })),
    }));
  }

  /**
   * Cohort retention: customers acquired in each month of the range, and for
   * each month from their acquisition month to the range's end, the share of
   * them with any touchpoint in that month.
   */
  async cohortRetention(query: MetricsQuery): Promise<CohortRow[]> {
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const from = parameters.add(isoDay(query.windows.range.from));
    const until = parameters.add(isoDay(query.windows.range.until));
    const conditions = this.creditConditions(parameters, query, 'x');
    const rows = await this.db.query<{ cohort: string; month_offset: number | null; active: string; size: string }>(
      `WITH cohort AS (
         SELECT x.customer_id, date_trunc('month', x.acquired_at AT TIME ZONE 'UTC')::date AS cohort
           FROM (${sources.creditedCustomers()}) x
          WHERE x.acquired_at >= (${from}::date::timestamp AT TIME ZONE 'UTC') AND x.acquired_at < (${until}::date::timestamp AT TIME ZONE 'UTC')
            AND ${conditions}
       ), sizes AS (SELECT cohort, count(*) AS size FROM cohort GROUP BY cohort),
       activity AS (
         SELECT c.cohort, date_trunc('month', d.day)::date AS month, count(DISTINCT c.customer_id) AS active
           FROM cohort c JOIN metric_activity_days d ON d.kind = 'active' AND d.customer_id = c.customer_id
                                                   AND d.day >= c.cohort AND d.day < ${until}::date
          GROUP BY 1, 2)
       SELECT to_char(s.cohort, 'YYYY-MM') AS cohort,
              ((extract(year FROM a.month) - extract(year FROM s.cohort)) * 12 + extract(month FROM a.month) - extract(month FROM s.cohort))::int AS month_offset,
              coalesce(a.active, 0)::text AS active, s.size::text AS size
         FROM sizes s LEFT JOIN activity a ON a.cohort = s.cohort
        ORDER BY s.cohort, month_offset`,
      parameters.values,
    );
    const lastDay = addDays(query.windows.range.until, -1);
    const cohorts = new Map<string, CohortRow>();
    for (const row of rows) {
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
  }

  /** Per campaign with spend or new customers in the range: spend, new customers, CAC, attributed revenue and ROI. */
  async campaigns(query: MetricsQuery): Promise<CampaignResult[]> {
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const from = parameters.add(isoDay(query.windows.range.from));
    const until = parameters.add(isoDay(query.windows.range.until));
    const campaignColumn = query.attribution === Attribution.FIRST_TOUCH ? 'first_campaign' : 'campaign';
    const rows = await this.db.query<{ campaign: string; channel: string | null; spend: string; acquired: string; revenue: string }>(
      sources.render(`
       WITH spend AS (
         SELECT s.campaign_key AS campaign, sum(s.amount) AS spend FROM campaign_spend s
          WHERE s.day >= ${from}::date AND s.day < ${until}::date GROUP BY 1
       ), acquired AS (
         SELECT x.${campaignColumn} AS campaign, sum(x.customers) AS acquired FROM {acq_daily} x
          WHERE x.${campaignColumn} <> '' AND x.day >= ${from}::date AND x.day < ${until}::date
          GROUP BY 1
       ), revenue AS (
         SELECT x.campaign, sum(t.value) AS revenue
           FROM touchpoints t JOIN (${sources.creditedCustomers()}) x ON x.customer_id = t.customer_id
          WHERE t.type = '${PURCHASE}' AND x.campaign IS NOT NULL
            AND t.occurred_at >= (${from}::date::timestamp AT TIME ZONE 'UTC') AND t.occurred_at < (${until}::date::timestamp AT TIME ZONE 'UTC')
          GROUP BY 1
       ), keys AS (SELECT campaign FROM spend UNION SELECT campaign FROM acquired)
       SELECT k.campaign, c.channel, coalesce(s.spend, 0)::text AS spend, coalesce(a.acquired, 0)::text AS acquired,
              coalesce(r.revenue, 0)::text AS revenue
         FROM keys k LEFT JOIN campaigns c ON c.key = k.campaign LEFT JOIN spend s ON s.campaign = k.campaign
         LEFT JOIN acquired a ON a.campaign = k.campaign LEFT JOIN revenue r ON r.campaign = k.campaign
        ORDER BY k.campaign`),
      parameters.values,
    );
    return rows
      .filter(
        (row) =>
          (!query.filter.campaign || row.campaign === query.filter.campaign) &&
          (!query.filter.channel || row.channel === query.filter.channel),
      )
      .map((row) => {
        const spend = Number(row.spend);
        const revenue = Number(row.revenue);
        const acquired = Number(row.acquired);
        return {
          campaign: row.campaign,
          channel: row.channel,
          spend,
          newCustomers: acquired,
          cac: ratio(spend, acquired),
          attributedRevenue: revenue,
          roi: ratio(revenue - spend, spend),
        };
      });
  }

  /** Per channel: spend of its campaigns, new customers credited to it, CAC. */
  async channels(query: MetricsQuery): Promise<ChannelResult[]> {
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const from = parameters.add(isoDay(query.windows.range.from));
    const until = parameters.add(isoDay(query.windows.range.until));
    const channelColumn = query.attribution === Attribution.FIRST_TOUCH ? 'first_channel' : 'channel';
    const rows = await this.db.query<{ channel: string; spend: string; acquired: string }>(
      sources.render(`
        WITH spend AS (
          SELECT c.channel, sum(s.amount) AS spend FROM campaign_spend s JOIN campaigns c ON c.key = s.campaign_key
           WHERE s.day >= ${from}::date AND s.day < ${until}::date GROUP BY 1
        ), acquired AS (
          SELECT x.${channelColumn} AS channel, sum(x.customers) AS acquired FROM {acq_daily} x
           WHERE x.day >= ${from}::date AND x.day < ${until}::date AND x.${channelColumn} <> '' GROUP BY 1
        )
        SELECT k.channel, coalesce(s.spend, 0)::text AS spend, coalesce(a.acquired, 0)::text AS acquired
          FROM (SELECT channel FROM spend UNION SELECT channel FROM acquired) k
          LEFT JOIN spend s ON s.channel = k.channel LEFT JOIN acquired a ON a.channel = k.channel
         ORDER BY k.channel`),
      parameters.values,
    );
    return rows
      .filter((row) => !query.filter.channel || row.channel === query.filter.channel)
      .map((row) => ({
        channel: row.channel,
        spend: Number(row.spend),
        newCustomers: Number(row.acquired),
        cac: ratio(Number(row.spend), Number(row.acquired)),
      }));
  }

  // -- building blocks ---------------------------------------------------------------

  /** Funnel stages from the acquired one on, and at-risk: the stages of a customer (a churned one is lost). */
  private customerStages(model: LifecycleModel): string[] {
    const funnel = model.stages.map((stage) => stage.key);
    return [...funnel.slice(Math.max(0, funnel.indexOf(model.acquiredStage))), AT_RISK];
  }

  private sources(query: MetricsQuery, parameters: Parameters): MetricSources {
    return new MetricSources(
      query.filter,
      {
        funnel: query.model.stages.map((stage) => stage.key),
        acquiredStage: query.model.acquiredStage,
        engagementTypes: ENGAGEMENT_TYPES,
        attribution: query.attribution,
        lookbackDays: query.lookbackDays,
      },
      parameters,
      query.mode ?? 'auto',
    );
  }

  private touchpointCount(query: MetricsQuery, types: string[]): Promise<MetricSeries> {
    return this.series(
      query,
      (p, sources) => ({ count: this.touchpointSum(p, sources, query, types, 'touchpoints', 'w.lo') }),
      (parts) => parts.count,
    );
  }

  /** Sum of a tp_daily column for `types` over the window (from `lower`, or from the beginning when null), filtered by the touchpoint's channel and campaign. */
  private touchpointSum(
    p: Parameters,
    sources: (sql: string) => string,
    query: MetricsQuery,
    types: string[],
    column: string,
    lower: string | null,
  ): string {
    const conditions = [`x.type = ANY(${p.add(types)}::text[])`, `x.day < w.hi`];
    if (lower) conditions.push(`x.day >= ${lower}`);
    if (query.filter.channel) conditions.push(`x.channel = ${p.add(query.filter.channel)}`);
    if (query.filter.campaign) conditions.push(`x.campaign = ${p.add(query.filter.campaign)}`);
    return `(SELECT coalesce(sum(x.${column}), 0) FROM ${sources('{tp_daily}')} x WHERE ${conditions.join(' AND ')})`;
  }

  /** Customers acquired in the window (from `lower`, or ever when null), credited by the query's attribution. */
  private acquired(p: Parameters, sources: (sql: string) => string, query: MetricsQuery, lower: string | null): string {
    const first = query.attribution === Attribution.FIRST_TOUCH;
    const conditions = [`x.day < w.hi`];
    if (lower) conditions.push(`x.day >= ${lower}`);
    if (query.filter.channel) conditions.push(`x.${first ? 'first_channel' : 'channel'} = ${p.add(query.filter.channel)}`);
    if (query.filter.campaign) conditions.push(`x.${first ? 'first_campaign' : 'campaign'} = ${p.add(query.filter.campaign)}`);
    return `(SELECT coalesce(sum(x.customers), 0) FROM ${sources('{acq_daily}')} x WHERE ${conditions.join(' AND ')})`;
  }

  /** Distinct customers with activity of `kind` in the window. */
  private distinct(kind: string, relation: 'gaps' | 'customer_gaps' = 'gaps'): string {
    return `(SELECT coalesce(sum(g.customers), 0) FROM {${relation}} g WHERE g.kind = '${kind}' AND g.day >= w.lo AND g.day < w.hi AND g.prev_day < w.lo)`;
  }

  /** Customers holding one of `stages` at the start of day `at`. */
  private holding(p: Parameters, sources: (sql: string) => string, stages: string[], at: string): string {
    const list = p.add(stages);
    return `(SELECT coalesce(sum(CASE WHEN x.to_stage = ANY(${list}::text[]) THEN x.transitions ELSE 0 END)
                           - sum(CASE WHEN x.from_stage = ANY(${list}::text[]) THEN x.transitions ELSE 0 END), 0)
               FROM ${sources('{tr_daily}')} x WHERE x.day < ${at})`;
  }

  /** Spend of the campaigns in the filter (all campaigns when none) in the window. */
  private spend(p: Parameters, query: MetricsQuery): string {
    const conditions = ['s.day >= w.lo', 's.day < w.hi'];
    if (query.filter.campaign) conditions.push(`s.campaign_key = ${p.add(query.filter.campaign)}`);
    if (query.filter.channel)
      conditions.push(`s.campaign_key IN (SELECT c.key FROM campaigns c WHERE c.channel = ${p.add(query.filter.channel)})`);
    return `(SELECT coalesce(sum(s.amount), 0) FROM campaign_spend s WHERE ${conditions.join(' AND ')})`;
  }

  /** Conditions on a credited-customers relation aliased `alias` for the filter's channel and campaign. */
  private creditConditions(parameters: Parameters, query: MetricsQuery, alias: string): string {
    const parts: string[] = [];
    if (query.filter.channel) parts.push(`${alias}.channel = ${parameters.add(query.filter.channel)}`);
    if (query.filter.campaign) parts.push(`${alias}.campaign = ${parameters.add(query.filter.campaign)}`);
    return parts.length === 0 ? 'true' : parts.join(' AND ');
  }

  /** Evaluates a metric for the range, the previous period (when asked) and every bucket. */
  private async series(
    query: MetricsQuery,
    define: (p: Parameters, sources: (sql: string) => string) => Record<string, string>,
    combine: (parts: Parts) => number | null,
  ): Promise<MetricSeries> {
    const windows = [query.windows.range, ...(query.compareToPrevious ? [query.windows.previous] : []), ...query.windows.buckets];
    const parts = await this.evaluate(query, windows, define);
    const total = combine(parts.get('range')!);
    const previous = query.compareToPrevious ? combine(parts.get('previous')!) : null;
    return {
      total,
      previous,
      change: relativeChange(total, previous),
      series: query.windows.buckets.map((bucket) => ({ bucket: bucket.key, value: combine(parts.get(bucket.key)!) })),
    };
  }

  /** One statement: every part of a metric for every window (`w.lo`, `w.hi`: the window's first day and the day after its last). */
  private async evaluate(
    query: MetricsQuery,
    windows: readonly DayWindow[],
    define: (p: Parameters, sources: (sql: string) => string) => Record<string, string>,
  ): Promise<Map<string, Parts>> {
    const parameters = new Parameters();
    const sources = this.sources(query, parameters);
    const keys = parameters.add(windows.map((window) => window.key));
    const lows = parameters.add(windows.map((window) => isoDay(window.from)));
    const highs = parameters.add(windows.map((window) => isoDay(window.until)));
    const parts = define(parameters, (sql) => sql);
    const names = Object.keys(parts);
    const sql = sources.render(
      `SELECT w.key, ${names.map((name) => `(${parts[name]})::text AS "${name}"`).join(', ')}
         FROM unnest(${keys}::text[], ${lows}::date[], ${highs}::date[]) w(key, lo, hi)`,
    );
    const rows = await this.db.query<Record<string, string>>(sql, parameters.values);
    return new Map(rows.map((row) => [row.key, Object.fromEntries(names.map((name) => [name, Number(row[name])]))]));
  }
}

function maxDate(left: Date, right: Date): Date {
  return left > right ? left : right;
}

function previousOf(window: DayWindow): DayWindow {
  const days = Math.round((window.until.getTime() - window.from.getTime()) / 86_400_000);
  return { key: 'previous', from: addDays(window.from, -days), until: window.from };
}
