import { ACTIVITY_KINDS_SQL, PURCHASE, SCORE_SQL } from './vocabulary';

/**
 * The relations every metric is written over, and where each comes from.
 *
 * A metric's SQL names relations in braces (`{tp_daily}`). Each relation is
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
  | 'gaps'
  | 'acq_daily'
  | 'funnel_daily'
  | 'entries'
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

/** Collects positional parameters while SQL is assembled. */
export class Parameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const PROJECTED: Record<RelationName, string> = {
  tp_daily: 'metric_touchpoints_daily',
  tr_daily: 'metric_transitions_daily',
  gaps: 'metric_activity_gaps',
  acq_daily: 'metric_acquisitions_daily',
  funnel_daily: 'metric_funnel_daily',
  entries: 'metric_stage_entries',
  stays: 'metric_stage_stays',
  scores_daily: 'metric_scores_daily',
  score_chain: 'metric_score_chain',
  purchasers: '(SELECT customer_id, first_purchase_at, second_purchase_at FROM metric_customers WHERE first_purchase_at IS NOT NULL)',
  customer_gaps: 'metric_activity_gaps',
  customer_tp_daily: 'metric_touchpoints_daily',
};

const DAY = `(t.occurred_at AT TIME ZONE 'UTC')::date`;

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
 * Resolves the relations of one metric query. `mode: 'scan'` computes every
 * relation from the base tables (the benchmark's baseline).
 */
export class MetricSources {
  private readonly scanned = new Map<RelationName, string>();

  constructor(
    private readonly filter: MetricFilter,
    private readonly context: SourceContext,
    private readonly parameters: Parameters,
    private readonly mode: 'auto' | 'scan' = 'auto',
  ) {}

  /** `sql` with every `{relation}` resolved, and the WITH clause of the relations computed on the fly. */
  render(sql: string): string {
    const body = sql.replace(/\{([a-z_]+)\}/g, (_match, name: string) => this.relation(name as RelationName));
    if (this.scanned.size === 0) return body;
    const ctes = [...this.scanned.entries()].map(([name, definition]) => `scan_${name} AS (${definition})`).join(',\n');
    const ownWith = /^\s*WITH\s/i.exec(body);
    return ownWith ? `WITH ${ctes},\n${body.slice(ownWith[0].length)}` : `WITH ${ctes}\n${body}`;
  }

  private relation(name: RelationName): string {
    if (!(name in PROJECTED)) throw new Error(`unknown metric relation {${name}}`);
    if (!this.mustScan(name)) return PROJECTED[name];
    if (!this.scanned.has(name)) this.scanned.set(name, this.scan(name));
    return `scan_${name}`;
  }

  private mustScan(name: RelationName): boolean {
    if (this.mode === 'scan') return true;
    const { segment, channel, campaign } = this.filter;
    const byTouch = Boolean(channel) || Boolean(campaign);
    switch (name) {
      case 'tp_daily':
        // It carries channel and campaign columns; the metric filters on them.
        return Boolean(segment);
      case 'acq_daily':
        // So does this one, for the first and the acquiring touch; the last touch within N days is computed.
        return Boolean(segment) || this.context.attribution === Attribution.LAST_TOUCH;
      default:
        return Boolean(segment) || byTouch;
    }
  }

  /** A predicate on the customer id column `column`: the segment's members (and, for customer relations, those acquired through the channel or campaign). */
  private customers(column: string, byAcquisition: boolean): string {
    const parts: string[] = [];
    if (this.mode === 'scan' && !this.filter.segment && !this.filter.channel && !this.filter.campaign) return 'true';
    if (this.filter.segment) {
      parts.push(
        `${column} IN (SELECT m.customer_id FROM segment_members m WHERE m.segment_id = ${this.parameters.add(this.filter.segment)}::uuid)`,
      );
    }
    if (byAcquisition && (this.filter.channel || this.filter.campaign)) {
      const conditions: string[] = [];
      if (this.filter.channel) conditions.push(`x.channel = ${this.parameters.add(this.filter.channel)}`);
      if (this.filter.campaign) conditions.push(`x.campaign = ${this.parameters.add(this.filter.campaign)}`);
      // First touch: every customer, acquired or not (a funnel keeps those who never bought): an acquired customer's
      // first touch as known when they were acquired, anyone else's first touchpoint.
      const credited =
        this.context.attribution === Attribution.FIRST_TOUCH
          ? `SELECT f.customer_id,
                    CASE WHEN a.customer_id IS NULL THEN f.channel ELSE a.first_touch_channel END AS channel,
                    CASE WHEN a.customer_id IS NULL THEN f.campaign ELSE a.first_touch_campaign END AS campaign
               FROM (SELECT DISTINCT ON (t.customer_id) t.customer_id, t.channel, t.campaign
                       FROM touchpoints t ORDER BY t.customer_id, t.occurred_at, t.id) f
               LEFT JOIN customer_acquisitions a ON a.customer_id = f.customer_id`
          : this.creditedSql();
      parts.push(`${column} IN (SELECT x.customer_id FROM (${credited}) x WHERE ${conditions.join(' AND ')})`);
    }
    return parts.length === 0 ? 'true' : parts.join(' AND ');
  }

  /** A predicate on touchpoints aliased `t`: those of the channel and campaign (for activity and scores). */
  private touches(): string {
    const parts: string[] = [];
    if (this.filter.channel) parts.push(`t.channel = ${this.parameters.add(this.filter.channel)}`);
    if (this.filter.campaign) parts.push(`t.campaign = ${this.parameters.add(this.filter.campaign)}`);
    return parts.length === 0 ? 'true' : parts.join(' AND ');
  }

  private scan(name: RelationName): string {
    switch (name) {
      case 'tp_daily':
        return `SELECT ${DAY} AS day, t.type, t.channel, coalesce(t.campaign, '') AS campaign,
                       count(*)::bigint AS touchpoints, coalesce(sum(t.value), 0) AS value_sum
                  FROM touchpoints t WHERE ${this.customers('t.customer_id', false)} GROUP BY 1, 2, 3, 4`;
      case 'gaps':
        return this.gapsScan(this.customers('t.customer_id', false), this.touches());
      case 'scores_daily':
        return `SELECT s.kind, ${DAY} AS day, s.score, count(*)::bigint AS responses
                  FROM touchpoints t CROSS JOIN LATERAL ${SCORE_SQL} s
                 WHERE t.properties ? 'score' AND ${this.customers('t.customer_id', false)} AND ${this.touches()}
                 GROUP BY 1, 2, 3`;
      case 'score_chain':
        return `SELECT kind, day, coalesce(lead(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '9999-12-31'::date) AS next_day,
                       score, 1::bigint AS customers
                  FROM (SELECT DISTINCT ON (s.kind, t.customer_id, ${DAY}) s.kind, t.customer_id, ${DAY} AS day, s.score
                          FROM touchpoints t CROSS JOIN LATERAL ${SCORE_SQL} s
                         WHERE t.properties ? 'score' AND ${this.customers('t.customer_id', false)} AND ${this.touches()}
                         ORDER BY s.kind, t.customer_id, ${DAY}, t.occurred_at DESC, t.id DESC) d`;
      case 'tr_daily':
        return `SELECT ${DAY} AS day, coalesce(t.from_stage, '') AS from_stage, t.to_stage, t.cause, count(*)::bigint AS transitions
                  FROM stage_transitions t WHERE ${this.customers('t.customer_id', true)} GROUP BY 1, 2, 3, 4`;
      case 'customer_gaps':
        return this.gapsScan(this.customers('t.customer_id', true), 'true');
      case 'customer_tp_daily':
        return `SELECT ${DAY} AS day, t.type, t.channel, coalesce(t.campaign, '') AS campaign,
                       count(*)::bigint AS touchpoints, coalesce(sum(t.value), 0) AS value_sum
                  FROM touchpoints t WHERE ${this.customers('t.customer_id', true)} GROUP BY 1, 2, 3, 4`;
      case 'acq_daily': {
        if (this.context.attribution === Attribution.LAST_TOUCH) {
          return `SELECT (x.acquired_at AT TIME ZONE 'UTC')::date AS day, coalesce(x.channel, '') AS channel, coalesce(x.campaign, '') AS campaign,
                         coalesce(x.channel, '') AS first_channel, coalesce(x.campaign, '') AS first_campaign, count(*)::bigint AS customers
                    FROM (${this.creditedSql()}) x WHERE ${this.customers('x.customer_id', false)} GROUP BY 1, 2, 3, 4, 5`;
        }
        const acquired = this.parameters.add(this.context.acquiredStage);
        return `SELECT (a.occurred_at AT TIME ZONE 'UTC')::date AS day, coalesce(tp.channel, '') AS channel, coalesce(tp.campaign, '') AS campaign,
                       coalesce(f.channel, '') AS first_channel, coalesce(f.campaign, '') AS first_campaign, count(*)::bigint AS customers
                  FROM (SELECT DISTINCT ON (t.customer_id) t.customer_id, t.occurred_at, t.touchpoint_id, t.tx_id
                          FROM stage_transitions t
                         WHERE t.to_stage = ${acquired} AND ${this.customers('t.customer_id', false)}
                         ORDER BY t.customer_id, t.tx_id, t.id) a
                  LEFT JOIN touchpoints tp ON tp.id = a.touchpoint_id
                  LEFT JOIN LATERAL (SELECT x.channel, x.campaign FROM touchpoints x WHERE x.customer_id = a.customer_id AND x.tx_id <= a.tx_id
                                      ORDER BY x.occurred_at, x.id LIMIT 1) f ON true
                 GROUP BY 1, 2, 3, 4, 5`;
      }
      case 'entries':
      case 'stays':
      case 'funnel_daily':
        return this.journeyRelation(name);
      case 'purchasers':
        return `SELECT customer_id, times[1] AS first_purchase_at, times[2] AS second_purchase_at
                  FROM (SELECT t.customer_id, (array_agg(t.occurred_at ORDER BY t.occurred_at))[1:2] AS times
                          FROM touchpoints t WHERE t.type = '${PURCHASE}' AND ${this.customers('t.customer_id', true)}
                         GROUP BY t.customer_id) p`;
    }
  }

  private gapsScan(customers: string, touches: string): string {
    const kinds = ACTIVITY_KINDS_SQL.replace('$5::text[]', `${this.parameters.add(this.context.engagementTypes)}::text[]`);
    return `SELECT kind, day, coalesce(lag(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '0001-01-01'::date) AS prev_day,
                   1::bigint AS customers
              FROM (SELECT DISTINCT k.kind, t.customer_id, ${DAY} AS day
                      FROM touchpoints t CROSS JOIN LATERAL ${kinds} k(kind)
                     WHERE k.kind IS NOT NULL AND ${customers} AND ${touches}) d`;
  }

  /**
   * The acquired customers with the channel and campaign they are credited to
   * (customer_id, acquired_at, channel, campaign): their first touch, the
   * touch that acquired them, or the last campaign touch within the lookback
   * (else the acquiring touch).
   */
  creditedSql(): string {
    switch (this.context.attribution) {
      case Attribution.FIRST_TOUCH:
        return `SELECT a.customer_id, a.acquired_at, a.first_touch_channel AS channel, a.first_touch_campaign AS campaign FROM customer_acquisitions a`;
      case Attribution.ACQUIRING_TOUCH:
        return `SELECT a.customer_id, a.acquired_at, a.channel, a.campaign FROM customer_acquisitions a`;
      case Attribution.LAST_TOUCH: {
        const lookback = this.parameters.add(this.context.lookbackDays ?? 30);
        return `SELECT a.customer_id, a.acquired_at, coalesce(l.channel, a.channel) AS channel, coalesce(l.campaign, a.campaign) AS campaign
                  FROM customer_acquisitions a
                  LEFT JOIN LATERAL (
                    SELECT t.channel, t.campaign FROM touchpoints t
                     WHERE t.customer_id = a.customer_id AND t.campaign IS NOT NULL AND t.occurred_at <= a.acquired_at
                       AND t.occurred_at >= a.acquired_at - make_interval(days => ${lookback}::int)
                     ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1) l ON true`;
      }
    }
  }

  /** The credited customers (see creditedSql) among the filter's segment. */
  creditedCustomers(): string {
    return `SELECT x.* FROM (${this.creditedSql()}) x WHERE ${this.segmentOnly('x.customer_id')}`;
  }

  private segmentOnly(column: string): string {
    if (!this.filter.segment) return 'true';
    return `${column} IN (SELECT m.customer_id FROM segment_members m WHERE m.segment_id = ${this.parameters.add(this.filter.segment)}::uuid)`;
  }

  private journeyRelation(name: 'entries' | 'stays' | 'funnel_daily'): string {
    const journeys = `SELECT t.customer_id, t.to_stage, t.occurred_at, t.tx_id, t.id,
                             first_value(t.occurred_at) OVER (PARTITION BY t.customer_id ORDER BY t.tx_id, t.id) AS entered_at,
                             lead(t.occurred_at) OVER (PARTITION BY t.customer_id ORDER BY t.tx_id, t.id) AS next_at
                        FROM stage_transitions t WHERE ${this.customers('t.customer_id', true)}`;
    const entries = `SELECT DISTINCT ON (j.customer_id, j.to_stage) j.customer_id, j.to_stage AS stage, j.occurred_at AS entered_at,
                            (j.entered_at AT TIME ZONE 'UTC')::date AS cohort_day,
                            extract(epoch FROM j.occurred_at - j.entered_at)::float8 AS seconds_from_entry
                       FROM (${journeys}) j ORDER BY j.customer_id, j.to_stage, j.tx_id, j.id`;
    if (name === 'entries') return entries;
    if (name === 'stays') {
      return `SELECT (j.next_at AT TIME ZONE 'UTC')::date AS day, j.to_stage AS stage,
                     greatest(0, extract(epoch FROM j.next_at - j.occurred_at))::float8 AS seconds
                FROM (${journeys}) j WHERE j.next_at IS NOT NULL`;
    }
    const funnel = this.parameters.add(this.context.funnel);
    return `SELECT cohort_day, stage, count(*)::bigint AS customers
              FROM (SELECT DISTINCT ON (e.customer_id) e.customer_id, e.cohort_day, e.stage
                      FROM (${entries}) e
                     WHERE array_position(${funnel}::text[], e.stage) IS NOT NULL
                     ORDER BY e.customer_id, array_position(${funnel}::text[], e.stage) DESC) f
             GROUP BY 1, 2`;
  }
}
