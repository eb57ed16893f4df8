import { formatTenThousandths } from '../../core/money';
import { columnsOf, prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import { CUSTOMER_COLUMNS, CUSTOMERS_TABLE } from '../customers';
import type { CustomerRow } from '../customers';
import type { Journey, TransitionToWrite } from './journey';
import { insertTransitions } from './transition.sql';

/*
 * The lifecycle columns of the `customers` table (stage, stage_entered_at,
 * funnel_stage, type_counts, first/last seen, orders, revenue). The journey
 * writer is their only writer.
 */

/**
 * Writes customers' journeys and appends the transitions that led there, in
 * one statement (one round trip inside the batch's transaction; `c.id = ANY`
 * lets the planner fetch rows by primary key). Its text is the same for every
 * batch, so it is prepared once per connection.
 */
export async function writeJourneys(db: Queryable, journeys: readonly Journey[], transitions: readonly TransitionToWrite[]): Promise<void> {
  if (journeys.length === 0 && transitions.length === 0) return;
  const [ids, stages, enteredAt, funnelStages, typeCounts, firstSeenAt, lastSeenAt, orders, revenueDeltas] = columnsOf(
    journeys,
    9,
    (journey) => [
      journey.customerId,
      journey.lifecycle.stage,
      journey.lifecycle.stageEnteredAt?.toISOString() ?? null,
      journey.lifecycle.funnelStage,
      JSON.stringify(journey.lifecycle.typeCounts),
      journey.firstSeenAt?.toISOString() ?? null,
      journey.lifecycle.lastSeenAt?.toISOString() ?? null,
      journey.orders,
      formatTenThousandths(journey.revenueDelta),
    ],
  );
  // The ids travel once: the unnest and the primary-key lookup share the parameter.
  const customers = sql`${sql.value(ids)}::uuid[]`;
  await db.execute(
    prepared(sql`WITH appended AS (${insertTransitions(transitions)})
   UPDATE ${sql.raw(CUSTOMERS_TABLE)} c SET
      stage = u.stage, stage_entered_at = u.stage_entered_at, funnel_stage = u.funnel_stage,
      type_counts = u.type_counts::jsonb, first_seen_at = u.first_seen_at, last_seen_at = u.last_seen_at,
      orders = u.orders, revenue = c.revenue + u.revenue_delta, updated_at = now()
     FROM unnest(${customers}, ${stages}::text[], ${enteredAt}::timestamptz[], ${funnelStages}::text[], ${typeCounts}::text[],
                 ${firstSeenAt}::timestamptz[], ${lastSeenAt}::timestamptz[], ${orders}::int[], ${revenueDeltas}::numeric[])
       AS u(id, stage, stage_entered_at, funnel_stage, type_counts, first_seen_at, last_seen_at, orders, revenue_delta)
    WHERE c.id = u.id AND c.id = ANY (${customers})`),
  );
}

const LOCK_INACTIVE = prepared(
  `SELECT ${CUSTOMER_COLUMNS} FROM ${CUSTOMERS_TABLE}
    WHERE id > $1 AND ((stage = ANY ($2::text[]) AND last_seen_at <= $3) OR (stage = $4 AND last_seen_at <= $5))
    ORDER BY id LIMIT $6 FOR NO KEY UPDATE SKIP LOCKED`,
);

/**
 * The next customers (by id, after `afterId`) past an inactivity threshold,
 * locked; rows another writer holds are skipped (it is moving them). The lock
 * is FOR NO KEY UPDATE, like ingest's: rows that projections merely reference
 * (a foreign key check's KEY SHARE lock, when they write acquisitions or
 * segment members) are not skipped.
 */
export function lockInactiveCustomers(
  db: Queryable,
  query: { afterId: string; sweptStages: string[]; atRiskBefore: Date; atRisk: string; churnedBefore: Date; limit: number },
): Promise<CustomerRow[]> {
  return db.query<CustomerRow>(LOCK_INACTIVE, [
    query.afterId,
    query.sweptStages,
    query.atRiskBefore.toISOString(),
    query.atRisk,
    query.churnedBefore.toISOString(),
    query.limit,
  ]);
}

const STAGE_COUNTS = prepared(
  `SELECT s.stage, s.count, pg_current_snapshot()::text AS snapshot
     FROM (SELECT stage, count(*)::int AS count FROM ${CUSTOMERS_TABLE} WHERE stage IS NOT NULL GROUP BY stage) s
     RIGHT JOIN (SELECT 1) one ON TRUE`,
);

/** Customers per stage and the snapshot they were counted in (one statement, so the two agree). */
export async function countStages(db: Queryable): Promise<{ counts: Map<string, number>; snapshot: string }> {
  const rows = await db.query<{ stage: string | null; count: number | null; snapshot: string }>(STAGE_COUNTS);
  const counts = new Map<string, number>();
  for (const row of rows) if (row.stage !== null && row.count !== null) counts.set(row.stage, row.count);
  return { counts, snapshot: rows[0].snapshot };
}

const STRANDED = `SELECT stage, count(*)::int AS count, false AS returning FROM ${CUSTOMERS_TABLE}
   WHERE stage IS NOT NULL AND stage NOT IN ('at-risk', 'churned') AND NOT (stage = ANY ($1::text[]))
   GROUP BY stage
   UNION ALL
   SELECT funnel_stage, count(*)::int, true FROM ${CUSTOMERS_TABLE}
   WHERE $2 AND stage IN ('at-risk', 'churned') AND funnel_stage IS NOT NULL AND NOT (funnel_stage = ANY ($1::text[]))
   GROUP BY funnel_stage
   ORDER BY 3, 1`;

export type Stranded = { stage: string; count: number; returning: boolean };

/**
 * Customers a model with only `stages` would strand: those in a funnel stage
 * it lacks, and, when win-back returns customers to the stage they held
 * (`returnsToHeldStage`), at-risk and churned customers who held one.
 */
export function countStranded(db: Queryable, stages: readonly string[], returnsToHeldStage: boolean): Promise<Stranded[]> {
  return db.query<Stranded>(STRANDED, [stages, returnsToHeldStage]);
}
