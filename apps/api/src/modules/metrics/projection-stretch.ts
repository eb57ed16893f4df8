import type { LogRange } from '../../log';

/*
 * A step's stretch of a log in the metrics projection's SQL: its rows as a
 * WHERE condition over parameters $1-$4, those parameters, and the UTC day
 * of a row. Shared by the touchpoint rollups (touchpoint-rollups.sql.ts) and
 * the transition and erasure statements (metrics.projection.ts).
 */

/** Rows of `alias` in the stretch ($1, $2] of its log, as (tx_id, id) pairs. */
export function inRange(alias: string): string {
  // The plain tx_id bounds say nothing new, but let the planner see how few rows a stretch holds (it cannot from the row comparisons).
  return `(${alias}.tx_id, ${alias}.id) > ($1::xid8, $2::bigint) AND (${alias}.tx_id, ${alias}.id) <= ($3::xid8, $4::bigint)
          AND ${alias}.tx_id >= $1::xid8 AND ${alias}.tx_id <= $3::xid8`;
}

export function rangeParameters(range: LogRange): string[] {
  return [range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()];
}

/** The UTC day of a log row `t`. */
export const DAY = `(t.occurred_at AT TIME ZONE 'UTC')::date`;
