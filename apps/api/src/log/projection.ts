import type { Db, UnitOfWork } from '../database/db';
import type { LogEntry, LogReader } from './event-log';
import { comparePositions } from './log-position';
import {
  refuseHeldBack,
  applyInSavepoint,
  clearFailure,
  describeFailure,
  isolateFailedRows,
  lockFailures,
  recordFailure,
  rowRange,
} from './projection-failures';
import type { FailedRow } from './projection-failures';
import { readHealth } from './projection-health';
import type { HealthThresholds, ProjectionHealth } from './projection-health';
import { lockPosition, lockProjection, logHead, markIdle, nextStretch, rowsIn, storedPosition } from './projection-steps';
import type { Follower, LogRange, ProjectedLog } from './projection-steps';

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

  /**
   * Follows a log with set-based SQL: `apply` gets the stretch of the log to fold in. With `orderedBy` (a column of
   * the log), rows sharing its value apply in log order even when one fails: the rows after a recorded failure of
   * their key are held back (recorded too) and retried after it, in order.
   */
  followRange(
    projection: string,
    log: ProjectedLog,
    apply: (uow: UnitOfWork, range: LogRange) => Promise<void>,
    options: { after?: string; lazyCommit?: boolean; orderedBy?: string } = {},
  ): this {
    const { orderedBy } = options;
    // Rows of one key that must apply in log order: one behind a recorded failure of its key waits for it (see heldBack).
    const ordered =
      orderedBy === undefined
        ? apply
        : async (uow: UnitOfWork, range: LogRange) => {
            await refuseHeldBack(uow, projection, log, orderedBy, range);
            await apply(uow, range);
          };
    this.followers.push({ projection, log, apply: ordered, after: options.after, lazyCommit: options.lazyCommit });
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
        failed.push(...(await isolateFailedRows(uow, follower, position, await rowsIn(uow, follower.log.table, range), error)));
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
