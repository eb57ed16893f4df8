import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import { TRANSITIONS_TABLE } from '../lifecycle';
import { segmentMembers } from '../segments';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import { CUSTOMER_ACQUISITIONS_TABLE, METRIC_TOUCHPOINTS_DAILY_TABLE } from './metric-relations';
import { activityKindsOf, PURCHASE, SCORE_SQL } from './vocabulary';

/**
 * The relations every metric is written over, and where each comes from.
 *
 * A metric's SQL names relations (`relation('tp_daily')`). Each relation is
 * either the projection's table (fast, kept current by the metrics projection)
 * or the same relation computed on the fly from the base tables, restricted to
 * a segment's members or to the touchpoints of a channel or campaign: the
 * projection has no segment dimension, and distinct-customer and score
 * relations have no channel dimension. Both forms have the same columns and
 * the same meaning; a property test checks that they agree, and the benchmark
 * compares their speed.
 */
export type RelationName =
  | 'tp_daily'
  | 'tr_daily'
  /**
   * Per measure and key, the total up to the end of each day that changed it (running-totals.sql.ts): customers per
   * stage (from tr_daily), customers acquired (acq_daily), sales (customer_tp_daily). One table, three relations, so
   * that a statement computing them on the fly computes only the measures it reads.
   */
  | 'stage_totals'
  | 'acquired_totals'
  | 'sales_totals'
  | 'gaps'
  /** New customers per day; the channel and campaign columns matter only with a channel or campaign filter. */
  | 'acq_daily'
  /** The same, read by channel and campaign whatever the filter (campaigns, channels). */
  | 'acq_credited'
  | 'funnel_daily'
  | 'entries'
  /** Stage entries per cohort day, stage and bin of seconds_from_entry (`metric_seconds_bin`): where a rank among them falls. */
  | 'entry_bins'
  | 'stays'
  | 'scores_daily'
  | 'score_chain'
  | 'purchasers'
  /** Activity gaps of the customers in the filter (by segment and by acquisition), whatever the touchpoint's channel. */
  | 'customer_gaps'
  /** Touchpoint rollups of the customers in the filter, whatever the touchpoint's channel. */
  | 'customer_tp_daily';

export type MetricFilter = { segment?: string | null; channel?: string | null; campaign?: string | null };

/** Which touch a new customer is credited to (channel and campaign filters, CAC, ROI). */
export enum Attribution {
  FIRST_TOUCH = 'FIRST_TOUCH',
  ACQUIRING_TOUCH = 'ACQUIRING_TOUCH',
  LAST_TOUCH = 'LAST_TOUCH',
}

const PROJECTED: Record<RelationName, string> = {
  tp_daily: METRIC_TOUCHPOINTS_DAILY_TABLE,
  tr_daily: 'metric_transitions_daily',
  stage_totals: 'metric_running_totals',
  acquired_totals: 'metric_running_totals',
  sales_totals: 'metric_running_totals',
  gaps: 'metric_activity_gaps',
  acq_daily: 'metric_acquisitions_daily',
  acq_credited: 'metric_acquisitions_daily',
  funnel_daily: 'metric_funnel_daily',
  entries: 'metric_stage_entries',
  entry_bins: 'metric_entry_bins',
  stays: 'metric_stage_stays',
  scores_daily: 'metric_scores_daily',
  score_chain: 'metric_score_chain',
  purchasers: '(SELECT customer_id, first_purchase_at, second_purchase_at FROM metric_customers WHERE first_purchase_at IS NOT NULL)',
  customer_gaps: 'metric_activity_gaps',
  customer_tp_daily: METRIC_TOUCHPOINTS_DAILY_TABLE,
};

const TOUCHPOINTS = sql.raw(TOUCHPOINTS_TABLE);
const TRANSITIONS = sql.raw(TRANSITIONS_TABLE);
const ACQUISITIONS = sql.raw(CUSTOMER_ACQUISITIONS_TABLE);
const DAY = sql.raw(`(t.occurred_at AT TIME ZONE 'UTC')::date`);
const SCORE = sql.raw(SCORE_SQL);

