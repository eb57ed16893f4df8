import { isoDay } from '../../core/dates';
import { prepared } from '../../database/db';
import type { UnitOfWork } from '../../database/db';

/*
 * Running totals per day (metric_running_totals): for a measure and key, the
 * total of every daily change up to the end of each day that had one. A metric
 * that needs "everything before day d" (customers in a stage at the start of
 * d) reads one row per key, the last before d, instead of summing every
 * daily rollup since the beginning once per window.
 *
 * Measures: `stage` (key: a stage; customers in it, from the transitions and
 * erasures), `acquired` (key ''; customers acquired, from the acquisitions)
 * and `sales` (key ''; the value of purchases, from the touchpoints).
 */

/** A change to a running total: `delta` (a decimal, as text) on `day`, and so on every later day. */
export type TotalChange = { measure: 'stage' | 'acquired' | 'sales'; key: string; day: string; delta: string };

/** The changes summed per (measure, key, day), those that sum to nothing left out: `d`. */
const CHANGES = `(SELECT measure, key, day, sum(delta) AS delta
                    FROM unnest($1::text[], $2::text[], $3::date[], $4::numeric[]) c(measure, key, day, delta)
                   GROUP BY 1, 2, 3 HAVING sum(delta) <> 0) d`;

/** The days that had no row yet start from the total of the last day before them. */
const OPEN_DAYS = prepared(`
  INSERT INTO metric_running_totals AS m (measure, key, day, total)
  SELECT d.measure, d.key, d.day,
         coalesce((SELECT r.total FROM metric_running_totals r
                    WHERE r.measure = d.measure AND r.key = d.key AND r.day < d.day ORDER BY r.day DESC LIMIT 1), 0)
    FROM ${CHANGES}
  ON CONFLICT (measure, key, day) DO NOTHING`);

/** Each day's total from the first changed day on gains the changes up to it. */
const ADD_CHANGES = prepared(`
  UPDATE metric_running_totals m SET total = m.total + x.delta
    FROM (SELECT r.measure, r.key, r.day, sum(d.delta) AS delta
            FROM ${CHANGES} JOIN metric_running_totals r ON r.measure = d.measure AND r.key = d.key AND r.day >= d.day
           GROUP BY 1, 2, 3) x
   WHERE m.measure = x.measure AND m.key = x.key AND m.day = x.day`);

/** Adds `changes` to the running totals (in the projection step's transaction: one writer at a time). */
export async function addToRunningTotals(uow: UnitOfWork, changes: readonly TotalChange[]): Promise<void> {
  if (changes.length === 0) return;
  const columns = [
    changes.map((change) => change.measure),
    changes.map((change) => change.key),
    changes.map((change) => change.day),
    changes.map((change) => change.delta),
  ];
  await uow.execute(OPEN_DAYS, columns);
  await uow.execute(ADD_CHANGES, columns);
}

/** What a transition changes in the stage totals: one more in the stage entered, one less in the stage left. */
export function stageChanges(transition: { from: string | null; to: string; occurredAt: Date }): TotalChange[] {
  const day = isoDay(transition.occurredAt);
  const changes: TotalChange[] = [{ measure: 'stage', key: transition.to, day, delta: '1' }];
  if (transition.from !== null) changes.push({ measure: 'stage', key: transition.from, day, delta: '-1' });
  return changes;
}
