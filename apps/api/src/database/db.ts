import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { queryTimeout, requestCancelled } from './database.errors';
import { SqlFragment } from './sql';
import { DEFAULT_WORK_LIMITS, WORK_KIND_NAMES } from './work-kinds';
import type { WorkKind, WorkLimits } from './work-kinds';

/**
 * SQL text, optionally prepared: a `Statement` made by `prepared()` is parsed
 * and planned once per connection and then only executed (hot reads use it);
 * or a fragment composed with the `sql` tag (./sql.ts), which carries its own
 * parameters.
 */
export type Sql = string | Statement | SqlFragment | PreparedFragment;
export type Statement = { readonly name: string; readonly text: string };
/** A composed statement run prepared: named by a hash of its rendered text, like a `Statement`. */
export type PreparedFragment = { readonly fragment: SqlFragment };

/**
 * Names a statement by a hash of its text, so the same text always reuses the
 * same prepared statement. A fragment is named when it runs (each filter or
 * rule shape is then parsed and planned once per connection).
 */
export function prepared(text: string): Statement;
export function prepared(fragment: SqlFragment): PreparedFragment;
export function prepared(source: string | SqlFragment): Statement | PreparedFragment {
  if (source instanceof SqlFragment) return { fragment: source };
  return { name: `clm_${createHash('sha1').update(source).digest('base64url').slice(0, 16)}`, text: source };
}

/**
 * A batch as one array per column, for statements that take it as typed array
 * parameters (`unnest($1::text[], $2::uuid[], …)`): cheaper to send and to
 * read than a JSON document. `values` gives one row's `width` values in
 * parameter order; no rows give `width` empty arrays.
 */
export function columnsOf<T>(rows: readonly T[], width: number, values: (row: T) => readonly unknown[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) {
    const rowValues = values(row);
    if (rowValues.length !== width) throw new Error(`columnsOf: a row gave ${rowValues.length} values, not ${width}`);
    for (let index = 0; index < width; index++) columns[index].push(rowValues[index]);
  }
  return columns;
}

/** Anything that runs SQL: the pool, or a unit of work's transaction. */
export type Queryable = {
  /** Rows of a statement, typed by the caller next to its SQL. */
  query<Row extends QueryResultRow>(sql: Sql, parameters?: readonly unknown[]): Promise<Row[]>;
  /** The number of rows a statement changed. */
  execute(sql: Sql, parameters?: readonly unknown[]): Promise<number>;
};

type Runner = Pick<PoolClient, 'query'>;

async function run<Row extends QueryResultRow>(runner: Runner, sql: Sql, parameters: readonly unknown[], observe?: (text: string) => void) {
  if (sql instanceof SqlFragment || (typeof sql === 'object' && 'fragment' in sql)) {
    if (parameters.length > 0) throw new Error('A sql`…` fragment carries its own parameters; pass none beside it');
    const { text, values } = (sql instanceof SqlFragment ? sql : sql.fragment).render();
    return run<Row>(runner, sql instanceof SqlFragment ? text : prepared(text), values, observe);
  }
  observe?.(typeof sql === 'string' ? sql : sql.text);
  const values = parameters as unknown[];
  return typeof sql === 'string' ? runner.query<Row>(sql, values) : runner.query<Row>({ name: sql.name, text: sql.text, values });
}