/** What the on-the-fly relations need besides the filter. */
export type SourceContext = {
  funnel: readonly string[];
  acquiredStage: string;
  engagementTypes: readonly string[];
  attribution: Attribution;
  /** LAST_TOUCH: how many days before the acquisition a campaign touch may be. */
  lookbackDays?: number;
};

/**
 * Resolves the relations of one metric statement. `mode: 'scan'` computes
 * every relation from the base tables (the benchmark's baseline).
 *
 * A relation computed on the fly is a `MATERIALIZED` common table
 * expression: it is computed once per statement, however many windows,
 * buckets and metrics read it (an inlined one would be recomputed from the
 * base tables for every window it is read in).
 */
export class MetricSources {
  private readonly scanned = new Map<RelationName, SqlFragment>();

  constructor(
    private readonly filter: MetricFilter,
    private readonly context: SourceContext,
    private readonly mode: 'auto' | 'scan' = 'auto',
  ) {}

  /** The relation `name` in a statement: the projection's table, or a common table expression computed once. */
  relation(name: RelationName): SqlFragment {
    if (!this.mustScan(name)) return sql.raw(PROJECTED[name]);
    // Both acquisition relations are the same rows when computed.
    const key = name === 'acq_credited' ? 'acq_daily' : name;
    if (!this.scanned.has(key)) this.scanned.set(key, this.scan(key));
    return sql.raw(`scan_${key}`);
  }

  /** `body` with the relations computed on the fly (and `ctes`, the statement's own) as its WITH clause; call after building `body`. */
  statement(body: SqlFragment, ctes: readonly SqlFragment[] = []): SqlFragment {
    const computed = [...this.scanned.entries()].map(
      ([name, definition]) => sql`${sql.raw(`scan_${name}`)} AS MATERIALIZED (${definition})`,
    );
    const all = [...computed, ...ctes];
    return all.length === 0 ? body : sql`WITH ${sql.join(all, ',\n')}\n${body}`;
  }

  /** Whether `name` is the projection's table in this statement (else it is computed from the base tables). */
  isProjected(name: RelationName): boolean {
    return !this.mustScan(name);
  }

  private mustScan(name: RelationName): boolean {
    if (this.mode === 'scan') return true;
    const { segment, channel, campaign } = this.filter;
    const byTouch = Boolean(channel) || Boolean(campaign);
    const lastTouch = this.context.attribution === Attribution.LAST_TOUCH;
    switch (name) {
      case 'tp_daily':
        // It carries channel and campaign columns; the metric filters on them.
        return Boolean(segment);
      case 'acq_daily':
        // So does this one, for the first and the acquiring touch; the last touch within N days is computed, and
        // matters only when a channel or campaign is asked for (a count by day does not depend on the attribution).
        return Boolean(segment) || (lastTouch && byTouch);
      case 'acq_credited':
        return Boolean(segment) || lastTouch;
      default:
        return Boolean(segment) || byTouch;
    }
  }

  /** A predicate on the customer id column `column`: the segment's members (and, for customer relations, those acquired through the channel or campaign). */
  private customers(column: SqlFragment, byAcquisition: boolean): SqlFragment {
    const parts: SqlFragment[] = [];
    if (this.filter.segment) parts.push(this.members(column, this.filter.segment));
    if (byAcquisition && (this.filter.channel || this.filter.campaign)) {
      const conditions: SqlFragment[] = [];
      if (this.filter.channel) conditions.push(sql`x.channel = ${this.filter.channel}`);
      if (this.filter.campaign) conditions.push(sql`x.campaign = ${this.filter.campaign}`);
      // First touch: every customer, acquired or not (a funnel keeps those who never bought): an acquired customer's
      // first touch as known when they were acquired, anyone else's first touchpoint.
      const credited =
        this.context.attribution === Attribution.FIRST_TOUCH
          ? sql`SELECT f.customer_id,
                    CASE WHEN a.customer_id IS NULL THEN f.channel ELSE a.first_touch_channel END AS channel,
                    CASE WHEN a.customer_id IS NULL THEN f.campaign ELSE a.first_touch_campaign END AS campaign
               FROM (SELECT DISTINCT ON (t.customer_id) t.customer_id, t.channel, t.campaign
                       FROM ${TOUCHPOINTS} t ORDER BY t.customer_id, t.occurred_at, t.id) f
               LEFT JOIN ${ACQUISITIONS} a ON a.customer_id = f.customer_id`
          : this.creditedSql();
      parts.push(sql`${column} IN (SELECT x.customer_id FROM (${credited}) x WHERE ${sql.join(conditions, ' AND ')})`);
    }
    return parts.length === 0 ? sql`true` : sql.join(parts, ' AND ');
  }

