import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

/*
 * The consumer turns the logs into messages and deliveries, in log order, for
 * the endpoints whose types and filters match, and only for transactions that
 * began after an endpoint existed.
 */
describe('the webhook consumer', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const touchpoint = (messageId: string, externalId: string, type: string) => ({
    messageId,
    customer: { externalId },
    type,
    channel: 'web',
    occurredAt: '2026-01-02T03:04:05.000Z',
  });

  it('queues one delivery per matching endpoint and event, in log order, with the customer in the body', async () => {
    await context.services.ingest.record([touchpoint('before', 'early', 'page_view')], (index) => `touchpoints[${index}]`);
    await context.services.projector.catchUp();
    const [all] = await context.db.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (url, event_types, secret) VALUES ('https://example.com/all', '{customer.stage_changed}', 'whsec_x') RETURNING id`,
    );
    await context.db.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (url, event_types, filter_stages, secret)
       VALUES ('https://example.com/engaged', '{customer.stage_changed}', '{acquisition}', 'whsec_x')`,
    );
    await context.services.ingest.record(
      [touchpoint('m1', 'ann', 'page_view'), touchpoint('m2', 'ann', 'signup'), touchpoint('m3', 'bob', 'page_view')],
      (index) => `touchpoints[${index}]`,
    );
    await context.services.projector.catchUp();
    const deliveries = await context.db.query<{ endpoint: string; external_id: string; body: string; state: string }>(
      `SELECT d.endpoint_id AS endpoint, c.external_id, m.body, d.state
         FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id JOIN customers c ON c.id = d.customer_id
        ORDER BY d.message_id, d.endpoint_id = $1 DESC`,
      [all.id],
    );
    const summary = deliveries.map((row) => {
      const body = JSON.parse(row.body) as { type: string; data: { from: string | null; to: string; customer: { externalId: string } } };
      return [
        row.endpoint === all.id ? 'all' : 'engaged',
        row.external_id,
        body.data.from,
        body.data.to,
        body.data.customer.externalId,
        row.state,
      ];
    });
    // ann entered awareness, then her signup moved her to acquisition (the classic model); bob entered awareness. The
    // endpoint filtered to acquisition gets only that event; "early" came before both endpoints.
    expect(summary).toEqual([
      ['all', 'ann', null, 'awareness', 'ann', 'pending'],
      ['all', 'ann', 'awareness', 'acquisition', 'ann', 'pending'],
      ['engaged', 'ann', 'awareness', 'acquisition', 'ann', 'pending'],
      ['all', 'bob', null, 'awareness', 'bob', 'pending'],
    ]);
  });
});
