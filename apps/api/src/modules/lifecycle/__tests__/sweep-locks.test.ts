import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

describe('the inactivity sweep beside the projections', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const record = (items: Array<{ id: string; customer: string; type: string; at: string; value?: number }>) =>
    context.services.ingest.record(
      items.map((item) => ({
        messageId: item.id,
        customer: { externalId: item.customer },
        type: item.type,
        channel: 'web',
        occurredAt: item.at,
        value: item.value ?? null,
      })),
      (index) => `touchpoints[${index}]`,
    );
  const transitionsOf = (externalId: string) =>
    context.db.query<{ to_stage: string }>(
      `SELECT t.to_stage FROM stage_transitions t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = $1 ORDER BY t.id`,
      [externalId],
    );

  it('sweeps a customer that a projection is referencing at that moment (a foreign-key check holds KEY SHARE)', async () => {
    await record([{ id: 'k-1', customer: 'referenced', type: 'purchase', at: '2025-06-01T00:00:00Z', value: 5 }]);
    const [customer] = await context.db.query<{ id: string }>(`SELECT id FROM customers WHERE external_id = 'referenced'`);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Another transaction writes a row referencing the customer (as the metrics and segments projections do) and stays open.
    const projection = context.db.transaction(async (uow) => {
      await uow.query(`SELECT 1 FROM customers WHERE id = $1 FOR KEY SHARE`, [customer.id]);
      locked();
      await held;
    });
    await isLocked;
    try {
      const result = await context.services.lifecycle.runInactivitySweep(new Date('2026-01-01T00:00:00Z'));
      expect(result).toEqual({ examined: 1, atRisk: 1, churned: 1 });
      expect((await transitionsOf('referenced')).map((row) => row.to_stage)).toEqual(['acquisition', 'at-risk', 'churned']);
    } finally {
      release();
      await projection;
    }
  });
});
