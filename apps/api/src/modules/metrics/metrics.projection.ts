import type { LifecycleModel } from '@clm/schema';
import { prepared } from '../../database/db';
import type { UnitOfWork } from '../../database/db';
import type { LogRange, Projector } from '../../log';
import { isoDay } from '../../core/dates';
import { CUSTOMERS_TABLE } from '../customers';
import { TRANSITIONS_TABLE } from '../lifecycle';
import { TOUCHPOINTS_TABLE } from '../touchpoints';
import { foldTransitions } from './journey-fold';
import type { FoldedTransition, MetricCustomer } from './journey-fold';
import { CUSTOMER_ACQUISITIONS_TABLE, METRIC_CUSTOMER_SCORES_TABLE, METRIC_TOUCHPOINTS_DAILY_TABLE } from './metric-relations';
import { ACTIVITY_KINDS_SQL, ENGAGEMENT_TYPES, PURCHASE, SCORE_SQL } from './vocabulary';

/** The projection's name in projection_positions. */
export const METRICS_PROJECTION = 'metrics';

export const METRIC_LOGS = {
  touchpoints: { name: 'touchpoints', table: TOUCHPOINTS_TABLE },
  transitions: { name: 'stage_transitions', table: TRANSITIONS_TABLE },
  erasures: { name: 'customer_erasures', table: 'customer_erasures' },
} as const;

const LOCK_STRETCH_CUSTOMERS = prepared(`
  SELECT c.id FROM ${CUSTOMERS_TABLE} c
   WHERE c.id IN (SELECT t.customer_id FROM ${TRANSITIONS_TABLE} t WHERE ${inRange('t')})
   ORDER BY c.id FOR KEY SHARE OF c`);

/** Metrics are a read model nobody streams: its steps may commit lazily (see Projector). */
const LAZY = { lazyCommit: true };

/** Rows of `alias` in the stretch ($1, $2] of its log, as (tx_id, id) pairs. */
function inRange(alias: string): string {
  // The plain tx_id bounds say nothing new, but let the planner see how few rows a stretch holds (it cannot from the row comparisons).
  return `(${alias}.tx_id, ${alias}.id) > ($1::xid8, $2::bigint) AND (${alias}.tx_id, ${alias}.id) <= ($3::xid8, $4::bigint)
          AND ${alias}.tx_id >= $1::xid8 AND ${alias}.tx_id <= $3::xid8`;
}

function rangeParameters(range: LogRange): string[] {
  return [range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()];
}

const DAY = `(t.occurred_at AT TIME ZONE 'UTC')::date`;

/**
 * The CTEs `touched` and `known`: for each (kind, customer) with rows in
 * `changed`, the rows `table` already holds from the last day before the
 * first changed one (lo) to the first day after the last (hi) — the only
 * stretch whose links a change can alter. That is lo, hi, and the known days
 * from the first changed day to the last: looked up only when the changed
 * days span several days (rare) or, with `changedMayBeKnown`, may themselves
 * be known (a day scored again).
 *
 * Every lookup is by the table's primary key (kind, customer_id, day), each
 * in a LATERAL subquery kept apart by OFFSET 0: the planner cannot size
 * `changed` (fed by RETURNING) and, left to itself, hashes the whole table,
 * which grows with every active day of every customer.
 * `extraColumn` (such as `score`) is read for each known day by its key.
 */
