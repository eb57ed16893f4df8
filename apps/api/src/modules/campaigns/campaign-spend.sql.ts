import type { Queryable } from '../../database/db';
import type { SpendRow } from './campaign-validation';

/**
 * The spend relation, for the modules that use campaigns: one row per
 * campaign and day with `campaign_key`, `day` (date) and `amount` (numeric).
 */
export const CAMPAIGN_SPEND_TABLE = 'campaign_spend';

/** The `campaign_spend` table: the amount spent on a campaign on one day. Amounts travel as decimal text with 4 places. */
export type SpendDayRow = { campaign_key: string; day: string; amount: string };

/** A day range, both ends included, as `YYYY-MM-DD`; null for open. */
export type DayRange = { from: string | null; to: string | null };

/**
 * Sets the spend of each (campaign, day) to its amount: a re-import of the
 * same rows changes nothing. Returns how many rows were inserted or changed.
 */
export function setSpend(db: Queryable, rows: readonly SpendRow[]): Promise<number> {
  return db.execute(
    `INSERT INTO campaign_spend (campaign_key, day, amount)
     SELECT * FROM unnest($1::text[], $2::date[], $3::numeric[])
     ON CONFLICT (campaign_key, day) DO UPDATE SET amount = EXCLUDED.amount
       WHERE campaign_spend.amount IS DISTINCT FROM EXCLUDED.amount`,
    [rows.map((row) => row.campaign), rows.map((row) => row.day), rows.map((row) => row.amount.text)],
  );
}

/** The spend days of `keys` within `range`, by campaign and day. */
export function spendDays(db: Queryable, keys: readonly string[], range: DayRange): Promise<SpendDayRow[]> {
  return db.query<SpendDayRow>(
    `SELECT campaign_key, to_char(day, 'YYYY-MM-DD') AS day, round(amount, 4)::text AS amount
       FROM campaign_spend
      WHERE campaign_key = ANY ($1::text[]) AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)
      ORDER BY campaign_key, day`,
    [keys, range.from, range.to],
  );
}