/** Thrown inside a transaction to roll it back and run it again from the start. */
export class RetryTransaction extends Error {
  constructor(reason = 'a concurrent writer changed what this transaction read') {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

/** deadlock_detected, serialization_failure: PostgreSQL asks the client to retry. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 8;

/**
 * One transaction's work. Writers queue what must happen only once the data
 * is committed (`afterCommit`), and say when they appended to an event log
 * (`logAppended`): the database announces it after COMMIT, once per
 * transaction, so no writer calls the notifier itself and nothing is
 * announced for a transaction that rolled back.
 */
export class UnitOfWork implements Queryable {
  private readonly committedHooks: Array<() => void> = [];
  private appended = false;

  constructor(
    private readonly client: PoolClient,
    private readonly observe: ((text: string) => void) | undefined,
  ) {}

  async query<Row extends QueryResultRow>(sql: Sql, parameters: readonly unknown[] = []): Promise<Row[]> {
    return (await run<Row>(this.client, sql, parameters, this.observe)).rows;
  }

  async execute(sql: Sql, parameters: readonly unknown[] = []): Promise<number> {
    return (await run(this.client, sql, parameters, this.observe)).rowCount ?? 0;
  }

  afterCommit(hook: () => void): void {
    this.committedHooks.push(hook);
  }

  /** Marks that this transaction appended to the touchpoint or transition log. */
  logAppended(): void {
    this.appended = true;
  }

  /** @internal called by Db after COMMIT. */
  committed(onLogAppended: () => void): void {
    if (this.appended) onLogAppended();
    for (const hook of this.committedHooks) hook();
  }
}

export type DbOptions = {
  url: string;
  /** Connections for interactive reads (CLM_POOL_SIZE); `limits.read.connections` when both are given. */
  poolSize: number;
  /** Time limit and connections per kind of work (work-kinds.ts); the defaults for any kind not given. */
  limits?: Partial<WorkLimits>;
  /**
   * The longest a transaction of a kind may sit idle (`idle_in_transaction_session_timeout`); by default its
   * statement limit, at least 10 s. Exports wait for their client inside their transaction: theirs is their total time limit.
   */
  idleInTransactionMs?: Partial<Record<WorkKind, number>>;
  /** Called after COMMIT of every transaction that appended to a log. */
  onLogAppended?: () => void;
  /** Called after a commit hook throws (they run after the caller's transaction is final). */
  onError?: (error: unknown) => void;
};

/**
 * The request (or job) statements run for: its kind of work, which chooses
 * the connections and the time limit, and the signal that fires when its
 * client leaves, which cancels its statements in flight at once (the server
 * would otherwise run them to the end for nobody). `kind` may change once the
 * request says what it is (a GraphQL operation is classified after parsing).
 */
export class WorkScope {
  constructor(
    public kind: WorkKind,
    readonly signal: AbortSignal | null = null,
  ) {}
}

/** The scope of the code running now: set by `Db.within` and carried through every await below it. */
const currentScope = new AsyncLocalStorage<WorkScope>();

/** What every view of one Db shares: the pools (opened on first use) and the hooks. */
class DbShared {
  private readonly pools = new Map<WorkKind, Pool>();
  /** Every connection opened and not yet closed, across the pools. */
  private readonly open = new Set<PoolClient>();
  private ended = false;
  observe: ((text: string) => void) | undefined;
  onLogAppended: () => void;
  readonly onError: (error: unknown) => void;
  readonly limits: WorkLimits;
  private readonly idleInTransactionMs: Partial<Record<WorkKind, number>>;

  private readonly url: string;

  constructor(options: DbOptions) {
    this.url = options.url;
    this.limits = { ...DEFAULT_WORK_LIMITS, read: { ...DEFAULT_WORK_LIMITS.read, connections: options.poolSize }, ...options.limits };
    this.idleInTransactionMs = options.idleInTransactionMs ?? {};
    this.onLogAppended = options.onLogAppended ?? (() => undefined);
    this.onError = options.onError ?? (() => undefined);
  }

  pool(kind: WorkKind): Pool {
    let pool = this.pools.get(kind);
    if (!pool) {
      // A pool opened after end() would never be closed: late work fails instead.
      if (this.ended)
        throw new Error(`the database connections are closed (a statement for ${WORK_KIND_NAMES[kind].label} came after shutdown)`);
      const { statementTimeoutMs, connections } = this.limits[kind];
      pool = new Pool({
        connectionString: this.url,
        max: connections,
        application_name: `clm:${kind}`,
        // Sent in the start-up packet: the server applies them to every statement on these connections.
        statement_timeout: statementTimeoutMs,
        idle_in_transaction_session_timeout: this.idleLimitMs(kind),
        // LLVM compilation of a large plan cannot be interrupted: with JIT on, a preview of many conditions ran 20 s
        // past a 3 s statement limit, compiling. clm's statements are short and many; JIT would not pay for itself anyway.
        options: '-c jit=off',
      });
      // An idle client that loses its server must not crash the process; the next checkout reconnects.
      pool.on('error', (error) => this.onError(error));
      pool.on('connect', (client) => {
        this.open.add(client);
        client.once('end', () => this.open.delete(client));
      });
      this.pools.set(kind, pool);
    }
    return pool;
  }

  idleLimitMs(kind: WorkKind): number {
    const statementTimeoutMs = this.limits[kind].statementTimeoutMs;
    return this.idleInTransactionMs[kind] ?? (statementTimeoutMs === 0 ? 0 : Math.max(statementTimeoutMs, 10_000));
  }

  /**
   * Closes every pool, and resolves once each connection has really closed: a
   * pool's end() resolves when it has let its clients go, not when their
   * sockets have closed, and a database dropped in between (tests) or a
   * server shutting down would end them with an error nobody listens to.
   */
  async end(): Promise<void> {
    this.ended = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all([...this.open].map((client) => new Promise((resolve) => client.once('end', resolve))));
  }
}

/**
 * One connection checked out for a scope: while it is held, the scope's
 * client leaving cancels its statement in flight (`pg_cancel_backend`, sent
 * on a control connection). A connection a cancel was sent to is closed,
 * never handed to other work: the cancel might otherwise land on their
 * statement.
 */
class Lease {
  private cancelling: Promise<unknown> | null = null;
  private resend: NodeJS.Timeout | null = null;
  private readonly onAbort = () => {
    this.cancel();
    // A cancel that reaches the server before it has read the statement is lost (it cancels nothing while idle):
    // sent again until the statement is over.
    this.resend = setInterval(() => this.cancel(), CANCEL_RESEND_MS);
  };

  constructor(
    readonly client: PoolClient,
    readonly kind: WorkKind,
    private readonly signal: AbortSignal | null,
    private readonly shared: DbShared,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** A statement error as the caller should see it: a time limit or a cancellation as a coded error, anything else as it is. */
  explain(error: unknown): unknown {
    const state = sqlState(error);
    if (state !== '57014' && state !== '25P03') return error;
    if (this.signal?.aborted) return requestCancelled();
    return state === '57014'
      ? queryTimeout(this.kind, this.shared.limits[this.kind].statementTimeoutMs)
      : queryTimeout(this.kind, this.shared.idleLimitMs(this.kind), 'this request held a transaction idle');
  }

  async release(broken: boolean | Error = false): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.resend) clearInterval(this.resend);
    if (this.cancelling) await this.cancelling;
    this.client.release(this.cancelling ? true : broken);
  }

  private cancel(): void {
    const pid = backendPid(this.client);
    if (pid === null) return;
    const previous = this.cancelling ?? Promise.resolve();
    const sent = this.shared
      .pool('control')
      .query('SELECT pg_cancel_backend($1)', [pid])
      .catch((error: unknown) => this.shared.onError(error));
    this.cancelling = Promise.all([previous, sent]);
  }
}

/** How often a cancel is sent again while the cancelled statement has not ended. */
const CANCEL_RESEND_MS = 250;

/** The server process of a connection (node-postgres keeps it from the start-up; its types do not declare it). */
function backendPid(client: PoolClient): number | null {
  return 'processID' in client && typeof client.processID === 'number' ? client.processID : null;
}

/**
 * The connection pools and transactions. clm writes its SQL by hand, one
 * `*.sql.ts` file per table with the row type and mapper beside it; TypeORM
 * only runs the migrations (see docs/architecture.md).
 *
 * Statements run on the pool of their kind of work: a view made by
 * `forKind` always uses its kind (background work: projections, the live
 * streams' reads); the Db itself uses the kind of the current `WorkScope`
 * (`within`), and `background` outside any.
 */
export class Db implements Queryable {
  private constructor(
    private readonly shared: DbShared,
    private readonly fixedKind: WorkKind | null,
  ) {}

