import type { PoolClient, QueryResultRow } from 'pg';
import { run } from './statements';
import type { Queryable, Sql } from './statements';

/*
 * A transaction's side of the Db: the unit of work its statements run
 * through (with the hooks that wait for COMMIT) and when a transaction is
 * run again. Db.transaction (db.ts) begins, commits and retries it.
 */

/** Thrown inside a transaction to roll it back and run it again from the start. */
export class RetryTransaction extends Error {
  constructor(reason = 'a concurrent writer changed what this transaction read') {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

/** deadlock_detected, serialization_failure: PostgreSQL asks the client to retry. */
export const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
/** How many times a transaction is tried before its retryable error is thrown. */
export const MAX_ATTEMPTS = 8;

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