function neighbourhood(table: string, changed: string, options: { extraColumn?: string; changedMayBeKnown: boolean }): string {
  const extraColumn = options.extraColumn ?? null;
  const extra = extraColumn === null ? '' : `, e.${extraColumn}`;
  const readExtra =
    extraColumn === null
      ? ''
      : `CROSS JOIN LATERAL (SELECT a.${extraColumn} FROM ${table} a
                          WHERE a.kind = k.kind AND a.customer_id = k.customer_id AND a.day = k.day OFFSET 0) e`;
  return `touched AS (
    SELECT kind, customer_id, min(day) AS first_new, max(day) AS last_new FROM ${changed} GROUP BY kind, customer_id
  ), known_days AS (
    SELECT x.kind, x.customer_id, n.day
      FROM touched x
      CROSS JOIN LATERAL (
        SELECT (SELECT max(a.day) FROM ${table} a WHERE a.kind = x.kind AND a.customer_id = x.customer_id AND a.day < x.first_new) AS lo,
               (SELECT min(a.day) FROM ${table} a WHERE a.kind = x.kind AND a.customer_id = x.customer_id AND a.day > x.last_new) AS hi
        OFFSET 0
      ) b
      CROSS JOIN LATERAL (VALUES (b.lo), (b.hi)) n(day)
     WHERE n.day IS NOT NULL
    UNION ALL
    SELECT x.kind, x.customer_id, a.day
      FROM touched x
      CROSS JOIN LATERAL (
        SELECT a.day FROM ${table} a
         WHERE a.kind = x.kind AND a.customer_id = x.customer_id AND a.day >= x.first_new AND a.day <= x.last_new
        OFFSET 0
      ) a
     WHERE x.first_new < x.last_new OR ${options.changedMayBeKnown}
  ), known AS (
    SELECT k.kind, k.customer_id, k.day${extra} FROM known_days k ${readExtra}
  )`;
}

const TOUCHPOINTS_DAILY = prepared(`
  INSERT INTO ${METRIC_TOUCHPOINTS_DAILY_TABLE} AS m (day, type, channel, campaign, touchpoints, value_sum)
  SELECT ${DAY}, t.type, t.channel, coalesce(t.campaign, ''), count(*), coalesce(sum(t.value), 0)
    FROM ${TOUCHPOINTS_TABLE} t
   WHERE ${inRange('t')}
   GROUP BY 1, 2, 3, 4
  ON CONFLICT (day, type, channel, campaign)
  DO UPDATE SET touchpoints = m.touchpoints + EXCLUDED.touchpoints, value_sum = m.value_sum + EXCLUDED.value_sum`);

/*
 * New active days, and the change they make to the gap counts. Only the links
 * around the new days change: for each (kind, customer), the days from the last
 * known day before the first new one (lo) to the first known day after the last
 * new one (hi). Their links before (known days) are taken away and after (known
 * and new days) are added; the link into lo is the same in both and cancels.
 * The statement sees the table as it was before its own INSERT.
 */
const ACTIVITY = prepared(`
  WITH batch AS (
    SELECT DISTINCT k.kind, t.customer_id, ${DAY} AS day
      FROM ${TOUCHPOINTS_TABLE} t CROSS JOIN LATERAL ${ACTIVITY_KINDS_SQL} k(kind)
     WHERE ${inRange('t')} AND k.kind IS NOT NULL
  ), new_days AS (
    INSERT INTO metric_activity_days (kind, customer_id, day)
    SELECT kind, customer_id, day FROM batch
    ON CONFLICT DO NOTHING
    RETURNING kind, customer_id, day
  ), ${neighbourhood('metric_activity_days', 'new_days', { changedMayBeKnown: false })}
  , links AS (
    SELECT kind, day, coalesce(lag(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '0001-01-01'::date) AS prev_day, -1 AS delta
      FROM known
    UNION ALL
    SELECT kind, day, coalesce(lag(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '0001-01-01'::date), 1
      FROM (SELECT kind, customer_id, day FROM known UNION ALL SELECT kind, customer_id, day FROM new_days) merged
  )
  INSERT INTO metric_activity_gaps AS g (kind, day, prev_day, customers)
  SELECT kind, day, prev_day, sum(delta) FROM links GROUP BY kind, day, prev_day HAVING sum(delta) <> 0
  ON CONFLICT (kind, day, prev_day) DO UPDATE SET customers = g.customers + EXCLUDED.customers`);

