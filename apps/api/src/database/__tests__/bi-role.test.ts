import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestContext, createTestDatabase } from '../../testing';
import type { TestContext, TestDatabase } from '../../testing';
import { applyBiLimits, applyBiPassword, BI_ROLE, BiWatchdog, connectionBudgetProblem } from '../bi-role';
import type { BiRoleLimits } from '../bi-role';
import { migrate } from '../data-source';
import { biRoleSql } from '../migrations/1764600000000-bi';

/** A client on the test database as another user (the test server's own user otherwise). */
async function connect(url: string, as?: { user: string; password: string }): Promise<Client> {
  const target = new URL(url);
  if (as) {
    target.username = as.user;
    target.password = encodeURIComponent(as.password);
  }
  const client = new Client({ connectionString: target.toString() });
  await client.connect();
  return client;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Whether `password` is the one a SCRAM-SHA-256 verifier (pg_authid.rolpassword) was made from (RFC 5802). */
function scramMatches(verifier: string, password: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) return false;
  const salted = pbkdf2Sync(password, Buffer.from(match[2], 'base64'), Number(match[1]), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return createHash('sha256').update(clientKey).digest('base64') === match[3];
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('the clm_bi role', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
  });

  afterAll(async () => {
    // The role is the server's, shared by every test database: leave it as the migration makes it.
    await withClient(context.url, (client) => client.query(`ALTER ROLE ${BI_ROLE} NOLOGIN PASSWORD NULL`));
    await context.close();
  });

  it('reads the views of schema bi and no table of clm', async () => {
    await withClient(context.url, async (client) => {
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE ${BI_ROLE}`);
      const tries = async (sql: string) => {
        await client.query('SAVEPOINT try');
        const result = await outcome(client, sql);
        await client.query('ROLLBACK TO SAVEPOINT try');
        return result;
      };
      expect({
        customers: await tries('SELECT * FROM customers'),
        touchpoints: await tries('SELECT * FROM touchpoints'),
        rollup: await tries('SELECT * FROM metric_transitions_daily'),
        keys: await tries('SELECT * FROM api_keys'),
        biCustomers: await tries('SELECT * FROM bi.customers'),
        biStageCounts: await tries('SELECT * FROM bi.daily_stage_counts'),
        biTransitions: await tries('SELECT * FROM bi.daily_transitions'),
        biTouchpoints: await tries('SELECT * FROM bi.daily_touchpoints'),
        biMetrics: await tries('SELECT * FROM bi.daily_metrics'),
        // daily_touchpoints and daily_transitions are simple views PostgreSQL could write through: SELECT only.
        update: await tries('UPDATE bi.daily_touchpoints SET touchpoints = 0'),
        delete: await tries('DELETE FROM bi.daily_transitions'),
        create: await tries('CREATE VIEW bi.mine AS SELECT 1'),
      }).toEqual({
        customers: '42501',
        touchpoints: '42501',
        rollup: '42501',
        keys: '42501',
        biCustomers: 'ok',
        biStageCounts: 'ok',
        biTransitions: 'ok',
        biTouchpoints: 'ok',
        biMetrics: 'ok',
        update: '42501',
        delete: '42501',
        create: '42501',
      });
      await client.query('ROLLBACK');
    });
  });

  it('cannot log in until a password is set, then logs in with exactly that password', async () => {
    await withClient(context.url, (client) => client.query(`ALTER ROLE ${BI_ROLE} NOLOGIN PASSWORD NULL`));
    const password = `it's "quoted" $$; DROP ROLE ${BI_ROLE}; -- \\ %L ${randomBytes(4).toString('hex')}`;
    // Refused: "not permitted to log in" (28000) where the server trusts the connection; where it asks for a password
    // (the embedded server), the role without one fails that first (28P01).
    await expect(connect(context.url, { user: BI_ROLE, password })).rejects.toMatchObject({ code: expect.stringMatching(/^28(000|P01)$/) });

    await applyBiPassword(context.db, password);
    const bi = await connect(context.url, { user: BI_ROLE, password });
    try {
      expect((await bi.query('SELECT current_user AS who')).rows).toEqual([{ who: BI_ROLE }]);
      expect(await outcome(bi, 'SELECT count(*) FROM bi.customers')).toBe('ok');
      expect(await outcome(bi, 'SELECT count(*) FROM customers')).toBe('42501');
    } finally {
      await bi.end();
    }
  });

  it('stores any password exactly, whatever characters it holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), async (password) => {
        await applyBiPassword(context.db, password);
        const [row] = await context.db.query<{ rolpassword: string; rolcanlogin: boolean }>(
          `SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = $1`,
          [BI_ROLE],
        );
        expect(row.rolcanlogin).toBe(true);
        expect(scramMatches(row.rolpassword, password)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

describe('the bi migration on a server shared by several databases', () => {
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    databases.push(await createTestDatabase(), await createTestDatabase());
    // Both at once, while the role already exists (every test database on this server made it).
    await Promise.all(databases.map((database) => migrate(database.url)));
  });

  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it("runs on two databases at once when the role already exists, granting it each database's views", async () => {
    for (const database of databases) {
      const granted = await withClient(database.url, (client) =>
        client.query<{ allowed: boolean }>(`SELECT has_table_privilege($1, 'bi.customers', 'SELECT') AS allowed`, [BI_ROLE]),
      );
      expect(granted.rows).toEqual([{ allowed: true }]);
    }
  });

  it('lets two databases create the same new role at the same moment', async () => {
    const role = `clm_bi_race_${randomBytes(4).toString('hex')}`;
    const [first, second] = await Promise.all(databases.map((database) => connect(database.url)));
    try {
      await first.query('BEGIN');
      await first.query(biRoleSql(role));
      // The second creation waits on the first one's uncommitted role, then finds it exists once it commits.
      await second.query('BEGIN');
      const racing = second.query(biRoleSql(role));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('COMMIT');
      await racing;
      await second.query('COMMIT');
      for (const client of [first, second]) {
        const granted = await client.query<{ allowed: boolean }>(
          `SELECT has_table_privilege($1, 'bi.daily_metrics', 'SELECT') AS allowed`,
          [role],
        );
        expect(granted.rows).toEqual([{ allowed: true }]);
      }
    } finally {
      for (const client of [first, second]) await client.query(`ROLLBACK; DROP OWNED BY ${role}`).catch(() => undefined);
      await first.query(`DROP ROLE IF EXISTS ${role}`);
      await Promise.all([first.end(), second.end()]);
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the BI role's limits: nothing clm depends on can be held by it", () => {
  let context: TestContext;
  // A role of this test's own, so the limits tried here never reach another test logging in as clm_bi.
  const role = `clm_bi_limits_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const opened: Client[] = [];
  const LIMITS: BiRoleLimits = { statementTimeoutMs: 60_000, idleInTransactionMs: 60_000, tempFileLimitMb: 1024, connectionLimit: 5 };

  beforeAll(async () => {
    context = await createTestContext();
    await context.db.execute(biRoleSql(role));
    await applyBiPassword(context.db, password, role);
  });

  afterAll(async () => {
    await Promise.all(opened.map((client) => client.end().catch(() => undefined)));
    await context.db.execute(`DROP OWNED BY ${role}`);
    await context.db.execute(`DROP ROLE ${role}`);
    await context.close();
  });

  /** A BI session (the role's settings apply at login); a session the server ends must not crash the test. */
  async function biSession(): Promise<Client> {
    const client = await connect(context.url, { user: role, password });
    client.on('error', () => undefined);
    opened.push(client);
    return client;
  }

  /** Ingests one touchpoint and waits for every projection to apply it, within `timeoutMs`. */
  async function ingestAndProject(timeoutMs: number): Promise<void> {
    await context.services.ingest.record(
      [
        {
          messageId: randomBytes(6).toString('hex'),
          customer: { externalId: 'bi-probe' },
          type: 'page_view',
          channel: 'web',
          occurredAt: new Date().toISOString(),
        },
      ],
      (index) => `touchpoints[${index}]`,
    );
    await context.services.projector.catchUp(timeoutMs);
  }

  async function sessionsOf(name: string): Promise<number> {
    const [{ count }] = await context.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity WHERE usename = $1`,
      [name],
    );
    return count;
  }

  it('takes the old advisory key of the projector but not its lock row, and the projections go on', async () => {
    expect(await applyBiLimits(context.db, LIMITS, role)).toEqual([]);
    const bi = await biSession();
    expect(
      await outcome(
        bi,
        `SELECT pg_advisory_lock(hashtext('clm.projection:metrics')), pg_advisory_lock(hashtext('clm.projection:segments'))`,
      ),
    ).toBe('ok');
    expect(await outcome(bi, `SELECT * FROM projection_locks FOR UPDATE`)).toBe('42501');
    await bi.query('BEGIN');
    expect(await outcome(bi, `LOCK TABLE projection_locks`)).toBe('42501');
    await bi.query('ROLLBACK');
    await ingestAndProject(10_000);
    await bi.end();
  });

  it('holds back neither the streams nor the projections with an open read-only transaction (no xid)', async () => {
    const bi = await biSession();
    await bi.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await bi.query('SELECT count(*) FROM bi.customers');
    // A snapshot without a transaction id: pg_current_snapshot()'s xmin (the projections' and streams' bound) ignores it.
    await ingestAndProject(10_000);
    await bi.query('ROLLBACK');
    await bi.end();
  });

  it('holds them back once its transaction takes an xid, until the idle-in-transaction limit ends the session', async () => {
    expect(await applyBiLimits(context.db, { ...LIMITS, idleInTransactionMs: 4000 }, role)).toEqual([]);
    // Any role may take an xid; while its transaction is open nothing committed after it is final for clm. On a loaded
    // machine the server may end the session (idle for 4 s) before the projector has looked: a try whose session did not
    // outlive the look proves nothing, and is made again. The query after the look shows the session was alive throughout.
    for (let attempt = 1; ; attempt++) {
      const bi = await biSession();
      await bi.query('BEGIN');
      await bi.query('SELECT pg_current_xact_id()');
      const caughtUp = await ingestAndProject(300).then(
        () => true,
        (error: unknown) => {
          if (!String(error).includes('projections did not catch up')) throw error;
          return false;
        },
      );
      const outlived = await bi.query('SELECT 1').then(
        () => true,
        () => false,
      );
      if (outlived) {
        expect(caughtUp).toBe(false);
        break;
      }
      if (attempt === 5) throw new Error('the server ended the BI session before the projector looked, five times running');
    }
    // The server ends the idle transaction after 4 s, and the projections catch up.
    await ingestAndProject(10_000);
    await waitFor(async () => (await sessionsOf(role)) === 0, 5_000);
  });

  it('has its session ended by the watchdog when it lifts its own timeouts and keeps a transaction open', async () => {
    expect(await applyBiLimits(context.db, LIMITS, role)).toEqual([]);
    const bi = await biSession();
    await bi.query('SET idle_in_transaction_session_timeout = 0');
    await bi.query('SET statement_timeout = 0');
    await bi.query('BEGIN');
    await bi.query('SELECT pg_current_xact_id()');
    const watchdog = new BiWatchdog(
      context.db,
      { ...LIMITS, statementTimeoutMs: 200, idleInTransactionMs: 200 },
      (error) => {
        throw error;
      },
      { role },
    );
    try {
      await expect(ingestAndProject(300)).rejects.toThrow('projections did not catch up');
      // Once the transaction is older than 400 ms, the next check ends it (and only it).
      await waitFor(async () => (await watchdog.check()) === 1, 5_000);
      await ingestAndProject(10_000);
      await waitFor(async () => (await sessionsOf(role)) === 0, 5_000);
    } finally {
      await watchdog.stop();
    }
  });

  it('is refused connections past its limit while clm keeps its own', async () => {
    expect(await applyBiLimits(context.db, { ...LIMITS, connectionLimit: 2 }, role)).toEqual([]);
    await biSession();
    await biSession();
    await expect(connect(context.url, { user: role, password })).rejects.toMatchObject({ code: '53300' });
    expect(await context.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await context.db.forKind('read').query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('stops its statements at its statement limit and its temporary files at its temp-file limit, which it cannot lift', async () => {
    expect(await applyBiLimits(context.db, { ...LIMITS, statementTimeoutMs: 300, tempFileLimitMb: 1, connectionLimit: -1 }, role)).toEqual(
      [],
    );
    const bi = await biSession();
    expect(await outcome(bi, 'SELECT pg_sleep(2)')).toBe('57014');
    await bi.query(`SET work_mem = '64kB'`);
    await bi.query(`SET statement_timeout = 0`);
    expect(await outcome(bi, 'SELECT count(*) FROM (SELECT g FROM generate_series(1, 2000000) g ORDER BY g DESC) sorted')).toBe('53400');
    expect(await outcome(bi, 'SET temp_file_limit = -1')).toBe('42501');
  });

  it("says when the server cannot hold clm's connections beside the BI role's", async () => {
    const [{ max, reserved }] = await context.db.query<{ max: number; reserved: number }>(
      `SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int
              + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
    );
    expect(await connectionBudgetProblem(context.db, 28, 5)).toBeNull();
    expect(await connectionBudgetProblem(context.db, max - reserved - 4, 5)).toBe(
      `clm may open ${max - reserved - 4} connections and clm_bi 5, but the server allows ${max - reserved} (max_connections less the reserved): lower CLM_BI_CONNECTION_LIMIT or the pools, or raise max_connections`,
    );
    expect(await connectionBudgetProblem(context.db, 28, -1)).toBe(
      `clm_bi has no connection limit (CLM_BI_CONNECTION_LIMIT=-1): BI tools could take the server's ${max - reserved} connections and leave clm none`,
    );
  });
});
