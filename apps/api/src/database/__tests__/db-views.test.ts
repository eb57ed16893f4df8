import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { ClmError } from '../../core/errors';
import { createTestDatabase } from '../../testing';
import type { TestDatabase } from '../../testing';
import { DatabaseError } from '../database.errors';
import { Db, WorkScope } from '../db';

/*
 * The work scope travels explicitly, as the Db view a statement runs on:
 * nothing is found from the code running, so the view alone decides the
 * connections (and so the time limit) and what cancels it.
 */

let database: TestDatabase;
let db: Db;
let admin: Client;

beforeAll(async () => {
  database = await createTestDatabase();
  db = Db.open({
    url: database.url,
    poolSize: 2,
    limits: { metrics: { statementTimeoutMs: 7_000, connections: 2 }, projection: { statementTimeoutMs: 9_000, connections: 1 } },
  });
  admin = new Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await db.end();
  await database.drop();
});

type Session = { name: string; timeout: string };
const SESSION = `SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout`;
const session = (view: Db) => view.query<Session>(SESSION).then((rows) => rows[0]);

/** The pids running a statement whose text contains `marker` (not this admin connection). */
async function running(marker: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()`,
    [`%${marker}%`],
  );
  return rows.map((row) => row.pid);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

const codeOf = (error: unknown) => (error instanceof ClmError ? error.code : error);

describe('Db views', () => {
  it('run the Db of open as background work, and a forKind view as its kind whatever else runs', async () => {
    expect(await session(db)).toEqual({ name: 'clm:background', timeout: '1min' });
    expect(await session(db.forKind('projection'))).toEqual({ name: 'clm:projection', timeout: '9s' });
  });

  it('run each statement of a scope on the connections of the kind the scope has when the statement starts', async () => {
    const scope = new WorkScope('read');
    const view = db.inScope(scope);
    const before = await session(view);
    scope.kind = 'metrics';
    const after = await session(view);
    const inTransaction = await view.transaction(async (uow) => (await uow.query<Session>(SESSION))[0]);
    expect({ before, after, inTransaction }).toEqual({
      before: { name: 'clm:read', timeout: '5s' },
      after: { name: 'clm:metrics', timeout: '7s' },
      inTransaction: { name: 'clm:metrics', timeout: '7s' },
    });
  });

  it("cancel a statement in flight when their scope's signal fires, and only that scope's", async () => {
    const leaving = new AbortController();
    const staying = new AbortController();
    const cancelled = db.inScope(new WorkScope('read', leaving.signal)).query(`SELECT pg_sleep(30) AS leaving`);
    // Handled at once: the rejection must not surface as unhandled while the other statement is awaited.
    const outcome = cancelled.then(
      () => 'finished',
      (error: unknown) => codeOf(error),
    );
    const kept = db.inScope(new WorkScope('read', staying.signal)).query<{ kept: string }>(`SELECT 'yes' AS kept FROM pg_sleep(1)`);
    await until(async () => (await running('AS leaving')).length === 1 && (await running('AS kept')).length === 1);
    leaving.abort();
    expect(await outcome).toBe(DatabaseError.REQUEST_CANCELLED);
    expect(await kept).toEqual([{ kept: 'yes' }]);
    await until(async () => (await running('AS leaving')).length === 0);
  });

  it('start nothing for a scope whose client has already left', async () => {
    const left = new AbortController();
    left.abort();
    const view = db.inScope(new WorkScope('read', left.signal));
    const seen: string[] = [];
    db.observe = (text) => seen.push(text);
    try {
      await expect(view.query(`SELECT 'never' AS started`).catch(codeOf)).resolves.toBe(DatabaseError.REQUEST_CANCELLED);
      await expect(view.transaction(async (uow) => uow.query(`SELECT 'never' AS started`)).catch(codeOf)).resolves.toBe(
        DatabaseError.REQUEST_CANCELLED,
      );
    } finally {
      db.observe = undefined;
    }
    expect(seen).toEqual([]);
  });
});