const SCORES_DAILY = prepared(`
  INSERT INTO metric_scores_daily AS m (kind, day, score, responses)
  SELECT s.kind, ${DAY}, s.score, count(*)
    FROM ${TOUCHPOINTS_TABLE} t CROSS JOIN LATERAL ${SCORE_SQL} s
   WHERE ${inRange('t')} AND t.properties ? 'score'
   GROUP BY 1, 2, 3
  ON CONFLICT (kind, day, score) DO UPDATE SET responses = m.responses + EXCLUDED.responses`);

/*
 * Each customer's last score of each day, and the chain of scored days (the
 * same neighbourhood rewrite as the activity gaps, with the next day instead
 * of the previous one, and the score carried on each link).
 */
const SCORE_CHAIN = prepared(`
  WITH batch AS (
    SELECT DISTINCT ON (s.kind, t.customer_id, ${DAY}) s.kind, t.customer_id, ${DAY} AS day, s.score, t.occurred_at, t.id
      FROM ${TOUCHPOINTS_TABLE} t CROSS JOIN LATERAL ${SCORE_SQL} s
     WHERE ${inRange('t')} AND t.properties ? 'score'
     ORDER BY s.kind, t.customer_id, ${DAY}, t.occurred_at DESC, t.id DESC
  ), winners AS (
    SELECT b.* FROM batch b
      LEFT JOIN ${METRIC_CUSTOMER_SCORES_TABLE} c ON c.kind = b.kind AND c.customer_id = b.customer_id AND c.day = b.day
     WHERE c.customer_id IS NULL OR (b.occurred_at, b.id) > (c.scored_at, c.touchpoint_id)
  ), ${neighbourhood(METRIC_CUSTOMER_SCORES_TABLE, 'winners', { extraColumn: 'score', changedMayBeKnown: true })}
  , merged AS (
    -- A day the batch scored again takes the batch's score (by sorting, not a join: the planner
    -- cannot size these CTEs and would compare every pair).
    SELECT DISTINCT ON (kind, customer_id, day) kind, customer_id, day, score
      FROM (SELECT kind, customer_id, day, score, 0 AS preference FROM winners
            UNION ALL
            SELECT kind, customer_id, day, score, 1 FROM known) candidates
     ORDER BY kind, customer_id, day, preference
  ), links AS (
    SELECT kind, day, coalesce(lead(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '9999-12-31'::date) AS next_day, score, -1 AS delta
      FROM known
    UNION ALL
    SELECT kind, day, coalesce(lead(day) OVER (PARTITION BY kind, customer_id ORDER BY day), '9999-12-31'::date), score, 1
      FROM merged
  ), chain AS (
    INSERT INTO metric_score_chain AS m (kind, day, next_day, score, customers)
    SELECT kind, day, next_day, score, sum(delta) FROM links GROUP BY kind, day, next_day, score HAVING sum(delta) <> 0
    ON CONFLICT (kind, day, next_day, score) DO UPDATE SET customers = m.customers + EXCLUDED.customers
  )
  INSERT INTO ${METRIC_CUSTOMER_SCORES_TABLE} AS c (kind, customer_id, day, score, scored_at, touchpoint_id)
  SELECT kind, customer_id, day, score, occurred_at, id FROM winners
  ON CONFLICT (kind, customer_id, day)
  DO UPDATE SET score = EXCLUDED.score, scored_at = EXCLUDED.scored_at, touchpoint_id = EXCLUDED.touchpoint_id`);

