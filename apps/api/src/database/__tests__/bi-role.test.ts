import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestContext, createTestDatabase } from '../../testing';
import type { TestContext, TestDatabase } from '../../testing';
import { applyBiPassword, BI_ROLE } from '../bi-role';
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
