import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { SqlFragment } from './sql';

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
  poolSize: number;
  /** Called after COMMIT of every transaction that appended to a log. */
  onLogAppended?: () => void;
  /** Called after a commit hook throws (they run after the caller's transaction is final). */
  onError?: (error: unknown) => void;
};

/**
 * The connection pool and transactions. clm writes its SQL by hand, one
 * `*.sql.ts` file per table with the row type and mapper beside it; TypeORM
 * only runs the migrations (see docs/architecture.md).
 */
export class Db implements Queryable {
  readonly pool: Pool;
  /** Sees every statement's text before it runs (tests count statements with it). */
  observe: ((text: string) => void) | undefined;
  onLogAppended: () => void;
  private readonly onError: (error: unknown) => void;

  constructor(options: DbOptions) {
    this.pool = new Pool({ connectionString: options.url, max: options.poolSize, application_name: 'clm' });
    this.onLogAppended = options.onLogAppended ?? (() => undefined);
    this.onError = options.onError ?? (() => undefined);
    // An idle client that loses its server must not crash the process; the next checkout reconnects.
    this.pool.on('error', (error) => this.onError(error));
  }

  async query<Row extends QueryResultRow>(sql: Sql, parameters: readonly unknown[] = []): Promise<Row[]> {
    return (await run<Row>(this.pool, sql, parameters, this.observe)).rows;
  }

  async execute(sql: Sql, parameters: readonly unknown[] = []): Promise<number> {
    return (await run(this.pool, sql, parameters, this.observe)).rowCount ?? 0;
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
    await this.pool.end();
  }

  private async attempt<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    // A connection the server drops while the work awaits something else (the database restarting) emits 'error' on the
    // checked-out client; without a listener that would end the process. The next query on it fails, and so does the work.
    const dropped = () => {
      broken = true;
    };
    client.on('error', dropped);
    try {
      await client.query('BEGIN');
      const uow = new UnitOfWork(client, this.observe);
      let result: T;
      try {
        result = await work(uow);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
      try {
        uow.committed(this.onLogAppended);
      } catch (error) {
        this.onError(error);
      }
      return result;
    } finally {
      client.removeListener('error', dropped);
      client.release(broken);
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
  if (state.startsWith('08') || state.startsWith('57P') || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(state))
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