/** Each customer's first and second purchase times (the two earliest, late events included). */
const PURCHASES = prepared(`
  WITH batch AS (
    SELECT t.customer_id, (array_agg(t.occurred_at ORDER BY t.occurred_at))[1:2] AS times
      FROM ${TOUCHPOINTS_TABLE} t
     WHERE ${inRange('t')} AND t.type = '${PURCHASE}'
     GROUP BY t.customer_id
  )
  INSERT INTO metric_customers AS m (customer_id, first_purchase_at, second_purchase_at)
  SELECT customer_id, times[1], times[2] FROM batch
  ON CONFLICT (customer_id) DO UPDATE SET (first_purchase_at, second_purchase_at) = (
    SELECT earliest[1], earliest[2] FROM (
      SELECT array_agg(x ORDER BY x) AS earliest
        FROM unnest(ARRAY[m.first_purchase_at, m.second_purchase_at, EXCLUDED.first_purchase_at, EXCLUDED.second_purchase_at]) x
       WHERE x IS NOT NULL) s)`);

const TRANSITIONS_DAILY = prepared(`
  INSERT INTO metric_transitions_daily AS m (day, from_stage, to_stage, cause, transitions)
  SELECT ${DAY}, coalesce(t.from_stage, ''), t.to_stage, t.cause, count(*)
    FROM ${TRANSITIONS_TABLE} t
   WHERE ${inRange('t')}
   GROUP BY 1, 2, 3, 4
  ON CONFLICT (day, from_stage, to_stage, cause) DO UPDATE SET transitions = m.transitions + EXCLUDED.transitions`);

const READ_TRANSITIONS = prepared(`
  SELECT t.customer_id, t.from_stage, t.to_stage, t.occurred_at, t.touchpoint_id::text AS touchpoint_id, t.tx_id::text AS tx_id
    FROM ${TRANSITIONS_TABLE} t
   WHERE ${inRange('t')}
   ORDER BY t.tx_id, t.id`);

type TransitionRow = {
  customer_id: string;
  from_stage: string | null;
  to_stage: string;
  occurred_at: Date;
  touchpoint_id: string | null;
  tx_id: string;
};

type MetricCustomerRow = {
  customer_id: string;
  stage: string | null;
  stage_since: Date | null;
  entered_at: Date | null;
  furthest_stage: string | null;
  acquired_at: Date | null;
  erased: boolean;
};

const LOCK_CUSTOMERS = prepared(`
  SELECT customer_id, stage, stage_since, entered_at, furthest_stage, acquired_at, erased
    FROM metric_customers WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id FOR UPDATE`);

const WRITE_CUSTOMERS = prepared(`
  INSERT INTO metric_customers AS m (customer_id, stage, stage_since, entered_at, cohort_day, furthest_stage, acquired_at)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::date[], $6::text[], $7::timestamptz[])
  ON CONFLICT (customer_id) DO UPDATE SET stage = EXCLUDED.stage, stage_since = EXCLUDED.stage_since, entered_at = EXCLUDED.entered_at,
    cohort_day = EXCLUDED.cohort_day, furthest_stage = EXCLUDED.furthest_stage, acquired_at = EXCLUDED.acquired_at`);

const WRITE_ENTRIES = prepared(`
  INSERT INTO metric_stage_entries (customer_id, stage, entered_at, cohort_day, seconds_from_entry)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::date[], $5::float8[])
  ON CONFLICT DO NOTHING`);

const WRITE_STAYS = prepared(`
  INSERT INTO metric_stage_stays (day, stage, seconds) SELECT * FROM unnest($1::date[], $2::text[], $3::float8[])`);

const WRITE_FUNNEL = prepared(`
  INSERT INTO metric_funnel_daily AS m (cohort_day, stage, customers)
  SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[])
  ON CONFLICT (cohort_day, stage) DO UPDATE SET customers = m.customers + EXCLUDED.customers`);

/*
 * Acquisitions: the acquiring touchpoint's channel and campaign, and the
 * customer's first touchpoint (first touch) among those recorded up to the
 * acquiring transaction (a late event recorded afterwards changes nothing). A customer deleted
 * since has no row to join and is skipped; the row is locked (KEY SHARE, as the foreign key
 * check would) so that one being deleted right now is waited for and skipped too, instead of
 * failing the step on the foreign key.
 */