  private members(column: SqlFragment, segment: string): SqlFragment {
    return sql`${column} IN (${segmentMembers(segment)})`;
  }

  /** A predicate on touchpoints aliased `t`: those of the channel and campaign (for activity and scores). */
  private touches(): SqlFragment {
    const parts: SqlFragment[] = [];
    if (this.filter.channel) parts.push(sql`t.channel = ${this.filter.channel}`);
    if (this.filter.campaign) parts.push(sql`t.campaign = ${this.filter.campaign}`);
    return parts.length === 0 ? sql`true` : sql.join(parts, ' AND ');
  }

  private scan(name: RelationName): SqlFragment {
    const customerId = sql.raw('t.customer_id');
    switch (name) {
      case 'tp_daily':
        return sql`SELECT ${DAY} AS day, t.type, t.channel, coalesce(t.campaign, '') AS campaign,
                       count(*)::bigint AS touchpoints, coalesce(sum(t.value), 0) AS value_sum
                  FROM ${TOUCHPOINTS} t WHERE ${this.customers(customerId, false)} GROUP BY 1, 2, 3, 4`;
      case 'gaps':
        return this.gapsScan(this.customers(customerId, false), this.touches());
      case 'scores_daily':
        return sql`SELECT s.kind, ${DAY} AS day, s.score, count(*)::bigint AS responses
                  FROM ${TOUCHPOINTS} t CROSS JOIN LATERAL ${SCORE} s
                 WHERE t.properties ? 'score' AND ${this.customers(customerId, false)} AND ${this.touches()}
                 GROUP BY 1, 2, 3`;
      case 'score_chain':
        // One row per (kind, day, next day, score) as in the projection's table, not one per customer-day: every window
        // reads the whole relation, so its size is what a window costs.
        return sql`SELECT kind, day, next_day, score, count(*)::bigint AS customers
                  FROM (SELECT kind, day, coalesce(lead(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '9999-12-31'::date) AS next_day, score
                          FROM (SELECT DISTINCT ON (s.kind, t.customer_id, ${DAY}) s.kind, t.customer_id, ${DAY} AS day, s.score
                                  FROM ${TOUCHPOINTS} t CROSS JOIN LATERAL ${SCORE} s
                                 WHERE t.properties ? 'score' AND ${this.customers(customerId, false)} AND ${this.touches()}
                                 ORDER BY s.kind, t.customer_id, ${DAY}, t.occurred_at DESC, t.id DESC) d) c
                 GROUP BY 1, 2, 3, 4`;
      case 'tr_daily':
        return sql`SELECT ${DAY} AS day, coalesce(t.from_stage, '') AS from_stage, t.to_stage, t.cause, count(*)::bigint AS transitions
                  FROM ${TRANSITIONS} t WHERE ${this.customers(customerId, true)} GROUP BY 1, 2, 3, 4`;
      case 'customer_gaps':
        return this.gapsScan(this.customers(customerId, true), sql`true`);
      case 'customer_tp_daily':
        return sql`SELECT ${DAY} AS day, t.type, t.channel, coalesce(t.campaign, '') AS campaign,
                       count(*)::bigint AS touchpoints, coalesce(sum(t.value), 0) AS value_sum
                  FROM ${TOUCHPOINTS} t WHERE ${this.customers(customerId, true)} GROUP BY 1, 2, 3, 4`;
      case 'acq_daily':
      case 'acq_credited':
        return this.acquisitionsScan();
      case 'stage_totals':
        return this.runningSums(sql`SELECT 'stage'::text AS measure, x.to_stage AS key, x.day, x.transitions::numeric AS delta
                                       FROM ${this.relation('tr_daily')} x WHERE x.to_stage <> ''
                                     UNION ALL
                                     SELECT 'stage', x.from_stage, x.day, -x.transitions FROM ${this.relation('tr_daily')} x WHERE x.from_stage <> ''`);
      case 'acquired_totals':
        return this.runningSums(sql`SELECT 'acquired'::text AS measure, ''::text AS key, x.day, x.customers::numeric AS delta
                                       FROM ${this.relation('acq_daily')} x`);
      case 'sales_totals':
        return this.runningSums(sql`SELECT 'sales'::text AS measure, ''::text AS key, x.day, x.value_sum AS delta
                                       FROM ${this.relation('customer_tp_daily')} x WHERE x.type = ${sql.raw(`'${PURCHASE}'`)}`);
      case 'entry_bins':
        // Over the entries as computed for this statement (their common table expression comes first).
        return sql`SELECT e.cohort_day, e.stage, metric_seconds_bin(e.seconds_from_entry) AS bin, count(*)::bigint AS entries
                  FROM ${this.relation('entries')} e GROUP BY 1, 2, 3`;
      case 'entries':
      case 'stays':
      case 'funnel_daily':
        return this.journeyRelation(name);
      case 'purchasers':
        return sql`SELECT customer_id, times[1] AS first_purchase_at, times[2] AS second_purchase_at
                  FROM (SELECT t.customer_id, (array_agg(t.occurred_at ORDER BY t.occurred_at))[1:2] AS times
                          FROM ${TOUCHPOINTS} t WHERE t.type = ${sql.raw(`'${PURCHASE}'`)} AND ${this.customers(customerId, true)}
                         GROUP BY t.customer_id) p`;
    }
  }

