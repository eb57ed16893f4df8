import { Client } from 'pg';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

describe('the metrics projection and a customer deleted while it applies their acquisition', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  it('waits for the deleting transaction and skips the customer instead of failing the step on the foreign key', async () => {
    const { projector, ingest } = context.services;
    await projector.catchUp();
    const deleting = new Client({ connectionString: context.url });
    await deleting.connect();
    // Acquired (a purchase) while the projection is paused, then deleted in a transaction still open when it resumes.
    const customerId = await projector.whilePaused(async () => {
      const [result] = await ingest.record(
        [
          {
            messageId: 'race-1',
            customer: { externalId: 'racer' },
            type: 'purchase',
            channel: 'web',
            occurredAt: '2026-05-01T10:00:00Z',
            value: 5,
          },
        ],
        () => 'input',
      );
      await deleting.query('BEGIN');
      await deleting.query('DELETE FROM customers WHERE id = $1', [result.customerId]);
      return result.customerId as string;
    });
    // The projector, poked by the ingest, now applies the acquisition and waits on the customer's row.
    const waiting = async () =>
      (
        await context.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND l.locktype = 'transactionid' AND a.datname = current_database()`)
      )[0].count;
    for (let attempt = 0; (await waiting()) === 0 && attempt < 100; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await waiting()).toBe(1);
    await deleting.query('COMMIT');
    await deleting.end();
    await projector.catchUp();
    const rows = await context.db.query(`SELECT count(*)::int AS count FROM customer_acquisitions WHERE customer_id = $1`, [customerId]);
    expect(rows).toEqual([{ count: 0 }]);
  });
});
