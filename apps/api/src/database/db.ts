import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { abortedWork } from './database.errors';
import { databaseUnavailable, sqlState } from './pg-errors';
import { run } from './statements';
import type { Queryable, Sql } from './statements';
import { MAX_ATTEMPTS, RETRYABLE_SQLSTATES, RetryTransaction, UnitOfWork } from './transactions';
import type { ReplicaHealth, Server } from './read-replica';
import type { WorkKind, WorkLimits } from './work-kinds';
import { DbShared, Lease, WorkScope } from './work-pools';
import type { DbOptions, StatementObserver } from './work-pools';

/*
 * The database layer's face: the Db, and everything its callers use from
 * the files it is built of (statements.ts, transactions.ts, work-pools.ts,
 * pg-errors.ts), so that every caller imports from this one file.
 */
export { columnsOf, prepared } from './statements';
export type { PreparedFragment, Queryable, Sql, Statement } from './statements';
export { RetryTransaction, UnitOfWork } from './transactions';
export { WorkScope } from './work-pools';
export type { DbOptions } from './work-pools';
export { parseLsn } from './read-replica';
export type { ReadReplicaOptions, ReplicaHealth, ReplicaState, Server } from './read-replica';
export { databaseUnavailable, sqlDetail, sqlState } from './pg-errors';

/**
 * The connection pools and transactions. clm writes its SQL by hand, one
 * `*.sql.ts` file per table with the row type and mapper beside it; TypeORM
 * only runs the migrations (see docs/architecture.md).
 *
 * Statements run on the pool of their kind of work, which a Db view
 * carries explicitly: `forKind` makes one that always uses its kind
 * (background work: projections, the live streams' reads), `inScope` one
 * that follows a request's `WorkScope` (its kind, and its client leaving
 * cancels its statements). The Db `open` returns runs as `background`.
 * Services are built on a view (server/services.ts builds them per request).
 *
 * With a read replica, a scope that allows it (`replicaReads`: query
 * operations and exports) runs its reads, previews, metrics and exports there
 * while the replica is within its lag limit; transactions, every other kind
 * and every view made by `forKind` (log consumers, key checks, the model)
 * run on the primary.
 */
export class Db implements Queryable {
  private constructor(
    private readonly shared: DbShared,
    private readonly scope: WorkScope,
    /** The server every statement of this view runs on, whatever its scope (`onReplica`). */
    private readonly pinned: Server | null = null,
  ) {}

  /** The pools of one database (each opened on first use); its statements run as background work. */
  static open(options: DbOptions): Db {
    const shared = new DbShared(options);
    shared.replica?.start();
    return new Db(shared, new WorkScope('background'));
  }

  /** A view of the same pools whose statements always run as `kind` (nobody's client cancels them). */
  forKind(kind: WorkKind): Db {
    return new Db(this.shared, new WorkScope(kind));
  }

  /** A view of the same pools whose statements run in `scope`: its kind when each starts, cancelled when its signal fires. */
  inScope(scope: WorkScope): Db {
    return new Db(this.shared, scope);
  }

  /**
   * A view whose statements always run as `kind` on the read replica (the BI watchdog watches the sessions there
   * too); null without one. Nothing falls back to the primary: for work about the replica itself.
   */
  onReplica(kind: WorkKind): Db | null {
    return this.shared.replica === null ? null : new Db(this.shared, new WorkScope(kind), 'replica');
  }

  /** The limits per kind of work this Db applies. */
  get limits(): WorkLimits {
    return this.shared.limits;
  }

  /** The pool of `kind` on `server` (tests look at what each holds). */
  poolFor(kind: WorkKind, server: Server = 'primary'): Pool {
    return this.shared.pool(kind, server);
  }

  /** The read replica's state and lag; null without one. */
  replicaHealth(): ReplicaHealth | null {
    return this.shared.replicaHealth();
  }

  /**
   * The primary's WAL position now (`pg_current_wal_insert_lsn()`): after a commit, at or beyond its record, so a replica
   * that has replayed it holds the write (x-clm-wal-position).
   */
  async walPosition(): Promise<string> {
    const [row] = await this.forKind('control').query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    return row.lsn;
  }

  /** Measures the read replica's lag now (it is measured on a schedule anyway); nothing without one. */
  async checkReplica(): Promise<void> {
    await this.shared.replica?.check();
  }

  /**
   * Sees every statement's text before it runs, with the kind of work whose
   * connection runs it (the `clm:<kind>` application_name): tests count a
   * request's statements with it, apart from the projector's and the jobs'.
   */
  get observe(): StatementObserver | undefined {
    return this.shared.observe;
  }

  set observe(observe: StatementObserver | undefined) {
    this.shared.observe = observe;
  }

  get onLogAppended(): () => void {
    return this.shared.onLogAppended;
  }

