import type { Queryable, UnitOfWork } from '../database/db';
import { databaseUnavailable, sqlState } from '../database/db';
import type { LogPosition } from './log-position';
import type { Follower } from './projection-steps';

/*
 * Rows a projection could not apply (table `projection_failures`). The step
 * that met one records it and moves on; a retry that applies it deletes it,
 * in the same transaction, so a row is applied once whether it went through
 * first time or on its tenth retry. Finding those rows is here too: a
 * stretch that failed is applied again in halves, each under a savepoint,
 * down to the rows that fail alone.
 */

/** A row a step could not apply, as reported to `onRowFailed`. */
export type FailedRow = { projection: string; log: string; position: LogPosition; error: string };

/** A log row a projection skipped, with the last error applying it. */
export type ProjectionFailure = {
  projection: string;
  log: string;
  position: LogPosition;
  error: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
};

type FailureRow = {
  projection: string;
  log: string;
  tx_id: string;
  id: string;
  error: string;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
};

function toFailure(row: FailureRow): ProjectionFailure {
  return {
    projection: row.projection,
    log: row.log,
    position: { txId: BigInt(row.tx_id), id: BigInt(row.id) },
    error: row.error,
    attempts: row.attempts,
    firstFailedAt: row.first_failed_at,
    lastFailedAt: row.last_failed_at,
  };
}

/** Positions are read as text (bigint-safe); ordering goes by the columns themselves, never by that text. */
const COLUMNS = `f.projection, f.log, f.tx_id::text AS tx_id, f.id::text AS id, f.error, f.attempts, f.first_failed_at, f.last_failed_at`;

/** Records (or, on a retry, updates) a row that could not be applied. */
export async function recordFailure(uow: UnitOfWork, projection: string, log: string, position: LogPosition, error: string): Promise<void> {
  await uow.execute(
    `INSERT INTO projection_failures (projection, log, tx_id, id, error) VALUES ($1, $2, $3::xid8, $4::bigint, $5)
     ON CONFLICT (projection, log, tx_id, id)
       DO UPDATE SET error = EXCLUDED.error, attempts = projection_failures.attempts + 1, last_failed_at = now()`,
    [projection, log, position.txId.toString(), position.id.toString(), error],
  );
}

export async function clearFailure(uow: UnitOfWork, projection: string, log: string, position: LogPosition): Promise<void> {
  await uow.execute(`DELETE FROM projection_failures WHERE projection = $1 AND log = $2 AND tx_id = $3::xid8 AND id = $4::bigint`, [
    projection,
    log,
    position.txId.toString(),
    position.id.toString(),
  ]);
}

/** Failed rows one retry takes per projection and log (a transaction's worth; the rest wait for the next retry). */
export const RETRY_BATCH = 500;

/** The failed rows of one projection in one log, oldest first (at most `RETRY_BATCH`), locked for a retry (others retrying skip them). */
export async function lockFailures(uow: UnitOfWork, projection: string, log: string): Promise<LogPosition[]> {
  const rows = await uow.query<{ tx_id: string; id: string }>(
    `SELECT f.tx_id::text AS tx_id, f.id::text AS id FROM projection_failures f
      WHERE f.projection = $1 AND f.log = $2 ORDER BY f.tx_id, f.id LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [projection, log, RETRY_BATCH],
  );
  return rows.map((row) => ({ txId: BigInt(row.tx_id), id: BigInt(row.id) }));
}

/** Every recorded failure (of one projection, or all), oldest first, at most `limit`. */
export async function listFailures(db: Queryable, projection: string | null, limit: number): Promise<ProjectionFailure[]> {
  const rows = await db.query<FailureRow>(
    `SELECT ${COLUMNS} FROM projection_failures f WHERE $1::text IS NULL OR f.projection = $1
      ORDER BY f.first_failed_at, f.projection, f.log, f.tx_id, f.id LIMIT $2`,
    [projection, limit],
  );
  return rows.map(toFailure);
}

/**
 * Fails (a row's fault, so the stretch is split down to the rows concerned)
 * when a row of `range` shares its `key` column with an earlier row of the
 * log that `projection` recorded as failed: applied before it, that row
 * would see a state the earlier one has not made yet (the metrics
 * projection's journey of a customer). Held back, it is recorded, and the
 * retry, which goes in log order, applies the earlier row first. A cheap
 * check of whether the projection has any failure of this log comes first.
 */
export async function refuseHeldBack(
  uow: UnitOfWork,
  projection: string,
  log: { name: string; table: string },
  key: string,
  range: { after: LogPosition; upTo: LogPosition },
): Promise<void> {
  const [{ any }] = await uow.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM projection_failures f WHERE f.projection = $1 AND f.log = $2) AS any`,
    [projection, log.name],
  );
  if (!any) return;
  // `log.table` and `key` are names the code gave (a follower's log and column), never input.
  const [{ held }] = await uow.query<{ held: number }>(
    `SELECT count(*)::int AS held FROM ${log.table} t
      WHERE (t.tx_id, t.id) > ($3::xid8, $4::bigint) AND (t.tx_id, t.id) <= ($5::xid8, $6::bigint)
        AND EXISTS (SELECT 1 FROM projection_failures f JOIN ${log.table} e ON e.tx_id = f.tx_id AND e.id = f.id
                     WHERE f.projection = $1 AND f.log = $2 AND (f.tx_id, f.id) < (t.tx_id, t.id) AND e.${key} = t.${key})`,
    [projection, log.name, range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()],
  );
  if (held > 0) throw new Error(`held back: an earlier row of the same ${key} is not applied yet (see projectionFailures)`);
}