  /** The pools of one database (each opened on first use); statements use the current scope's kind. */
  static open(options: DbOptions): Db {
    return new Db(new DbShared(options), null);
  }

  /** A view of the same pools whose statements always run as `kind`, whatever request is current (nobody's client cancels them). */
  forKind(kind: WorkKind): Db {
    return new Db(this.shared, kind);
  }

  /** Runs `work` in `scope`: every statement it makes through any Db (not a `forKind` view) uses the scope's kind and signal. */
  within<T>(scope: WorkScope, work: () => T): T {
    return currentScope.run(scope, work);
  }

  /** Runs `work` outside any scope: background work it starts (a poke's timer) never inherits a request's kind or signal. */
  outsideScope<T>(work: () => T): T {
    return currentScope.exit(work);
  }

  /** The scope of the code running now, if any. */
  currentScope(): WorkScope | undefined {
    return currentScope.getStore();
  }

  /** The limits per kind of work this Db applies. */
  get limits(): WorkLimits {
    return this.shared.limits;
  }

  /** The pool of `kind` (tests look at what each holds). */
  poolFor(kind: WorkKind): Pool {
    return this.shared.pool(kind);
  }

  /** Sees every statement's text before it runs (tests count statements with it). */
  get observe(): ((text: string) => void) | undefined {
    return this.shared.observe;
  }

