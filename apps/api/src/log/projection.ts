import type { Db, UnitOfWork } from '../database/db';
import type { LogEntry, LogReader } from './event-log';
import { comparePositions, LOG_START } from './log-position';
import type { LogPosition } from './log-position';
import { clearFailure, describeFailure, lockFailures, mayBeRowFault, recordFailure, rowRange } from './projection-failures';
import { readHealth } from './projection-health';
import type { HealthThresholds, ProjectionHealth } from './projection-health';

/** A stretch of one log: every row after `after` up to and including `upTo`, in commit-safe order. */
export type LogRange = { after: LogPosition; upTo: LogPosition };

/** A log as projections see it: its name (stored with positions) and its table (rows with `tx_id` and `id`). */
export type ProjectedLog = { name: string; table: string };

type Follower = {
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

export type ProjectorOptions = {
  /** Rows applied per transaction. */
  batchSize?: number;
  /** How often to look for new rows when nobody pokes (rows held back behind a long transaction, lost notifications). */
  pollMs?: number;
  /**
   * The least time between the starts of two runs started by pokes (so a busy
   * log is applied in longer stretches); a run that took longer than a third
   * of it spaces the next one out to three times its own length, up to 2 s.
   */
  gatherMs?: number;
  onError: (error: unknown) => void;
  /** A row could not be applied: it was recorded in projection_failures and the projection moved on. */
  onRowFailed?: (failure: FailedRow) => void;
  /** How often rows that failed are tried again (besides at start and on `retryFailures`). */
  retryMs?: number;
};

/** A row a step could not apply, as reported to `onRowFailed`. */
export type FailedRow = { projection: string; log: string; position: LogPosition; error: string };

/** Outcome of a retry of recorded failures. */
export type RetryOutcome = { retried: number; applied: number };

/** The longest a run's own length may space out the next one (what a read model may lag behind under load). */
const MAX_SPACING_MS = 2_000;

/**
 * Runs projections: read models derived from the logs, each following a log
 * from the position it stored. A step reads the projection's position with
 * `FOR UPDATE SKIP LOCKED`, applies the next stretch of the log and stores
 * the new position in the same transaction, so every row is applied exactly
 * once, and when several instances run, one of them does each step while the
 * others skip it. Only rows of transactions older than every transaction in
 * flight are applied (the same rule as the live streams), so a row that
 * commits late can never fall behind a stored position.
 *
 * Projections run in the order they were registered; `after` bounds one to
 * what another has already applied (segments read the acquisitions the
 * metrics projection wrote).
 *
 * A row that cannot be applied does not hold the projection: a stretch that
 * fails is split in halves, each applied under a savepoint, down to the rows
 * that fail alone; those are recorded in `projection_failures` and the step
 * commits the rest and moves on. Recorded rows are tried again at start, every
 * `retryMs` and on `retryFailures()`; a retry that applies one deletes its
 * record in the same transaction (exactly once still). Errors that are not a
 * row's fault (the database away, a deadlock, out of resources) fail the
 * whole step as before, to be run again.
 */
export class Projector {
  private readonly followers: Follower[] = [];
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly gatherMs: number;
  private readonly retryMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastRun = 0;
  private lastRunMs = 0;
  private queue: Promise<void> = Promise.resolve();
  private pending = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: ProjectorOptions,
  ) {
    this.batchSize = options.batchSize ?? 5000;
    this.pollMs = options.pollMs ?? 1000;
    this.gatherMs = options.gatherMs ?? 200;
    this.retryMs = options.retryMs ?? 60_000;
  }

  /** Follows a log with set-based SQL: `apply` gets the stretch of the log to fold in. */
  followRange(
    projection: string,
    log: ProjectedLog,
    apply: (uow: UnitOfWork, range: LogRange) => Promise<void>,
    options: { after?: string; lazyCommit?: boolean } = {},
  ): this {
    this.followers.push({ projection, log, apply, after: options.after, lazyCommit: options.lazyCommit });
    return this;
  }

  /** Follows a log entry by entry: `apply` gets the stretch's entries, read through `reader`. */
  follow<T>(
    projection: string,
    log: ProjectedLog & { reader: LogReader<T> },
    apply: (uow: UnitOfWork, entries: Array<LogEntry<T>>) => Promise<void>,
    options: { after?: string } = {},
  ): this {
    return this.followRange(
      projection,
      log,
      async (uow, range) => {
        const entries: Array<LogEntry<T>> = [];
        let after = range.after;
        for (;;) {
          const page = await log.reader.read(after, this.batchSize, range.upTo);
          entries.push(...page);
          if (page.length < this.batchSize) break;
          after = page[page.length - 1].position;
        }
        if (entries.length > 0) await apply(uow, entries);
      },
      options,
    );
  }

  /** Starts following: at once, on every poke, and on an interval. */
  start(): void {
    this.poke();
    this.timer = setInterval(() => this.poke(), this.pollMs);
    this.timer.unref();
    // What failed before a restart (a fix deployed, a rule changed) is tried again at once, then now and then.
    const retry = () => void this.retryFailures().catch((error: unknown) => this.report(error));
    retry();
    this.retryTimer = setInterval(retry, this.retryMs);
    this.retryTimer.unref();
  }

  /**
   * Tries recorded failures again (of one projection, or all), oldest
   * first, each in its own savepoint: applied rows lose their record, the
   * others keep it with the new error. At most 500 per projection and log in
   * one call (one transaction each); rows another instance is retrying are
   * skipped.
   */
  async retryFailures(projection?: string): Promise<RetryOutcome> {
    const outcome: RetryOutcome = { retried: 0, applied: 0 };
    for (const follower of this.followers) {
      if (this.stopped) break;
      if (projection !== undefined && follower.projection !== projection) continue;
      await this.exclusive(async () => {
        const { retried, applied } = await this.retry(follower);
        outcome.retried += retried;
        outcome.applied += applied;
      });
    }
    return outcome;
  }

  /** The projections' names, in registration order. */
  projections(): string[] {
    return [...new Set(this.followers.map((follower) => follower.projection))];
  }

  /** Where each projection stands in each of its logs, and whether it is behind or stuck. */
  health(thresholds: HealthThresholds): Promise<ProjectionHealth[]> {
    return Promise.all(this.followers.map((follower) => readHealth(this.db, follower.projection, follower.log, thresholds)));
  }

  /** Something was committed: run soon (pokes during a run schedule one more run, no more). */
  poke(): void {
    if (this.stopped || this.pending) return;
    this.pending = true;
    // Commits come many times a second under ingest: gathering them into fewer, longer stretches costs less per row
    // (each step has a fixed cost), and spacing runs by their own length keeps the projections to a third of the
    // machine while ingest saturates it; they catch up in longer stretches.
    const wait = Math.max(0, this.lastRun + Math.max(this.gatherMs, Math.min(3 * this.lastRunMs, MAX_SPACING_MS)) - Date.now());
    setTimeout(() => {
      void this.exclusive(async () => {
        this.pending = false;
        this.lastRun = Date.now();
        try {
          if (!this.stopped) await this.runUntilIdle();
        } finally {
          this.lastRunMs = Date.now() - this.lastRun;
        }
      }).catch((error: unknown) => this.report(error));
    }, wait).unref();
  }

  /**
   * Applies everything committed before the call (tests and benchmarks wait on
   * it). Rows behind a transaction still in flight are not final yet, so it
   * waits for them, up to `timeoutMs`. Its errors are the caller's.
   */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    const targets = await Promise.all(this.followers.map((follower) => logHead(this.db, follower.log.table)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.exclusive(() => this.runUntilIdle());
      const positions = await Promise.all(
        this.followers.map((follower) => storedPosition(this.db, follower.projection, follower.log.name)),
      );
      if (positions.every((position, index) => comparePositions(position, targets[index]) >= 0)) return;
      if (Date.now() > deadline) throw new Error('projections did not catch up with the logs in time (a transaction held open?)');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearInterval(this.retryTimer);
    await this.queue;
  }

  /** Runs `work` while no projection runs in this process (a test counting a request's statements). */
  whilePaused<T>(work: () => Promise<T>): Promise<T> {
    let result: T;
    return this.exclusive(async () => {
      result = await work();
    }).then(() => result);
  }

  /** Runs `work` after every run before it: one run at a time in this process. */
  private exclusive(work: () => Promise<void>): Promise<void> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runUntilIdle(): Promise<void> {
    for (;;) {
      let applied = false;
      for (const follower of this.followers) {
        if (this.stopped) return;
        applied = (await this.step(follower)) || applied;
      }
      this.lastError = null;
      if (!applied) return;
    }
  }

  /** One transaction: lock the position, find the next stretch, apply it, move the position. Whether anything was applied. */
  private async step(follower: Follower): Promise<boolean> {
    const failed: FailedRow[] = [];
    const applied = await this.db.transaction(async (uow) => {
      failed.length = 0;
      if (!(await lockProjection(uow, follower))) return false;
      const position = await lockPosition(uow, follower.projection, follower.log.name);
      if (!position) return false;
      const ceiling = follower.after ? await storedPosition(uow, follower.after, follower.log.name) : null;
      const stretch = await nextStretch(uow, follower.log.table, position, this.batchSize, ceiling);
      if (!stretch) {
        await markIdle(uow, follower, ceiling !== null);
        return false;
      }
      const range = { after: position, upTo: stretch.upTo };
      const error = await applyInSavepoint(uow, () => follower.apply(uow, range));
      if (error !== null)
        failed.push(...(await this.isolate(uow, follower, position, await rowsIn(uow, follower.log.table, range), error)));
      // A stretch shorter than the batch took every final row there was: the projection was caught up.
      await uow.execute(
        `UPDATE projection_positions SET tx_id = $3::xid8, id = $4::bigint, updated_at = now(),
                caught_up_at = CASE WHEN $5 THEN now() ELSE caught_up_at END
          WHERE projection = $1 AND log = $2`,
        [follower.projection, follower.log.name, stretch.upTo.txId.toString(), stretch.upTo.id.toString(), stretch.rows < this.batchSize],
      );
      return true;
    });
    for (const row of failed) this.options.onRowFailed?.(row);
    return applied;
  }

  /**
   * Applies `rows` (the stretch after `after`, which failed with `error`) in
   * halves, each under its own savepoint, down to single rows: a row that
   * fails alone is recorded, everything else is applied once.
   */
  private async isolate(
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
      if (halfError !== null) failed.push(...(await this.isolate(uow, follower, start, half, halfError)));
      start = range.upTo;
    }
    return failed;
  }

  /** Tries a follower's recorded failures again, in one transaction holding its lock like a step. */
  private async retry(follower: Follower): Promise<RetryOutcome> {
    const failed: FailedRow[] = [];
    const outcome = await this.db.transaction(async (uow) => {
      failed.length = 0;
      if (!(await lockProjection(uow, follower))) return { retried: 0, applied: 0 };
      const positions = await lockFailures(uow, follower.projection, follower.log.name);
      let applied = 0;
      for (const position of positions) {
        const error = await applyInSavepoint(uow, () => follower.apply(uow, rowRange(position)));
        if (error === null) {
          await clearFailure(uow, follower.projection, follower.log.name, position);
          applied++;
        } else {
          const failure = { projection: follower.projection, log: follower.log.name, position, error: describeFailure(error) };
          await recordFailure(uow, failure.projection, failure.log, position, failure.error);
          failed.push(failure);
        }
      }
      return { retried: positions.length, applied };
    });
    for (const row of failed) this.options.onRowFailed?.(row);
    return outcome;
  }

  private report(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    // A database that is down fails every step; say so once, not every second.
    if (message === this.lastError) return;
    this.lastError = message;
    this.options.onError(error);
  }
}

