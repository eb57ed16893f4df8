import type { UnitOfWork } from '../database/db';
import { comparePositions, LOG_START } from './log-position';
import type { LogPosition } from './log-position';

/*
 * The SQL of a projection step, one function per statement: the projection's
 * lock and its stored position, the next stretch of its log and the rows in
 * it, and the idle mark the health checks read. The Projector
 * (projection.ts) decides when each runs.
 */

/** A stretch of one log: every row after `after` up to and including `upTo`, in commit-safe order. */
export type LogRange = { after: LogPosition; upTo: LogPosition };

/** A log as projections see it: its name (stored with positions) and its table (rows with `tx_id` and `id`). */
export type ProjectedLog = { name: string; table: string };

/** A projection following one log, as registered with the Projector. */
export type Follower = {
  projection: string;
  log: ProjectedLog;
  /** Applies one stretch of the log, inside the transaction that also moves the position. */
  apply: (uow: UnitOfWork, range: LogRange) => Promise<void>;
  /** Another projection whose position on the same log bounds this one. */
  after?: string;
  /**
   * Whether a step's commit may return before it is on disk. Safe for a read
   * model nobody streams: a step lost in a crash is lost with its position and
   * applied again from the log, which is durable. Not for a projection that
   * appends to a streamed log (a subscriber could receive a row a crash then
   * takes back).
   */
  lazyCommit?: boolean;
};

/** The projection's position in the log, locked for this transaction; null when another instance holds it. */
export async function lockPosition(uow: UnitOfWork, projection: string, log: string): Promise<LogPosition | null> {
  await uow.execute(`INSERT INTO projection_positions (projection, log, tx_id, id) VALUES ($1, $2, '0', 0) ON CONFLICT DO NOTHING`, [
    projection,
    log,
  ]);
  const rows = await uow.query<{ tx_id: string; id: string }>(
    `SELECT tx_id::text, id::text FROM projection_positions WHERE projection = $1 AND log = $2 FOR UPDATE SKIP LOCKED`,
    [projection, log],
  );
  return rows.length === 0 ? null : { txId: BigInt(rows[0].tx_id), id: BigInt(rows[0].id) };
}

/** The last row of a log table visible now (committed), or the start of the log. */
export async function logHead(db: Pick<UnitOfWork, 'query'>, table: string): Promise<LogPosition> {
  const rows = await db.query<{ tx_id: string; id: string }>(
    `SELECT e.tx_id::text AS tx_id, e.id::text AS id FROM ${table} e ORDER BY e.tx_id DESC, e.id DESC LIMIT 1`,
  );
  return rows.length === 0 ? LOG_START : { txId: BigInt(rows[0].tx_id), id: BigInt(rows[0].id) };
}

/** Where a projection stands in a log (the start of the log when it has not begun). */
export async function storedPosition(db: Pick<UnitOfWork, 'query'>, projection: string, log: string): Promise<LogPosition> {
  const rows = await db.query<{ tx_id: string; id: string }>(
    `SELECT tx_id::text, id::text FROM projection_positions WHERE projection = $1 AND log = $2`,
    [projection, log],
  );
  return rows.length === 0 ? LOG_START : { txId: BigInt(rows[0].tx_id), id: BigInt(rows[0].id) };
}

/**
 * One step of a projection at a time, across its logs and across instances: the others skip it. The lock is a row of
 * clm's own table (migration 1764800000000) rather than an advisory lock, which any role (the BI role) could take and
 * hold. A lazy commit spares the disk flush that ingest's own commits would otherwise queue behind. Whether this
 * transaction holds the lock.
 */
export async function lockProjection(uow: UnitOfWork, follower: Follower): Promise<boolean> {
  await uow.query(`SELECT set_config('synchronous_commit', $1, true)`, [follower.lazyCommit ? 'off' : 'on']);
  const locked = await uow.query(`SELECT projection FROM projection_locks WHERE projection = $1 FOR UPDATE SKIP LOCKED`, [
    follower.projection,
  ]);
  if (locked.length > 0) return true;
  // Its first step ever, or another step holds it: a concurrent first insert waits for this one and then does nothing.
  return (await uow.execute(`INSERT INTO projection_locks (projection) VALUES ($1) ON CONFLICT DO NOTHING`, [follower.projection])) === 1;
}

/**
 * Notes a step that found nothing to apply, for the health checks: caught up when no committed row is beyond the
 * position; still moving when it waits for the projection that bounds it (`waiting`, so it is not called stalled
 * while that one catches up). At most every few seconds: an idle projection writes little.
 */
export async function markIdle(uow: UnitOfWork, follower: Follower, waiting: boolean): Promise<void> {
  await uow.execute(
    `UPDATE projection_positions p
        SET caught_up_at = CASE WHEN NOT EXISTS (SELECT 1 FROM ${follower.log.table} e WHERE (e.tx_id, e.id) > (p.tx_id, p.id) AND e.tx_id >= p.tx_id)
                                THEN now() ELSE p.caught_up_at END,
            updated_at = CASE WHEN $3 THEN now() ELSE p.updated_at END
      WHERE p.projection = $1 AND p.log = $2 AND greatest(p.updated_at, p.caught_up_at) < now() - interval '5 seconds'`,
    [follower.projection, follower.log.name, waiting],
  );
}

/** The positions of every row in a stretch, in order. */
export async function rowsIn(uow: UnitOfWork, table: string, range: LogRange): Promise<LogPosition[]> {
  const rows = await uow.query<{ tx_id: string; id: string }>(
    `SELECT e.tx_id::text AS tx_id, e.id::text AS id FROM ${table} e
      WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint) AND e.tx_id >= $1::xid8 AND e.tx_id <= $3::xid8
      ORDER BY e.tx_id, e.id`,
    [range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()],
  );
  return rows.map((row) => ({ txId: BigInt(row.tx_id), id: BigInt(row.id) }));
}

/** The next stretch (at most `limit` final rows after `after`, none past `ceiling`): its last row and its length; null when there is none. */
export async function nextStretch(
  uow: UnitOfWork,
  table: string,
  after: LogPosition,
  limit: number,
  ceiling: LogPosition | null,
): Promise<{ upTo: LogPosition; rows: number } | null> {
  if (ceiling && comparePositions(ceiling, after) <= 0) return null;
  const bound = ceiling ? `AND (tx_id, id) <= ($4::xid8, $5::bigint) AND tx_id <= $4::xid8` : '';
  const parameters: unknown[] = [after.txId.toString(), after.id.toString(), limit];
  if (ceiling) parameters.push(ceiling.txId.toString(), ceiling.id.toString());
  const rows = await uow.query<{ tx_id: string; id: string; rows: number }>(
    `SELECT stretch.tx_id::text AS tx_id, stretch.id::text AS id, count(*) OVER ()::int AS rows FROM (
       SELECT tx_id, id FROM ${table}
        WHERE (tx_id, id) > ($1::xid8, $2::bigint) AND tx_id >= $1::xid8 ${bound}
          AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY tx_id, id LIMIT $3) stretch
      ORDER BY stretch.tx_id DESC, stretch.id DESC LIMIT 1`,
    parameters,
  );
  return rows.length === 0 ? null : { upTo: { txId: BigInt(rows[0].tx_id), id: BigInt(rows[0].id) }, rows: rows[0].rows };
}
