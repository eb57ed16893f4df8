import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { RetryTransaction } from '../../database/db';
import { createTestContext } from '../../testing';
import type { TestContext } from '../../testing';
import { formatClientError } from '../error-mapping';

/** What the mapping makes of a failure (nothing reported: a retryable failure is not a bug). */
function clientView(error: unknown) {
  const reported: unknown[] = [];
  const formatted = formatClientError({ message: 'raw' }, error, (masked) => reported.push(masked));
  return { formatted, reported: reported.length };
}

const RETRY_SHORTLY = {
  formatted: { message: 'the database is unavailable; retry shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } },
  reported: 0,
};

/**
 * Real failures from a real PostgreSQL, each of which leaves nothing of the
 * request committed: clients that retry on SERVICE_UNAVAILABLE (the README's
 * rule) lose nothing, so none of them may answer INTERNAL_SERVER_ERROR.
 */
describe('failures that only mean "not now" answer SERVICE_UNAVAILABLE', () => {
  let context: TestContext;
  const failures = new Map<string, unknown>();

  beforeAll(async () => {
    context = await createTestContext();
    failures.set('too many clients (53300)', await tooManyClients(context));
    failures.set('a transaction whose connection was cut between two statements', await transactionCut(context));
    failures.set('a statement whose connection was cut while it ran', await statementCut(context));
    failures.set('a transaction that kept colliding until its retries ran out', new RetryTransaction());
  });

  afterAll(async () => {
    await context.close();
  });

  it.each([
    ['too many clients (53300)', '53300'],
    ['a transaction whose connection was cut between two statements', undefined],
    ['a statement whose connection was cut while it ran', '57P01'],
    ['a transaction that kept colliding until its retries ran out', undefined],
  ])('%s', (name, sqlState) => {
    const error = failures.get(name);
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof Error && 'code' in error ? error.code : undefined).toBe(sqlState);
    expect(clientView(error)).toEqual(RETRY_SHORTLY);
  });

  it('still masks a failure that is not retryable (a syntax error) as INTERNAL_SERVER_ERROR and reports it', async () => {
    const error = await context.db.query('SELEC 1').catch((failure: unknown) => failure);
    expect(clientView(error)).toEqual({
      formatted: { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      reported: 1,
    });
  });
});

/** A role limited to no connections at all: PostgreSQL refuses the next one with 53300, as a full server would. */
async function tooManyClients(context: TestContext): Promise<unknown> {
  const role = `clm_full_${randomBytes(4).toString('hex')}`;
  const url = new URL(context.url);
  // The same password as the test's own user: on a server that asks for one (the embedded PostgreSQL), the limit is
  // only checked once the role has authenticated.
  const password = decodeURIComponent(url.password);
  const [{ statement }] = await context.db.query<{ statement: string }>(
    `SELECT format('CREATE ROLE %I LOGIN CONNECTION LIMIT 0 PASSWORD %L', $1::text, $2::text) AS statement`,
    [role, password === '' ? null : password],
  );
  await context.db.execute(statement);
  try {
    url.username = role;
    const client = new Client({ connectionString: url.toString() });
    return await client.connect().then(
      () => client.end().then(() => new Error('connected')),
      (error: unknown) => error,
    );
  } finally {
    await context.db.execute(`DROP ROLE ${role}`);
  }
}

/** The backend of a transaction is terminated while the transaction awaits something else; its next statement fails. */
function transactionCut(context: TestContext): Promise<unknown> {
  return context.db
    .transaction(async (uow) => {
      const [{ pid }] = await uow.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await context.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await uow.query('SELECT 1');
    })
    .then(
      () => new Error('committed'),
      (error: unknown) => error,
    );
}

/** The backend is terminated while its statement runs. */
function statementCut(context: TestContext): Promise<unknown> {
  return context.db
    .transaction(async (uow) => {
      const [{ pid }] = await uow.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const running = uow.query('SELECT pg_sleep(5)');
      // It fails while the terminating statement is awaited: handled now, so that is not an unhandled rejection.
      running.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await context.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await running;
    })
    .then(
      () => new Error('committed'),
      (error: unknown) => error,
    );
}