const WRITE_ACQUISITIONS = prepared(`
  WITH acquired AS (
    SELECT a.customer_id, a.acquired_at, a.stage, a.touchpoint_id,
           tp.channel, tp.campaign, first_touch.occurred_at AS first_touch_at,
           first_touch.channel AS first_touch_channel, first_touch.campaign AS first_touch_campaign
      FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::bigint[], $5::xid8[]) a(customer_id, acquired_at, stage, touchpoint_id, tx_id)
      JOIN ${CUSTOMERS_TABLE} c ON c.id = a.customer_id
      LEFT JOIN ${TOUCHPOINTS_TABLE} tp ON tp.id = a.touchpoint_id
      LEFT JOIN LATERAL (
        SELECT f.occurred_at, f.channel, f.campaign FROM ${TOUCHPOINTS_TABLE} f
         WHERE f.customer_id = a.customer_id AND f.tx_id <= a.tx_id ORDER BY f.occurred_at, f.id LIMIT 1) first_touch ON true
       FOR KEY SHARE OF c
  ), kept AS (
    INSERT INTO ${CUSTOMER_ACQUISITIONS_TABLE} (customer_id, acquired_at, stage, touchpoint_id, channel, campaign,
                                       first_touch_at, first_touch_channel, first_touch_campaign)
    SELECT customer_id, acquired_at, stage, touchpoint_id, channel, campaign, first_touch_at, first_touch_channel, first_touch_campaign
      FROM acquired
    ON CONFLICT (customer_id) DO NOTHING
    RETURNING acquired_at, channel, campaign, first_touch_channel, first_touch_campaign
  )
  INSERT INTO metric_acquisitions_daily AS m (day, channel, campaign, first_channel, first_campaign, customers)
  SELECT (acquired_at AT TIME ZONE 'UTC')::date, coalesce(channel, ''), coalesce(campaign, ''),
         coalesce(first_touch_channel, ''), coalesce(first_touch_campaign, ''), count(*)
    FROM kept GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (day, channel, campaign, first_channel, first_campaign) DO UPDATE SET customers = m.customers + EXCLUDED.customers`);

/*
 * An erased customer leaves the stage the projection had them in (dated the
 * erasure), and is marked so nothing counts them again. A customer whose
 * transitions were deleted before the projection read them was never counted.
 */
const ERASE = prepared(`
  WITH erased AS (
    UPDATE metric_customers m SET erased = true
      FROM customer_erasures e
     WHERE ${inRange('e')} AND m.customer_id = e.customer_id AND NOT m.erased
    RETURNING m.stage, (e.erased_at AT TIME ZONE 'UTC')::date AS day
  )
  INSERT INTO metric_transitions_daily AS m (day, from_stage, to_stage, cause, transitions)
  SELECT day, stage, '', 'erased', count(*) FROM erased WHERE stage IS NOT NULL GROUP BY day, stage
  ON CONFLICT (day, from_stage, to_stage, cause) DO UPDATE SET transitions = m.transitions + EXCLUDED.transitions`);

/**
 * The metrics projection: daily rollups and per-customer facts derived from
 * the touchpoint and transition logs (see the migration
 * 1764300000000-projections for each table's meaning).
 */
export class MetricsProjection {
  constructor(private readonly model: () => Promise<LifecycleModel>) {}

  register(projector: Projector): void {
    projector
      .followRange(METRICS_PROJECTION, METRIC_LOGS.transitions, (uow, range) => this.applyTransitions(uow, range), LAZY)
      .followRange(METRICS_PROJECTION, METRIC_LOGS.touchpoints, (uow, range) => this.applyTouchpoints(uow, range), LAZY)
      .followRange(METRICS_PROJECTION, METRIC_LOGS.erasures, (uow, range) => this.applyErasures(uow, range), LAZY);
  }