  /** The running sums of `changes` (measure, key, day, delta) per day, as in metric_running_totals. */
  private runningSums(changes: SqlFragment): SqlFragment {
    return sql`SELECT c.measure, c.key, c.day, sum(sum(c.delta)) OVER (PARTITION BY c.measure, c.key ORDER BY c.day) AS total
              FROM (${changes}) c GROUP BY c.measure, c.key, c.day`;
  }

  private acquisitionsScan(): SqlFragment {
    if (this.context.attribution === Attribution.LAST_TOUCH) {
      return sql`SELECT (x.acquired_at AT TIME ZONE 'UTC')::date AS day, coalesce(x.channel, '') AS channel, coalesce(x.campaign, '') AS campaign,
                       coalesce(x.channel, '') AS first_channel, coalesce(x.campaign, '') AS first_campaign, count(*)::bigint AS customers
                  FROM (${this.creditedSql()}) x WHERE ${this.customers(sql.raw('x.customer_id'), false)} GROUP BY 1, 2, 3, 4, 5`;
    }
    return sql`SELECT (a.occurred_at AT TIME ZONE 'UTC')::date AS day, coalesce(tp.channel, '') AS channel, coalesce(tp.campaign, '') AS campaign,
                     coalesce(f.channel, '') AS first_channel, coalesce(f.campaign, '') AS first_campaign, count(*)::bigint AS customers
                FROM (SELECT DISTINCT ON (t.customer_id) t.customer_id, t.occurred_at, t.touchpoint_id, t.tx_id
                        FROM ${TRANSITIONS} t
                       WHERE t.to_stage = ${this.context.acquiredStage} AND ${this.customers(sql.raw('t.customer_id'), false)}
                       ORDER BY t.customer_id, t.tx_id, t.id) a
                LEFT JOIN ${TOUCHPOINTS} tp ON tp.id = a.touchpoint_id
                LEFT JOIN LATERAL (SELECT x.channel, x.campaign FROM ${TOUCHPOINTS} x WHERE x.customer_id = a.customer_id AND x.tx_id <= a.tx_id
                                    ORDER BY x.occurred_at, x.id LIMIT 1) f ON true
               GROUP BY 1, 2, 3, 4, 5`;
  }

  private gapsScan(customers: SqlFragment, touches: SqlFragment): SqlFragment {
    const kinds = activityKindsOf(sql`${this.context.engagementTypes}::text[]`);
    // One row per (kind, day, previous day) as in the projection's table, not one per customer-day (see score_chain).
    return sql`SELECT kind, day, prev_day, count(*)::bigint AS customers,
                   sum(count(*)) OVER (PARTITION BY kind, day ORDER BY prev_day)::bigint AS customers_upto
              FROM (SELECT kind, day, coalesce(lag(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '0001-01-01'::date) AS prev_day
                      FROM (SELECT DISTINCT k.kind, t.customer_id, ${DAY} AS day
                              FROM ${TOUCHPOINTS} t CROSS JOIN LATERAL ${kinds} k(kind)
                             WHERE k.kind IS NOT NULL AND ${customers} AND ${touches}) d) g
             GROUP BY 1, 2, 3`;
  }

