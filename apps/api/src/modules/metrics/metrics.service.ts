import type { LifecycleModel } from '@clm/schema';
import { AT_RISK, CHURNED } from '@clm/schema';
import { addDays, isoDay, isStorableDate, parseIsoDate } from '../../core/dates';
import { ClmError, CoreError, invalidInput } from '../../core/errors';
import type { SqlFragment } from '../../database/sql';
import { METRIC_MEMBERSHIPS } from '../customers';
import type { MetricMembershipSpec } from '../customers';
import { isUuid, textProblem } from '../../core/ids';
import type { Queryable } from '../../database/db';
import type { TransitionCount } from '../lifecycle';
import { encodeLogCursor, storedPosition } from '../../log';
import { PartsBatcher, sourcesOf } from './metric-evaluation';
import { membersSql } from './metric-members';
import type { MembershipRequest } from './metric-members';
import { Attribution } from './metric-sources';
import type { MetricContext } from './metric-evaluation';
import type { MetricsQuery, MetricsRequest, MetricTable } from './metric-types';
import { Bucket, EARLIEST_DAY, metricWindows } from './metric-windows';
import { METRIC_LOGS, METRICS_PROJECTION } from './metrics.projection';
import { METRICS } from './registry';
import type { MetricName, MetricResults } from './registry';
import { projectedFlows, projectedStageCounts } from './stage-tally.sql';

export type {
  ActiveResult,
  CampaignResult,
  ChannelResult,
  CohortRow,
  CsatResult,
  CurrencySales,
  FunnelStep,
  MetricSeries,
  MetricsQuery,
  MetricsRequest,
  NpsResult,
  ScoreCount,
  SeriesPoint,
  StageCount,
  StageDistributionPoint,
  StageTime,
} from './metric-types';
export { ratio } from './metric-types';

/** The longest range a metrics query may cover. */
export const MAX_RANGE_DAYS = 3660;

/**
 * The last day a range may end on: a window ends at the start of the day
 * after its last, and that day must be a date clm can write (years 0001–9999).
 */
export const LAST_RANGE_DAY = '9999-12-30';

/**
 * Computes the lifecycle metrics of the registry (registry.ts; one file per
 * family in definitions/). Each metric is defined once, as SQL over the
 * metric relations (see metric-sources.ts); the series metrics of one
 * request are evaluated for the range, the previous period and every bucket
 * in one statement. docs/metrics.md gives each definition with its formula
 * and an example.
 */
export class MetricsService {
  private readonly batcher: PartsBatcher;

  constructor(
    private readonly db: Queryable,
    private readonly model: () => Promise<LifecycleModel>,
    /** The database's fingerprint, carried by the `exactUpTo` cursors as by the streams' (log/log-position.ts). */
    private readonly database: string | null = null,
  ) {
    this.batcher = new PartsBatcher(db);
  }

  /** Validates a request: every problem names its argument. */
  async query(request: MetricsRequest): Promise<MetricsQuery> {
    const from = parseIsoDate(request.from);
    if (!from) throw invalidInput('range.from', 'must be a calendar day YYYY-MM-DD (years 0001–9999)');
    const to = parseIsoDate(request.to);
    if (!to) throw invalidInput('range.to', 'must be a calendar day YYYY-MM-DD (years 0001–9999)');
    if (to < from) throw invalidInput('range.to', 'must not be before range.from');
    if (request.to > LAST_RANGE_DAY)
      throw invalidInput('range.to', `must be ${LAST_RANGE_DAY} or earlier (a window ends on the day after its last)`);
    const days = Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1;
    if (days > MAX_RANGE_DAYS) throw invalidInput('range', `must cover at most ${MAX_RANGE_DAYS} days`);
    if (request.filter.segment && !isUuid(request.filter.segment)) throw invalidInput('filter.segment', 'must be a segment id');
    for (const name of ['channel', 'campaign'] as const) {
      const value = request.filter[name];
      const problem = value ? textProblem(value) : null;
      if (problem !== null) throw invalidInput(`filter.${name}`, problem);
    }
    const lookback = request.lookbackDays ?? 30;
    if (!Number.isInteger(lookback) || lookback < 1 || lookback > 365)
      throw invalidInput('lookbackDays', 'must be a whole number of days from 1 to 365');
    const windows = metricWindows(from, to, request.bucket);
    if (request.compareToPrevious && !isStorableDate(windows.previous.from))
      throw invalidInput(
        'compareToPrevious',
        `the previous period of ${days} days would begin before 0001-01-01; start the range on ${isoDay(addDays(EARLIEST_DAY, days))} or later, or leave compareToPrevious off`,
      );
    return { ...request, windows, model: await this.model() };
  }