  async applyTouchpoints(uow: UnitOfWork, range: LogRange): Promise<void> {
    const parameters = rangeParameters(range);
    await uow.execute(TOUCHPOINTS_DAILY, parameters);
    await uow.execute(ACTIVITY, [...parameters, ENGAGEMENT_TYPES]);
    await uow.execute(SCORES_DAILY, parameters);
    await uow.execute(SCORE_CHAIN, parameters);
    await uow.execute(PURCHASES, parameters);
  }

  async applyTransitions(uow: UnitOfWork, range: LogRange): Promise<void> {
    const parameters = rangeParameters(range);
    // First wait for any deletion of the stretch's customers in progress: every statement after this one sees it done
    // (their transitions gone with them), so a customer is never half applied and then erased behind the step's back.
    await uow.query(LOCK_STRETCH_CUSTOMERS, parameters);
    await uow.execute(TRANSITIONS_DAILY, parameters);
    const rows = await uow.query<TransitionRow>(READ_TRANSITIONS, parameters);
    if (rows.length === 0) return;
    const transitions: FoldedTransition[] = rows.map((row) => ({
      customerId: row.customer_id,
      from: row.from_stage,
      to: row.to_stage,
      occurredAt: row.occurred_at,
      touchpointId: row.touchpoint_id,
      txId: row.tx_id,
    }));
    const ids = [...new Set(transitions.map((transition) => transition.customerId))];
    const known = new Map<string, MetricCustomer>();
    for (const row of await uow.query<MetricCustomerRow>(LOCK_CUSTOMERS, [ids])) {
      known.set(row.customer_id, {
        customerId: row.customer_id,
        stage: row.stage,
        stageSince: row.stage_since,
        enteredAt: row.entered_at,
        furthestStage: row.furthest_stage,
        acquiredAt: row.acquired_at,
        erased: row.erased,
      });
    }
    const model = await this.model();
    const fold = foldTransitions(known, transitions, {
      funnel: model.stages.map((stage) => stage.key),
      acquiredStage: model.acquiredStage,
    });

    const customers = fold.customers.filter((customer) => !customer.erased);
    await uow.execute(WRITE_CUSTOMERS, [
      customers.map((c) => c.customerId),
      customers.map((c) => c.stage),
      customers.map((c) => c.stageSince),
      customers.map((c) => c.enteredAt),
      customers.map((c) => (c.enteredAt ? isoDay(c.enteredAt) : null)),
      customers.map((c) => c.furthestStage),
      customers.map((c) => c.acquiredAt),
    ]);
    if (fold.entries.length > 0) {
      await uow.execute(WRITE_ENTRIES, [
        fold.entries.map((e) => e.customerId),
        fold.entries.map((e) => e.stage),
        fold.entries.map((e) => e.enteredAt),
        fold.entries.map((e) => e.cohortDay),
        fold.entries.map((e) => e.secondsFromEntry),
      ]);
    }
    if (fold.stays.length > 0) {
      await uow.execute(WRITE_STAYS, [fold.stays.map((s) => s.day), fold.stays.map((s) => s.stage), fold.stays.map((s) => s.seconds)]);
    }
    if (fold.funnel.length > 0) {
      await uow.execute(WRITE_FUNNEL, [
        fold.funnel.map((f) => f.cohortDay),
        fold.funnel.map((f) => f.stage),
        fold.funnel.map((f) => f.delta),
      ]);
    }
    if (fold.acquisitions.length > 0) {
      await uow.execute(WRITE_ACQUISITIONS, [
        fold.acquisitions.map((a) => a.customerId),
        fold.acquisitions.map((a) => a.acquiredAt),
        fold.acquisitions.map((a) => a.stage),
        fold.acquisitions.map((a) => a.touchpointId),
        fold.acquisitions.map((a) => a.txId),
      ]);
    }
  }

  async applyErasures(uow: UnitOfWork, range: LogRange): Promise<void> {
    await uow.execute(ERASE, rangeParameters(range));
  }
}
