import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { TRANSITIONS_TABLE } from '../lifecycle';
import type { TransitionCount } from '../lifecycle';

/*
 * Stage counts and flows from the metrics projection, made current: what the
 * projection has applied (its rollups up to its stored positions) plus the
 * tail of the logs it has not applied yet. The tail is what was committed in
 * the last moment, so this costs a small rollup scan and a short index range
 * instead of a scan of every customer or transition, and it is exact at the
 * statement's snapshot like a count of the customers table would be.
 */
const POSITIONS = `
  applied AS (
    SELECT coalesce((SELECT tx_id FROM projection_positions WHERE projection = 'metrics' AND log = 'stage_transitions'), '0'::xid8) AS tx_id,
           coalesce((SELECT id FROM projection_positions WHERE projection = 'metrics' AND log = 'stage_transitions'), 0) AS id
  ), applied_erasures AS (
    SELECT coalesce((SELECT tx_id FROM projection_positions WHERE projection = 'metrics' AND log = 'customer_erasures'), '0'::xid8) AS tx_id,
           coalesce((SELECT id FROM projection_positions WHERE projection = 'metrics' AND log = 'customer_erasures'), 0) AS id
  )`;

const STAGE_COUNTS = prepared(`
  WITH ${POSITIONS}, moves AS (
    SELECT to_stage AS stage, transitions AS n FROM metric_transitions_daily WHERE to_stage <> ''
    UNION ALL
    SELECT from_stage, -transitions FROM metric_transitions_daily WHERE from_stage <> ''
    UNION ALL
    SELECT t.to_stage, 1 FROM ${TRANSITIONS_TABLE} t, applied a WHERE (t.tx_id, t.id) > (a.tx_id, a.id) AND t.tx_id >= a.tx_id
    UNION ALL
    SELECT t.from_stage, -1 FROM ${TRANSITIONS_TABLE} t, applied a WHERE (t.tx_id, t.id) > (a.tx_id, a.id) AND t.tx_id >= a.tx_id AND t.from_stage IS NOT NULL
    UNION ALL
    -- Deleted since the projection's last erasure step: they leave the stage the projection has them in.
    SELECT m.stage, -1 FROM customer_erasures e JOIN metric_customers m ON m.customer_id = e.customer_id, applied_erasures a
     WHERE (e.tx_id, e.id) > (a.tx_id, a.id) AND e.tx_id >= a.tx_id AND NOT m.erased AND m.stage IS NOT NULL
  )
  SELECT s.stage, s.count, pg_current_snapshot()::text AS snapshot
    FROM (SELECT stage, sum(n)::int AS count FROM moves GROUP BY stage HAVING sum(n) <> 0) s
    RIGHT JOIN (SELECT 1) one ON TRUE`);

const FLOWS = prepared(`
  WITH ${POSITIONS}, moves AS (
    SELECT from_stage, to_stage, transitions AS n FROM metric_transitions_daily
     WHERE cause <> 'erased' AND ($1::date IS NULL OR day >= $1::date) AND ($2::date IS NULL OR day < $2::date)
    UNION ALL
    SELECT coalesce(t.from_stage, ''), t.to_stage, 1 FROM ${TRANSITIONS_TABLE} t, applied a
     WHERE (t.tx_id, t.id) > (a.tx_id, a.id) AND t.tx_id >= a.tx_id
       AND ($1::date IS NULL OR t.occurred_at >= ($1::date::timestamp AT TIME ZONE 'UTC'))
       AND ($2::date IS NULL OR t.occurred_at < ($2::date::timestamp AT TIME ZONE 'UTC'))
  )
  SELECT nullif(from_stage, '') AS "from", to_stage AS "to", sum(n)::int AS count FROM moves
   GROUP BY from_stage, to_stage HAVING sum(n) <> 0
   ORDER BY count DESC, nullif(from_stage, '') NULLS FIRST, to_stage`);

/** Customers per stage and the snapshot they are exact at (one statement). */
export async function projectedStageCounts(db: Queryable): Promise<{ counts: Map<string, number>; snapshot: string }> {
  const rows = await db.query<{ stage: string | null; count: number | null; snapshot: string }>(STAGE_COUNTS);
  const counts = new Map<string, number>();
  for (const row of rows) if (row.stage !== null && row.count !== null) counts.set(row.stage, row.count);
  return { counts, snapshot: rows[0].snapshot };
}

const DAY_MS = 86_400_000;

/** Transitions per (from, to) with event time in [from, to), when both bounds are whole UTC days (or open); null otherwise. */
export async function projectedFlows(db: Queryable, from: Date | null, to: Date | null): Promise<TransitionCount[] | null> {
  const wholeDay = (at: Date | null) => at === null || at.getTime() % DAY_MS === 0;
  if (!wholeDay(from) || !wholeDay(to)) return null;
  const day = (at: Date | null) => (at === null ? null : at.toISOString().slice(0, 10));
  return db.query<TransitionCount>(FLOWS, [day(from), day(to)]);
}