  /**
   * The acquired customers with the channel and campaign they are credited to
   * (customer_id, acquired_at, channel, campaign): their first touch, the
   * touch that acquired them, or the last campaign touch within the lookback
   * (else the acquiring touch).
   */
  creditedSql(): SqlFragment {
    switch (this.context.attribution) {
      case Attribution.FIRST_TOUCH:
        return sql`SELECT a.customer_id, a.acquired_at, a.first_touch_channel AS channel, a.first_touch_campaign AS campaign FROM ${ACQUISITIONS} a`;
      case Attribution.ACQUIRING_TOUCH:
        return sql`SELECT a.customer_id, a.acquired_at, a.channel, a.campaign FROM ${ACQUISITIONS} a`;
      case Attribution.LAST_TOUCH:
        return sql`SELECT a.customer_id, a.acquired_at, coalesce(l.channel, a.channel) AS channel, coalesce(l.campaign, a.campaign) AS campaign
                  FROM ${ACQUISITIONS} a
                  LEFT JOIN LATERAL (
                    SELECT t.channel, t.campaign FROM ${TOUCHPOINTS} t
                     WHERE t.customer_id = a.customer_id AND t.campaign IS NOT NULL AND t.occurred_at <= a.acquired_at
                       AND t.occurred_at >= a.acquired_at - make_interval(days => ${this.context.lookbackDays ?? 30}::int)
                     ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1) l ON true`;
    }
  }

  /** The credited customers (see creditedSql) among the filter's segment. */
  creditedCustomers(): SqlFragment {
    const segment = this.filter.segment ? this.members(sql.raw('x.customer_id'), this.filter.segment) : sql`true`;
    return sql`SELECT x.* FROM (${this.creditedSql()}) x WHERE ${segment}`;
  }

  private journeyRelation(name: 'entries' | 'stays' | 'funnel_daily'): SqlFragment {
    const journeys = sql`SELECT t.customer_id, t.to_stage, t.occurred_at, t.tx_id, t.id,
                             first_value(t.occurred_at) OVER (PARTITION BY t.customer_id ORDER BY t.tx_id, t.id) AS entered_at,
                             lead(t.occurred_at) OVER (PARTITION BY t.customer_id ORDER BY t.tx_id, t.id) AS next_at
                        FROM ${TRANSITIONS} t WHERE ${this.customers(sql.raw('t.customer_id'), true)}`;
    const entries = sql`SELECT DISTINCT ON (j.customer_id, j.to_stage) j.customer_id, j.to_stage AS stage, j.occurred_at AS entered_at,
                            (j.entered_at AT TIME ZONE 'UTC')::date AS cohort_day,
                            extract(epoch FROM j.occurred_at - j.entered_at)::float8 AS seconds_from_entry
                       FROM (${journeys}) j ORDER BY j.customer_id, j.to_stage, j.tx_id, j.id`;
    if (name === 'entries') return entries;
    if (name === 'stays') {
      return sql`SELECT (j.next_at AT TIME ZONE 'UTC')::date AS day, j.to_stage AS stage,
                     greatest(0, extract(epoch FROM j.next_at - j.occurred_at))::float8 AS seconds
                FROM (${journeys}) j WHERE j.next_at IS NOT NULL`;
    }
    const funnel = sql`${this.context.funnel}::text[]`;
    return sql`SELECT cohort_day, stage, count(*)::bigint AS customers
              FROM (SELECT DISTINCT ON (e.customer_id) e.customer_id, e.cohort_day, e.stage
                      FROM (${entries}) e
                     WHERE array_position(${funnel}, e.stage) IS NOT NULL
                     ORDER BY e.customer_id, array_position(${funnel}, e.stage) DESC) f
             GROUP BY 1, 2`;
  }
}