  set observe(observe: ((text: string) => void) | undefined) {
    this.shared.observe = observe;
  }

  get onLogAppended(): () => void {
    return this.shared.onLogAppended;
  }

  set onLogAppended(hook: () => void) {
    this.shared.onLogAppended = hook;
  }

  async query<Row extends QueryResultRow>(sql: Sql, parameters: readonly unknown[] = []): Promise<Row[]> {
    return this.withLease(async (lease) => (await run<Row>(lease.client, sql, parameters, this.shared.observe)).rows);
  }

  async execute(sql: Sql, parameters: readonly unknown[] = []): Promise<number> {
    return this.withLease(async (lease) => (await run(lease.client, sql, parameters, this.shared.observe)).rowCount ?? 0);
  }

  /**
   * A connection of its own for `work` (a cursor read in steps), with the
   * current scope's limit and cancellation; `work` reports whether it left
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

  private async lease(): Promise<Lease> {
    const scope = this.fixedKind === null ? currentScope.getStore() : undefined;
    const kind = this.fixedKind ?? scope?.kind ?? 'background';
    const signal = scope?.signal ?? null;
    if (signal?.aborted) throw requestCancelled();
    const client = await this.shared.pool(kind).connect();
    // The client may have left while a connection was found: then nothing is started on it.
    if (signal?.aborted) {
      client.release();
      throw requestCancelled();
    }
    return new Lease(client, kind, signal, this.shared);
  }

  private async withLease<T>(work: (lease: Lease) => Promise<T>, broken: () => boolean | Error = () => false): Promise<T> {
    const lease = await this.lease();
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
    const lease = await this.lease();
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
      const uow = new UnitOfWork(client, this.shared.observe);
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

/** The SQLSTATE of a PostgreSQL error. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The `detail` of a PostgreSQL error (which key violated a unique index, for example). */
export function sqlDetail(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('detail' in error)) return '';
  return typeof error.detail === 'string' ? error.detail : '';
}

/** Whether an error means the database cannot be reached now (connection refused or lost, server shutting down). */
export function databaseUnavailable(error: unknown): boolean {
  const state = sqlState(error) ?? '';
  // 53300: the server (or a role) has no connection left for us ("too many clients"); retrying later can succeed.
  if (state.startsWith('08') || state.startsWith('57P') || ['53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(state))
    return true;
  // node-postgres reports a connection lost mid-query without a code, and so the next query on a client it lost while
  // the work awaited something else (a transaction cut by a crash between two statements).
  return (
    error instanceof Error &&
    /^Connection terminated|timeout exceeded when trying to connect|^Client (has encountered a connection error|was closed) and is not queryable/.test(
      error.message,
    )
  );
}
