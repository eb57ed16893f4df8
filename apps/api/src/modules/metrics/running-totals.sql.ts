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
 * erasures).
 */

/** A change to a running total: `delta` on `day`, and so on every later day. */
export type TotalChange = { measure: 'stage'; key: string; day: string; delta: number };

/** The days that had no row yet start from the total of the last day before them. */
const OPEN_DAYS = prepared(`
  INSERT INTO metric_running_totals AS m (measure, key, day, total)
  SELECT d.measure, d.key, d.day,
         coalesce((SELECT r.total FROM metric_running_totals r
                    WHERE r.measure = d.measure AND r.key = d.key AND r.day < d.day ORDER BY r.day DESC LIMIT 1), 0)
    FROM unnest($1::text[], $2::text[], $3::date[]) d(measure, key, day)
  ON CONFLICT (measure, key, day) DO NOTHING`);

/** Each day's total from the first changed day on gains the changes up to it. */
const ADD_CHANGES = prepared(`
  UPDATE metric_running_totals m SET total = m.total + x.delta
    FROM (SELECT r.measure, r.key, r.day, sum(d.delta) AS delta
            FROM unnest($1::text[], $2::text[], $3::date[], $4::numeric[]) d(measure, key, day, delta)
            JOIN metric_running_totals r ON r.measure = d.measure AND r.key = d.key AND r.day >= d.day
           GROUP BY 1, 2, 3) x
   WHERE m.measure = x.measure AND m.key = x.key AND m.day = x.day AND x.delta <> 0`);

/** Adds `changes` to the running totals (in the projection step's transaction: one writer at a time). */
export async function addToRunningTotals(uow: UnitOfWork, changes: readonly TotalChange[]): Promise<void> {
  const summed = new Map<string, TotalChange>();
  for (const change of changes) {
    const id = `${change.measure}\u0000${change.key}\u0000${change.day}`;
    const known = summed.get(id);
    summed.set(id, known ? { ...known, delta: known.delta + change.delta } : change);
  }
  const rows = [...summed.values()].filter((change) => change.delta !== 0);
  if (rows.length === 0) return;
  const columns = [rows.map((row) => row.measure), rows.map((row) => row.key), rows.map((row) => row.day)];
  await uow.execute(OPEN_DAYS, columns);
  await uow.execute(ADD_CHANGES, [...columns, rows.map((row) => String(row.delta))]);
}

/** What a transition changes in the stage totals: one more in the stage entered, one less in the stage left. */
export function stageChanges(transition: { from: string | null; to: string; occurredAt: Date }): TotalChange[] {
  const day = isoDay(transition.occurredAt);
  const changes: TotalChange[] = [{ measure: 'stage', key: transition.to, day, delta: 1 }];
  if (transition.from !== null) changes.push({ measure: 'stage', key: transition.from, day, delta: -1 });
  return changes;
}