  set onLogAppended(hook: () => void) {
    this.shared.onLogAppended = hook;
  }

  async query<Row extends QueryResultRow>(sql: Sql, parameters: readonly unknown[] = []): Promise<Row[]> {
    return this.onePrimaryRetry(async (lease) => (await run<Row>(lease.client, sql, parameters, this.observerFor(lease))).rows);
  }

  async execute(sql: Sql, parameters: readonly unknown[] = []): Promise<number> {
    return this.onePrimaryRetry(async (lease) => (await run(lease.client, sql, parameters, this.observerFor(lease))).rowCount ?? 0);
  }

  /**
   * A connection of its own for `work` (a cursor read in steps), with the
   * scope's limit and cancellation; `work` reports whether it left
   * the connection unusable. Errors of time limits come back coded.
   */
  async withConnection<T>(work: (client: PoolClient, markBroken: (error: Error) => void) => Promise<T>): Promise<T> {
    let broken: Error | false = false;
    return this.withLease(
      (lease) =>
        work(lease.client, (error) => {
          broken = error;
        }),
      () => broken,
    );
  }

  /**
   * Runs `work` in a READ COMMITTED transaction, retrying it from the start
   * when PostgreSQL reports a deadlock or serialization failure or when `work`
   * throws RetryTransaction. Resolves only after COMMIT; then the unit of
   * work's announcements and hooks run.
   */
  async transaction<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(work);
      } catch (error) {
        const retryable = error instanceof RetryTransaction || RETRYABLE_SQLSTATES.has(sqlState(error) ?? '');
        if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  async end(): Promise<void> {
    await this.shared.end();
  }

  /** The observer, told the kind of work and the server of the connection a statement runs on. */
  private observerFor(lease: Lease): ((text: string) => void) | undefined {
    const observe = this.shared.observe;
    return observe && ((text) => observe(text, lease.kind, lease.server));
  }

  /**
   * One statement, run again on the primary when the replica refused it: a write (25006, read-only transaction) that
   * reached the replica through a query operation, or a read cancelled because replay had to remove rows it was
   * reading (40001, conflict with recovery). Either failed before doing anything.
   */
  private async onePrimaryRetry<T>(work: (lease: Lease) => Promise<T>): Promise<T> {
    const server = this.serverNow();
    try {
      return await this.withLease(work, undefined, server);
    } catch (error) {
      const state = sqlState(error);
      if (server === 'primary' || this.pinned !== null || (state !== '25006' && state !== '40001')) throw error;
      return this.withLease(work, undefined, 'primary');
    }
  }

  /** Where the next statement of this view runs. */
  private serverNow(): Server {
    return this.pinned ?? this.shared.serverFor(this.scope);
  }

  private async lease(server: Server): Promise<Lease> {
    const { kind, signal } = this.scope;
    if (signal?.aborted) throw abortedWork(signal);
    let client: PoolClient;
    try {
      client = await this.shared.pool(kind, server).connect();
    } catch (error) {
      if (server === 'primary' || this.shared.replica === null || this.pinned !== null) throw error;
      // The replica went away between two checks: this scope and the next ones read the primary.
      this.shared.replica.lost(error);
      this.scope.readServer = 'primary';
      return this.lease('primary');
    }
    // The client may have left (or the request run out of time) while a connection was found: then nothing is started on it.
    if (signal?.aborted) {
      client.release();
      throw abortedWork(signal);
    }
    return new Lease(client, kind, signal, this.shared, server);
  }

  private async withLease<T>(
    work: (lease: Lease) => Promise<T>,
    broken: () => boolean | Error = () => false,
    server: Server = this.serverNow(),
  ): Promise<T> {
    const lease = await this.lease(server);
    let failed = false;
    try {
      return await work(lease);
    } catch (error) {
      failed = sqlState(error) === '25P03' || databaseUnavailable(error);
      throw lease.explain(error);
    } finally {
      await lease.release(failed || broken());
    }
  }

  private async attempt<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    // Transactions write, or read what they are about to write: always the primary.
    const lease = await this.lease('primary');
    const { client } = lease;
    let broken = false;
    // A connection the server drops while the work awaits something else (the database restarting) emits 'error' on the
    // checked-out client; without a listener that would end the process. The next query on it fails, and so does the work.
    const dropped = () => {
      broken = true;
    };
    client.on('error', dropped);
    try {
      await client.query('BEGIN');
      const uow = new UnitOfWork(client, this.observerFor(lease));
      let result: T;
      try {
        result = await work(uow);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw lease.explain(error);
      }
      try {
        uow.committed(this.shared.onLogAppended);
      } catch (error) {
        this.shared.onError(error);
      }
      return result;
    } finally {
      client.removeListener('error', dropped);
      await lease.release(broken);
    }
  }
}