/** The stretch holding exactly one row: from just before it to it (ids are whole numbers, so nothing else fits between). */
export function rowRange(position: LogPosition): { after: LogPosition; upTo: LogPosition } {
  return { after: { txId: position.txId, id: position.id - 1n }, upTo: position };
}

/**
 * Whether an error applying rows may be the rows' own fault (bad data, a rule
 * the data trips, a bug for this input), so isolating them is worth it.
 * Not when the database is away or asks for a retry (deadlock, serialization),
 * is out of resources or broken: those fail any row, and the step is retried
 * whole later. A statement timeout (57014) is isolated like a row's fault: a
 * smaller stretch may fit the limit, and a row that alone does not is skipped
 * rather than holding the projection.
 */
export function mayBeRowFault(error: unknown): boolean {
  if (databaseUnavailable(error)) return false;
  const state = sqlState(error) ?? '';
  return !['40', '53', '55', '58', 'XX'].some((transient) => state.startsWith(transient));
}

/** The error as stored: its message and, for a database error, its SQLSTATE; bounded. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlState(error);
  const text = state === undefined ? message : `${message} (SQLSTATE ${state})`;
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * Runs `work` under a savepoint: null when it succeeded, or the error it
 * failed with, its writes undone, when the error may be the rows' fault.
 * Any other error is thrown (the whole transaction goes).
 */
export async function applyInSavepoint(uow: UnitOfWork, work: () => Promise<void>): Promise<unknown> {
  await uow.execute('SAVEPOINT clm_projection_apply');
  try {
    await work();
  } catch (error) {
    if (!mayBeRowFault(error)) throw error;
    await uow.execute('ROLLBACK TO SAVEPOINT clm_projection_apply');
    await uow.execute('RELEASE SAVEPOINT clm_projection_apply');
    return error;
  }
  await uow.execute('RELEASE SAVEPOINT clm_projection_apply');
  return null;
}

/**
 * Applies `rows` (the stretch after `after`, which failed with `error`) in
 * halves, each under its own savepoint, down to single rows: a row that
 * fails alone is recorded, everything else is applied once.
 */
export async function isolateFailedRows(
  uow: UnitOfWork,
  follower: Follower,
  after: LogPosition,
  rows: LogPosition[],
  error: unknown,
): Promise<FailedRow[]> {
  if (rows.length === 0) throw error;
  if (rows.length === 1) {
    const failure = { projection: follower.projection, log: follower.log.name, position: rows[0], error: describeFailure(error) };
    await recordFailure(uow, failure.projection, failure.log, failure.position, failure.error);
    return [failure];
  }
  const middle = Math.ceil(rows.length / 2);
  const failed: FailedRow[] = [];
  let start = after;
  for (const half of [rows.slice(0, middle), rows.slice(middle)]) {
    const range = { after: start, upTo: half[half.length - 1] };
    const halfError = await applyInSavepoint(uow, () => follower.apply(uow, range));
    if (halfError !== null) failed.push(...(await isolateFailedRows(uow, follower, start, half, halfError)));
    start = range.upTo;
  }
  return failed;
}