/** The projection's position in the log, locked for this transaction; null when another instance holds it. */
async function lockPosition(uow: UnitOfWork, projection: string, log: string): Promise<LogPosition | null> {
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
async function logHead(db: Pick<UnitOfWork, 'query'>, table: string): Promise<LogPosition> {
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
async function lockProjection(uow: UnitOfWork, follower: Follower): Promise<boolean> {
  await uow.query(`SELECT set_config('synchronous_commit', $1, true)`, [follower.lazyCommit ? 'off' : 'on']);
  const locked = await uow.query(`SELECT projection FROM projection_locks WHERE projection = $1 FOR UPDATE SKIP LOCKED`, [
    follower.projection,
  ]);
  if (locked.length > 0) return true;
  // Its first step ever, or another step holds it: a concurrent first insert waits for this one and then does nothing.
  return (await uow.execute(`INSERT INTO projection_locks (projection) VALUES ($1) ON CONFLICT DO NOTHING`, [follower.projection])) === 1;
}

/**
 * Runs `work` under a savepoint: null when it succeeded, or the error it
 * failed with, its writes undone, when the error may be the rows' fault.
 * Any other error is thrown (the whole transaction goes).
 */
async function applyInSavepoint(uow: UnitOfWork, work: () => Promise<void>): Promise<unknown> {
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
 * Notes a step that found nothing to apply, for the health checks: caught up when no committed row is beyond the
 * position; still moving when it waits for the projection that bounds it (`waiting`, so it is not called stalled
 * while that one catches up). At most every few seconds: an idle projection writes little.
 */
async function markIdle(uow: UnitOfWork, follower: Follower, waiting: boolean): Promise<void> {
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
async function rowsIn(uow: UnitOfWork, table: string, range: LogRange): Promise<LogPosition[]> {
  const rows = await uow.query<{ tx_id: string; id: string }>(
    `SELECT e.tx_id::text AS tx_id, e.id::text AS id FROM ${table} e
      WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint) AND e.tx_id >= $1::xid8 AND e.tx_id <= $3::xid8
      ORDER BY e.tx_id, e.id`,
    [range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()],
  );
  return rows.map((row) => ({ txId: BigInt(row.tx_id), id: BigInt(row.id) }));
}

/** The next stretch (at most `limit` final rows after `after`, none past `ceiling`): its last row and its length; null when there is none. */
async function nextStretch(
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
