import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createTestContext } from '../../testing';
import type { TestContext } from '../../testing';
import { EventLog } from '../event-log';
import { LOG_START } from '../log-position';

describe('the commit-ordered event log', () => {
  let context: TestContext;
  let customerId: string;
  beforeAll(async () => {
    context = await createTestContext();
    customerId = '00000000-0000-4000-8000-000000000001';
    await context.db.query(`INSERT INTO customers (id, email) VALUES ($1, 'log@example.com')`, [customerId]);
  });
  afterAll(async () => {
    await context.close();
  });

  /**
   * Reads until `count` entries are final. xmin is cluster-wide, so a
   * transaction of another test file can hold rows back for a moment.
   */
  const readFinal = async (after: typeof LOG_START, count: number) => {
    for (let attempt = 0; ; attempt++) {
      const entries = await log().read(after, 100);
      if (entries.length >= count || attempt === 100) return entries;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const log = () =>
    new EventLog(context.db, { table: 'stage_transitions', select: 'e.to_stage', toValue: (row) => row.to_stage as string });
  const insert = (client: Client, to: string) =>
    client.query(
      `INSERT INTO stage_transitions (customer_id, from_stage, to_stage, occurred_at, cause) VALUES ($1, NULL, $2, now(), 'manual') RETURNING id`,
      [customerId, to],
    );

  it('holds back a row committed after one with a higher id until the earlier transaction ends, then returns both in commit-safe order', async () => {
    const slow = new Client({ connectionString: context.url });
    const fast = new Client({ connectionString: context.url });
    await slow.connect();
    await fast.connect();
    try {
      await slow.query('BEGIN');
      const slowRow = await insert(slow, 'slow');
      await fast.query('BEGIN');
      const fastRow = await insert(fast, 'fast');
      await fast.query('COMMIT');
      expect(Number(fastRow.rows[0].id)).toBeGreaterThan(Number(slowRow.rows[0].id) - 1);

      // The fast row is committed, but a reader must not pass it while the slow transaction may still commit below it.
      expect(await log().read(LOG_START, 100)).toEqual([]);
      const headWhileInFlight = await log().head();

      await slow.query('COMMIT');
      const entries = await readFinal(LOG_START, 2);
      expect(entries.map((entry) => entry.value)).toEqual(['slow', 'fast']);
      // A reader that stopped at the head seen earlier still receives both.
      expect((await readFinal(headWhileInFlight, 2)).map((entry) => entry.value)).toEqual(['slow', 'fast']);
      // And nothing after the last one.
      expect(await log().read(entries[1].position, 100)).toEqual([]);
    } finally {
      await slow.end();
      await fast.end();
    }
  });

  it('orders transactions by their transaction id even when a later one took the lower row id', async () => {
    const first = new Client({ connectionString: context.url });
    const second = new Client({ connectionString: context.url });
    await first.connect();
    await second.connect();
    try {
      const start = await log().head();
      await first.query('BEGIN');
      await first.query('SELECT pg_current_xact_id()'); // takes the lower transaction id
      await second.query('BEGIN');
      await insert(second, 'second-lower-id'); // takes the lower row id
      await insert(first, 'first-higher-id');
      await second.query('COMMIT');
      await first.query('COMMIT');
      expect((await readFinal(start, 2)).map((entry) => entry.value)).toEqual(['first-higher-id', 'second-lower-id']);
    } finally {
      await first.end();
      await second.end();
    }
  });

  it('finds the head by transaction id as a number, not as text (999 before 1000)', async () => {
    // Rows stamped with explicit transaction ids on both sides of a digit boundary, both long committed.
    await context.db.query(
      `INSERT INTO stage_transitions (customer_id, from_stage, to_stage, occurred_at, cause, tx_id)
       VALUES ($1, NULL, 'nine', now(), 'manual', '999'), ($1, NULL, 'ten', now(), 'manual', '1000')`,
      [customerId],
    );
    const head = await log().head();
    const [newest] = await context.db.query<{ tx_id: string; id: string }>(
      `SELECT tx_id::text, id::text FROM stage_transitions t ORDER BY t.tx_id DESC, t.id DESC LIMIT 1`,
    );
    expect(head).toEqual({ txId: BigInt(newest.tx_id), id: BigInt(newest.id) });
    expect(head.txId).toBeGreaterThanOrEqual(1000n);
  });
});
