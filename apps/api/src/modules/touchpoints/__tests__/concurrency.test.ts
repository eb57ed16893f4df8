import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';
import type { TouchpointSubmission } from '../touchpoint-validation';

const TYPES = ['page_view', 'signup', 'login', 'purchase', 'purchase', 'review'];

/** Batch `b` of 8: 200 touchpoints over the same 100 customers, in an order of its own. */
function batch(b: number): TouchpointSubmission[] {
  return Array.from({ length: 200 }, (_, i) => {
    const customer = (i * 37 + b * 11) % 100;
    const type = TYPES[(i + b) % TYPES.length];
    return {
      messageId: `b${b}-m${i}`,
      customer: { externalId: `c-${customer}` },
      type,
      channel: 'web',
      occurredAt: new Date(Date.UTC(2026, 0, 1) + ((i * 7 + b * 13) % 500) * 3600_000).toISOString(),
      value: type === 'purchase' ? 10 : null,
      properties: type === 'review' ? { rating: 5 } : {},
    };
  });
}

describe('concurrent ingest', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  it('leaves every customer with a valid chain of transitions when 8 batches hit the same 100 customers at once', async () => {
    const batches = Array.from({ length: 8 }, (_, b) => batch(b));
    const results = await Promise.all(batches.map((items) => context.services.ingest.record(items, (index) => `touchpoints[${index}]`)));
    expect(results.flat().filter((result) => result.status !== 'ACCEPTED')).toEqual([]);

    const [{ customers, touchpoints }] = await context.db.query(
      `SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM touchpoints) AS touchpoints`,
    );
    expect({ customers, touchpoints }).toEqual({ customers: 100, touchpoints: 1600 });

    // Each customer's transitions, in the order they were written, form one chain from null to the current stage.
    const chains: Array<{ id: string; stage: string; orders: number; chain: Array<[string | null, string]> }> = await context.db.query(
      `SELECT c.id, c.stage, c.orders, json_agg(json_build_array(t.from_stage, t.to_stage) ORDER BY t.id) AS chain
         FROM customers c JOIN stage_transitions t ON t.customer_id = c.id GROUP BY c.id`,
    );
    expect(chains).toHaveLength(100);
    for (const { stage, chain } of chains) {
      expect(chain[0][0]).toBeNull();
      for (let i = 1; i < chain.length; i++) expect(chain[i][0]).toBe(chain[i - 1][1]);
      expect(chain.at(-1)?.[1]).toBe(stage);
      expect(new Set(chain.map(([, to]) => to)).size).toBe(chain.length);
    }
    // Rollups equal what was stored: 2 of every 6 touchpoints are purchases.
    const [{ purchases }] = await context.db.query(`SELECT count(*)::int AS purchases FROM touchpoints WHERE type = 'purchase'`);
    expect(chains.reduce((sum, row) => sum + row.orders, 0)).toBe(purchases);

    // Stage counts equal the transition log: each customer's last transition names its stage.
    const mismatches = await context.db.query(
      `SELECT count(*)::int AS n FROM (
         SELECT to_stage AS stage, count(*) FROM (
           SELECT DISTINCT ON (customer_id) customer_id, to_stage FROM stage_transitions ORDER BY customer_id, id DESC) last
         GROUP BY to_stage
         EXCEPT SELECT stage, count(*) FROM customers GROUP BY stage) d`,
    );
    expect(mismatches).toEqual([{ n: 0 }]);
  });

  it('stores nothing again when the same 8 batches are replayed concurrently', async () => {
    const before = await context.db.query(
      `SELECT (SELECT count(*)::int FROM touchpoints) AS t, (SELECT count(*)::int FROM stage_transitions) AS s`,
    );
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, b) => context.services.ingest.record(batch(b), (index) => `touchpoints[${index}]`)),
    );
    expect(new Set(results.flat().map((result) => result.status))).toEqual(new Set(['DUPLICATE']));
    const after = await context.db.query(
      `SELECT (SELECT count(*)::int FROM touchpoints) AS t, (SELECT count(*)::int FROM stage_transitions) AS s`,
    );
    expect(after).toEqual(before);
  });
});
