import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

/*
 * Stored membership covers every customer, including those a failed batch
 * left outside the lifecycle: created before the batch's transaction, with no
 * touchpoint and no transition to name them.
 */
describe('the segments projection', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const members = async (segmentId: string) =>
    (
      await context.db.query<{ external_id: string }>(
        `SELECT c.external_id FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.segment_id = $1 ORDER BY 1`,
        [segmentId],
      )
    ).map((row) => row.external_id);

  it('makes customers a failed batch created members at once, without waiting for a scheduled refresh', async () => {
    const segment = await context.services.segments.create(
      { name: 'Pro plan', rule: { attribute: { name: 'plan', operator: 'EQ', value: 'pro' } } },
      'test',
    );
    // The batch's transaction fails after its new customers were created (here: a constraint no touchpoint meets).
    await context.db.query(`ALTER TABLE touchpoints ADD CONSTRAINT test_no_touchpoints CHECK (false) NOT VALID`);
    const batch = ['ann', 'bob'].map((externalId, index) => ({
      messageId: `m${index}`,
      customer: { externalId, attributes: { plan: externalId === 'ann' ? 'pro' : 'free' } },
      type: 'page_view',
      channel: 'web',
      occurredAt: new Date().toISOString(),
    }));
    await expect(context.services.ingest.record(batch, (index) => `touchpoints[${index}]`)).rejects.toThrow(/test_no_touchpoints/);
    await context.db.query(`ALTER TABLE touchpoints DROP CONSTRAINT test_no_touchpoints`);
    const left = await context.db.query<{ external_id: string; stage: string | null; touchpoints: number }>(
      `SELECT external_id, stage, (SELECT count(*)::int FROM touchpoints t WHERE t.customer_id = c.id) AS touchpoints FROM customers c ORDER BY 1`,
    );
    expect(left).toEqual([
      { external_id: 'ann', stage: null, touchpoints: 0 },
      { external_id: 'bob', stage: null, touchpoints: 0 },
    ]);

    await context.services.projector.catchUp();
    expect(await members(segment.id)).toEqual(['ann']);
    const changes = await context.db.query<{ external_id: string; entered: boolean; cause: string }>(
      `SELECT c.external_id, m.entered, m.cause FROM segment_membership_changes m JOIN customers c ON c.id = m.customer_id
        WHERE m.segment_id = $1 ORDER BY m.id`,
      [segment.id],
    );
    expect(changes).toEqual([{ external_id: 'ann', entered: true, cause: 'attributes' }]);

    // The batch sent again succeeds; membership stays as it was, with no second entry.
    await context.services.ingest.record(batch, (index) => `touchpoints[${index}]`);
    await context.services.projector.catchUp();
    expect(await members(segment.id)).toEqual(['ann']);
    expect(await context.db.query(`SELECT count(*)::int AS n FROM segment_membership_changes WHERE segment_id = $1`, [segment.id])).toEqual(
      [{ n: 1 }],
    );
  });

  it('reads numeric-looking attributes PostgreSQL cannot hold as numbers as no number, in the projection, previews, creation and the schedule', async () => {
    const scores: Record<string, string | number> = {
      wide: '7\u3000',
      long: '9'.repeat(400),
      huge: '1e999999',
      nan: 'NaN',
      seven: ' 7 ',
      eight: 8,
    };
    const items = Object.entries(scores).map(([externalId, score], index) => ({
      messageId: `score-${index}`,
      customer: { externalId, attributes: { score } },
      type: 'page_view',
      channel: 'web',
      occurredAt: new Date().toISOString(),
    }));
    const results = await context.services.ingest.record(items, (index) => `touchpoints[${index}]`);
    expect(results.map((result) => result.status)).toEqual(items.map(() => 'ACCEPTED'));
    const rule = { attribute: { name: 'score', operator: 'GT', value: 5 } };
    const segment = await context.services.segments.create({ name: 'Scored above 5', rule }, 'test');
    await context.services.projector.catchUp();
    expect(await members(segment.id)).toEqual(['eight', 'seven']);
    expect((await context.services.segments.preview(rule)).count).toBe(2);
    await context.services.segments.refreshOnSchedule();
    expect(await members(segment.id)).toEqual(['eight', 'seven']);
    expect(await context.db.query(`SELECT * FROM projection_failures`)).toEqual([]);
  });
});
