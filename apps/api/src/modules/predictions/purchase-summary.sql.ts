import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import { TOUCHPOINTS_TABLE } from '../touchpoints';

/*
 * Each customer's repeat-purchase statistics, read from purchase
 * touchpoints. Time is counted in whole UTC days: a purchase day is a UTC
 * date with at least one `purchase` touchpoint (same-day purchases are one
 * purchase, their values added), the calibration date is a UTC date whose
 * purchases count, and
 *   x  = purchase days up to the calibration date, minus the first,
 *   tx = last purchase day − first purchase day,
 *   T  = calibration date − first purchase day,
 * the spend of a repeat buyer is the mean value of the repeat purchase days,
 * and the holdout count is the purchase days in (calibration date, holdout end].
 * Customers whose first purchase is after the calibration date are not in the
 * calibration population. Grouping happens here, in SQL: what leaves the
 * database grows with the distinct (x, tx, T, holdout) tuples, not with the
 * customers.
 */

/** One customer's statistics at a calibration date (days). */
export type PurchaseSummaryRow = {
  customer_id: string;
  x: number;
  tx_days: number;
  t_days: number;
  /** Mean value of the repeat purchase days; 0 without repeat purchases. */
  mean_repeat_spend: number;
  holdout_purchases: number;
};

/** Customers sharing (x, tx, T, holdout purchases), counted. */
export type SummaryGroupRow = { x: number; tx_days: number; t_days: number; holdout_purchases: number; customers: number };

/** Repeat buyers sharing (x, mean spend), counted. */
export type SpendGroupRow = { x: number; mean_repeat_spend: number; customers: number };

/** What a fit looks at: purchases up to `calibrationDate`, and the holdout up to `holdoutEnd` (equal: no holdout). */
export type SummaryWindow = { calibrationDate: string; holdoutEnd: string };

/** One row per customer with a purchase up to the calibration date; `customers` limits it to some. */
function perCustomer({ calibrationDate, holdoutEnd }: SummaryWindow, customers: readonly string[] | null): SqlFragment {
  const calibration = sql.value(calibrationDate);
  return sql`
    WITH purchase_days AS (
      SELECT t.customer_id, (t.occurred_at AT TIME ZONE 'UTC')::date AS day, coalesce(sum(t.value), 0) AS spend
      FROM ${sql.raw(TOUCHPOINTS_TABLE)} t
      WHERE t.type = 'purchase' AND t.occurred_at < (${holdoutEnd}::date + 1)::timestamp AT TIME ZONE 'UTC'
        ${customers === null ? sql.empty : sql`AND t.customer_id = ANY (${customers}::uuid[])`}
      GROUP BY 1, 2
    ), ranked AS (
      SELECT d.*, row_number() OVER (PARTITION BY d.customer_id ORDER BY d.day) AS n
      FROM purchase_days d
    )
    SELECT r.customer_id::text AS customer_id,
           (count(*) FILTER (WHERE r.day <= ${calibration}::date) - 1)::int AS x,
           (max(r.day) FILTER (WHERE r.day <= ${calibration}::date) - min(r.day))::int AS tx_days,
           (${calibration}::date - min(r.day))::int AS t_days,
           coalesce(sum(r.spend) FILTER (WHERE r.n > 1 AND r.day <= ${calibration}::date)
                    / nullif(count(*) FILTER (WHERE r.n > 1 AND r.day <= ${calibration}::date), 0), 0)::float8 AS mean_repeat_spend,
           (count(*) FILTER (WHERE r.day > ${calibration}::date))::int AS holdout_purchases
    FROM ranked r
    GROUP BY r.customer_id
    HAVING min(r.day) <= ${calibration}::date`;
}

/** Each customer's statistics (`customers`: only these ids). */
export function purchaseSummaries(
  db: Queryable,
  window: SummaryWindow,
  customers: readonly string[] | null = null,
): Promise<PurchaseSummaryRow[]> {
  return db.query<PurchaseSummaryRow>(perCustomer(window, customers));
}

/** The statistics grouped: what a fit and its backtest need. */
export function summaryGroups(db: Queryable, window: SummaryWindow): Promise<SummaryGroupRow[]> {
  return db.query<SummaryGroupRow>(sql`
    SELECT s.x, s.tx_days, s.t_days, s.holdout_purchases, count(*)::int AS customers
    FROM (${perCustomer(window, null)}) s
    GROUP BY 1, 2, 3, 4`);
}

/** Repeat buyers grouped by (x, mean spend): what the Gamma-Gamma fit needs. */
export function spendGroups(db: Queryable, window: SummaryWindow): Promise<SpendGroupRow[]> {
  return db.query<SpendGroupRow>(sql`
    SELECT s.x, s.mean_repeat_spend, count(*)::int AS customers
    FROM (${perCustomer(window, null)}) s
    WHERE s.x > 0
    GROUP BY 1, 2`);
}

/** The first and last purchase days anywhere (null when there is no purchase). */
export async function purchaseRange(db: Queryable): Promise<{ first: string | null; last: string | null }> {
  const [row] = await db.query<{ first: string | null; last: string | null }>(sql`
    SELECT to_char(min(t.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS first,
           to_char(max(t.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS last
    FROM ${sql.raw(TOUCHPOINTS_TABLE)} t WHERE t.type = 'purchase'`);
  return row ?? { first: null, last: null };
}