  /**
   * The customers one number of the metrics counts (metric-members.ts), as
   * the `customer_id` relation the customers filter reads. Every problem
   * names its field under `filter.metric`.
   */
  async members(spec: MetricMembershipSpec): Promise<SqlFragment> {
    const field = (name: string) => `filter.metric.${name}`;
    if (!METRIC_MEMBERSHIPS.includes(spec.membership))
      throw invalidInput(field('membership'), `must be one of ${METRIC_MEMBERSHIPS.join(', ')}`);
    const attribution = spec.attribution ?? Attribution.FIRST_TOUCH;
    if (!isAttribution(attribution)) throw invalidInput(field('attribution'), `must be one of ${Object.values(Attribution).join(', ')}`);
    const query = await this.query({
      from: spec.from,
      to: spec.to,
      bucket: Bucket.MONTH,
      filter: { segment: spec.segment ?? null, channel: spec.channel ?? null, campaign: spec.campaign ?? null },
      attribution,
      lookbackDays: spec.lookbackDays ?? undefined,
      compareToPrevious: false,
    }).catch((error: unknown) => {
      throw underMetricFilter(error);
    });
    return membersSql(query, membershipRequest(spec, query));
  }

  /** One metric of the registry for a validated query. */
  metric<Name extends MetricName>(name: Name, query: MetricsQuery): Promise<MetricResults[Name]> {
    return METRICS[name].compute(this.context(query));
  }

  /** One metric of the registry as a table (CSV export). */
  async table<Name extends MetricName>(name: Name, query: MetricsQuery): Promise<MetricTable> {
    const definition = METRICS[name];
    return definition.table(await definition.compute(this.context(query)));
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
      transitions: encodeLogCursor({ position: transitions, snapshot: null }, METRIC_LOGS.transitions.table, this.database),
      touchpoints: encodeLogCursor({ position: touchpoints, snapshot: null }, METRIC_LOGS.touchpoints.table, this.database),
    };
  }

  private context(query: MetricsQuery): MetricContext {
    return {
      query,
      evaluate: (windows, parts) => this.batcher.evaluate(query, windows, parts),
      rows: (build) => this.db.query(build(sourcesOf(query))),
    };
  }
}

function isAttribution(value: string): value is Attribution {
  return (Object.values(Attribution) as string[]).includes(value);
}

/** The fields of a metrics query's errors as the customers filter names them. */
const METRIC_FILTER_FIELDS: Record<string, string> = {
  'range.from': 'filter.metric.from',
  'range.to': 'filter.metric.to',
  range: 'filter.metric.to',
  'filter.segment': 'filter.metric.segment',
  'filter.channel': 'filter.metric.channel',
  'filter.campaign': 'filter.metric.campaign',
  lookbackDays: 'filter.metric.lookbackDays',
};

function underMetricFilter(error: unknown): unknown {
  if (!(error instanceof ClmError) || error.code !== CoreError.INVALID_INPUT) return error;
  const field = typeof error.details.field === 'string' ? error.details.field : '';
  const renamed = METRIC_FILTER_FIELDS[field];
  return renamed ? invalidInput(renamed, error.message.slice(field.length + 2)) : error;
}

/** The stage or cohort cell a membership needs, checked against the query's model and range. */
function membershipRequest(spec: MetricMembershipSpec, query: MetricsQuery): MembershipRequest {
  switch (spec.membership) {
    case 'NEW_CUSTOMERS':
    case 'ACTIVE_CUSTOMERS':
      return { membership: spec.membership };
    case 'FUNNEL_REACHED':
    case 'FUNNEL_DROPPED': {
      const stages = query.model.stages.map((stage) => stage.key);
      if (!spec.stage || !stages.includes(spec.stage))
        throw invalidInput('filter.metric.stage', `must be a funnel stage of the lifecycle model (${stages.join(', ')})`);
      return { membership: spec.membership, stage: spec.stage };
    }
    case 'FLOW': {
      const stages = [...query.model.stages.map((stage) => stage.key), AT_RISK, CHURNED];
      const problem = `must be a stage of the lifecycle model (${stages.join(', ')})`;
      if (!spec.stage || !stages.includes(spec.stage)) throw invalidInput('filter.metric.stage', problem);
      if (spec.fromStage && !stages.includes(spec.fromStage))
        throw invalidInput('filter.metric.fromStage', `${problem}, or none for an entry`);
      return { membership: 'FLOW', fromStage: spec.fromStage ?? '', stage: spec.stage };
    }
    case 'COHORT': {
      const cohort = spec.cohort ?? '';
      const first = /^\d{4}-\d{2}$/.test(cohort) ? parseIsoDate(`${cohort}-01`) : null;
      const lastMonth = isoDay(addDays(query.windows.range.until, -1)).slice(0, 7);
      if (!first || cohort < isoDay(query.windows.range.from).slice(0, 7) || cohort > lastMonth)
        throw invalidInput('filter.metric.cohort', 'must be a month YYYY-MM within the range');
      const month = spec.month ?? null;
      if (month !== null && (!Number.isInteger(month) || month < 0 || cohort > monthAfter(lastMonth, -month)))
        throw invalidInput('filter.metric.month', 'must be a whole number of months from 0 to the range’s last month');
      return { membership: 'COHORT', cohort, month };
    }
  }
}

/** The month `months` after `month` (YYYY-MM). */
function monthAfter(month: string, months: number): string {
  const [year, index] = month.split('-').map(Number);
  const total = year * 12 + (index - 1) + months;
  return `${String(Math.floor(total / 12)).padStart(4, '0')}-${String((total % 12) + 1).padStart(2, '0')}`;
}
