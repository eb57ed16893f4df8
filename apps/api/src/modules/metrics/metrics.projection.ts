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
import { CUSTOMER_ACQUISITIONS_TABLE } from './metric-relations';
import { DAY, inRange, rangeParameters } from './projection-stretch';
import { addToRunningTotals, stageChanges } from './running-totals.sql';
import { applyTouchpointRollups } from './touchpoint-rollups.sql';

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

/**
 * A customer's transitions fold into their journey in log order (stage, time in stage, funnel, acquisition): one
 * applied after a later one would leave the customer in the earlier stage. So a transition behind a failed one of
 * the same customer waits for it (Projector's `orderedBy`).
 */
const IN_CUSTOMER_ORDER = { ...LAZY, orderedBy: 'customer_id' };

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

/** A customer's first entry into a stage, counted in its cohort's bin of seconds (the funnel's medians) when it is new. */
const WRITE_ENTRIES = prepared(`
  WITH kept AS (
    INSERT INTO metric_stage_entries (customer_id, stage, entered_at, cohort_day, seconds_from_entry)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::date[], $5::float8[])
    ON CONFLICT DO NOTHING
    RETURNING cohort_day, stage, seconds_from_entry
  )
  INSERT INTO metric_entry_bins AS m (cohort_day, stage, bin, entries)
  SELECT cohort_day, stage, metric_seconds_bin(seconds_from_entry), count(*) FROM kept GROUP BY 1, 2, 3
  ON CONFLICT (cohort_day, stage, bin) DO UPDATE SET entries = m.entries + EXCLUDED.entries`);

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
  ), daily AS (
    INSERT INTO metric_acquisitions_daily AS m (day, channel, campaign, first_channel, first_campaign, customers)
    SELECT (acquired_at AT TIME ZONE 'UTC')::date, coalesce(channel, ''), coalesce(campaign, ''),
           coalesce(first_touch_channel, ''), coalesce(first_touch_campaign, ''), count(*)
      FROM kept GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (day, channel, campaign, first_channel, first_campaign) DO UPDATE SET customers = m.customers + EXCLUDED.customers
  )
  SELECT (acquired_at AT TIME ZONE 'UTC')::date::text AS day, count(*)::text AS customers FROM kept GROUP BY 1`);

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
  ), counted AS (
    SELECT day, stage, count(*) AS customers FROM erased WHERE stage IS NOT NULL GROUP BY day, stage
  ), written AS (
    INSERT INTO metric_transitions_daily AS m (day, from_stage, to_stage, cause, transitions)
    SELECT day, stage, '', 'erased', customers FROM counted
    ON CONFLICT (day, from_stage, to_stage, cause) DO UPDATE SET transitions = m.transitions + EXCLUDED.transitions
  )
  SELECT day::text AS day, stage, customers::int AS customers FROM counted`);

/**
 * The metrics projection: daily rollups and per-customer facts derived from
 * the touchpoint and transition logs (see the migration
 * 1764300000000-projections for each table's meaning).
 */
export class MetricsProjection {
  constructor(private readonly model: () => Promise<LifecycleModel>) {}

  register(projector: Projector): void {
    projector
      .followRange(METRICS_PROJECTION, METRIC_LOGS.transitions, (uow, range) => this.applyTransitions(uow, range), IN_CUSTOMER_ORDER)
      .followRange(METRICS_PROJECTION, METRIC_LOGS.touchpoints, (uow, range) => this.applyTouchpoints(uow, range), LAZY)
      .followRange(METRICS_PROJECTION, METRIC_LOGS.erasures, (uow, range) => this.applyErasures(uow, range), LAZY);
  }

  async applyTouchpoints(uow: UnitOfWork, range: LogRange): Promise<void> {
    await applyTouchpointRollups(uow, range);
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
    await addToRunningTotals(uow, transitions.flatMap(stageChanges));
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
      const acquired = await uow.query<{ day: string; customers: string }>(WRITE_ACQUISITIONS, [
        fold.acquisitions.map((a) => a.customerId),
        fold.acquisitions.map((a) => a.acquiredAt),
        fold.acquisitions.map((a) => a.stage),
        fold.acquisitions.map((a) => a.touchpointId),
        fold.acquisitions.map((a) => a.txId),
      ]);
      await addToRunningTotals(
        uow,
        acquired.map((row) => ({ measure: 'acquired', key: '', day: row.day, delta: row.customers })),
      );
    }
  }

  async applyErasures(uow: UnitOfWork, range: LogRange): Promise<void> {
    const erased = await uow.query<{ day: string; stage: string; customers: number }>(ERASE, rangeParameters(range));
    await addToRunningTotals(
      uow,
      erased.map((row) => ({ measure: 'stage', key: row.stage, day: row.day, delta: String(-row.customers) })),
    );
  }
}
