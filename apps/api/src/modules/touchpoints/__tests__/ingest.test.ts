import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

const at = (iso: string) => iso;

describe('recording touchpoints', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const path = (index: number) => `touchpoints[${index}]`;

  it('stores the good items of a mixed batch and names the bad item and field', async () => {
    const results = await context.services.ingest.record(
      [
        {
          messageId: 'm-1',
          customer: { externalId: 'u-1', email: 'Ada@Example.com' },
          type: 'page_view',
          channel: 'web',
          occurredAt: at('2026-01-01T10:00:00Z'),
        },
        { messageId: 'm-2', customer: { externalId: 'u-1' }, type: 'signup', channel: 'web', occurredAt: at('2026-01-02T10:00:00Z') },
        { messageId: 'm-1', customer: { externalId: 'u-1' }, type: 'page_view', channel: 'web', occurredAt: at('2026-01-01T10:00:00Z') },
        { messageId: 'm-3', customer: { externalId: 'u-2' }, type: 'purchase', channel: 'web', occurredAt: 'yesterday' },
        {
          messageId: 'm-4',
          customer: { email: 'grace@example.com' },
          type: 'purchase',
          channel: 'web',
          occurredAt: at('2026-01-03T10:00:00Z'),
          value: 40,
          currency: 'usd',
        },
      ],
      path,
    );
    expect(results.map((result) => result.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'DUPLICATE', 'REJECTED', 'ACCEPTED']);
    expect(results[3].error).toEqual({
      field: 'touchpoints[3].occurredAt',
      message: 'touchpoints[3].occurredAt: must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z',
    });
    expect(results[2].touchpointId).toBe(results[0].touchpointId);
    const [{ count }] = await context.db.query(`SELECT count(*)::int AS count FROM touchpoints`);
    expect(count).toBe(3);
    const customers = await context.db.query(
      `SELECT external_id, email, stage, orders, revenue::float8 AS revenue FROM customers ORDER BY email`,
    );
    expect(customers).toEqual([
      { external_id: 'u-1', email: 'ada@example.com', stage: 'acquisition', orders: 0, revenue: 0 },
      { external_id: null, email: 'grace@example.com', stage: 'acquisition', orders: 1, revenue: 40 },
    ]);
    const transitions = await context.db.query(
      `SELECT c.external_id, t.from_stage, t.to_stage, t.occurred_at, t.rule_id FROM stage_transitions t JOIN customers c ON c.id = t.customer_id ORDER BY t.occurred_at`,
    );
    expect(transitions).toEqual([
      { external_id: 'u-1', from_stage: null, to_stage: 'awareness', occurred_at: new Date('2026-01-01T10:00:00Z'), rule_id: null },
      {
        external_id: 'u-1',
        from_stage: 'awareness',
        to_stage: 'acquisition',
        occurred_at: new Date('2026-01-02T10:00:00Z'),
        rule_id: 'acquired',
      },
      { external_id: null, from_stage: null, to_stage: 'acquisition', occurred_at: new Date('2026-01-03T10:00:00Z'), rule_id: 'acquired' },
    ]);
  });

  it('rejects a NUL character, which PostgreSQL cannot store, without failing the rest of the batch', async () => {
    const results = await context.services.ingest.record(
      [
        {
          messageId: 'nul-1',
          customer: { externalId: 'u-nul' },
          type: 'review',
          channel: 'web',
          occurredAt: '2026-01-05T10:00:00Z',
          properties: { text: 'ok\u0000' },
        },
        {
          messageId: 'nul-2',
          customer: { externalId: 'u-nul', name: 'A\u0000B' },
          type: 'page_view',
          channel: 'web',
          occurredAt: '2026-01-05T10:00:00Z',
        },
        { messageId: 'nul-3', customer: { externalId: 'u-nul' }, type: 'page_view', channel: 'web', occurredAt: '2026-01-05T11:00:00Z' },
      ],
      path,
    );
    expect(results.map((result) => [result.status, result.error?.message ?? null])).toEqual([
      ['REJECTED', 'touchpoints[0].properties.text: contains a NUL character (\\u0000), which cannot be stored'],
      ['REJECTED', 'touchpoints[1].customer.name: contains a NUL character (\\u0000), which cannot be stored'],
      ['ACCEPTED', null],
    ]);
  });

  it('rejects an id that names no customer, and a replayed batch changes nothing', async () => {
    const batch = [
      {
        messageId: 'r-1',
        customer: { id: '00000000-0000-4000-8000-00000000dead' },
        type: 'login',
        channel: 'web',
        occurredAt: '2026-01-06T10:00:00Z',
      },
      { messageId: 'r-2', customer: { externalId: 'u-1' }, type: 'login', channel: 'web', occurredAt: '2026-01-06T10:00:00Z' },
    ];
    const first = await context.services.ingest.record(batch, path);
    expect(first.map((result) => [result.status, result.error?.message ?? null])).toEqual([
      ['REJECTED', 'touchpoints[0].customer.id: no customer with id "00000000-0000-4000-8000-00000000dead"'],
      ['ACCEPTED', null],
    ]);
    const counts = () =>
      context.db.query(
        `SELECT (SELECT count(*)::int FROM touchpoints) AS t, (SELECT count(*)::int FROM stage_transitions) AS s, (SELECT count(*)::int FROM customers) AS c`,
      );
    const before = await counts();
    const again = await context.services.ingest.record(batch, path);
    expect(again.map((result) => result.status)).toEqual(['REJECTED', 'DUPLICATE']);
    expect(again[1].touchpointId).toBe(first[1].touchpointId);
    expect(await counts()).toEqual(before);
  });

  it("gives a messageId repeated in one batch for another customer the first item's outcome, creating nobody for it", async () => {
    const customersBefore = await context.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM customers`);
    const results = await context.services.ingest.record(
      [
        {
          messageId: 'twice-1',
          customer: { externalId: 'first-owner' },
          type: 'page_view',
          channel: 'web',
          occurredAt: at('2026-01-05T10:00:00Z'),
        },
        {
          messageId: 'twice-1',
          customer: { externalId: 'phantom' },
          type: 'purchase',
          channel: 'web',
          occurredAt: at('2026-01-05T11:00:00Z'),
        },
        {
          messageId: 'twice-2',
          customer: { id: '00000000-0000-4000-8000-00000000dead' },
          type: 'page_view',
          channel: 'web',
          occurredAt: at('2026-01-05T10:00:00Z'),
        },
        {
          messageId: 'twice-2',
          customer: { externalId: 'phantom-2' },
          type: 'page_view',
          channel: 'web',
          occurredAt: at('2026-01-05T10:00:00Z'),
        },
      ],
      path,
    );
    expect(results.map((result) => result.status)).toEqual(['ACCEPTED', 'DUPLICATE', 'REJECTED', 'REJECTED']);
    expect(results[1]).toMatchObject({ touchpointId: results[0].touchpointId, customerId: results[0].customerId, error: null });
    expect(results[3].error).toEqual({
      field: 'touchpoints[3].messageId',
      message: 'touchpoints[3].messageId: repeats the messageId of item 2, which was rejected',
    });
    const customersAfter = await context.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM customers`);
    expect(customersAfter[0].count).toBe(customersBefore[0].count + 1);
    expect(await context.db.query(`SELECT external_id FROM customers WHERE external_id LIKE 'phantom%'`)).toEqual([]);
  });

  it('keeps adding revenue past what numeric(20,4) held, without failing the batch or other customers', async () => {
    const purchases = (prefix: string, externalId: string, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        messageId: `${prefix}-${index}`,
        customer: { externalId },
        type: 'purchase',
        channel: 'web',
        occurredAt: at(`2026-02-01T00:00:${String(index).padStart(2, '0')}Z`),
        // The largest whole value a touchpoint takes (999,999,999,999,999.5 has more significant digits than a JSON number carries).
        value: 999_999_999_999_999,
      }));
    // 12 × 999,999,999,999,999 = 11,999,999,999,999,988 > 10^16, the old column's limit.
    const first = await context.services.ingest.record(purchases('whale', 'whale', 12), path);
    const second = await context.services.ingest.record(
      [...purchases('whale-more', 'whale', 2), ...purchases('minnow', 'minnow', 1)],
      path,
    );
    expect([...first, ...second].map((result) => result.status)).toEqual(Array(15).fill('ACCEPTED'));
    const rows = await context.db.query<{ external_id: string; revenue: string; orders: number }>(
      `SELECT external_id, revenue::text, orders FROM customers WHERE external_id IN ('whale', 'minnow') ORDER BY external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'minnow', revenue: '999999999999999.0000', orders: 1 },
      // 14 × 999,999,999,999,999
      { external_id: 'whale', revenue: '13999999999999986.0000', orders: 14 },
    ]);
  });

  it('creates a customer again for a known identity whose customer was deleted (the instance still remembers it)', async () => {
    const event = (messageId: string, day: string) => ({
      messageId,
      customer: { externalId: 'phoenix', email: 'phoenix@example.com' },
      type: 'purchase',
      channel: 'web',
      occurredAt: at(`2026-03-${day}T09:00:00Z`),
      value: 10,
    });
    const [first] = await context.services.ingest.record([event('phoenix-1', '01')], path);
    await context.services.customers.delete(first.customerId as string);
    const [second] = await context.services.ingest.record([event('phoenix-2', '02')], path);
    expect(second.status).toBe('ACCEPTED');
    expect(second.customerId).not.toBe(first.customerId);
    const rows = await context.db.query(`SELECT id, orders FROM customers WHERE external_id = 'phoenix'`);
    expect(rows).toEqual([{ id: second.customerId, orders: 1 }]);
  });

  it('creates the new customers of a batch before its transaction, once each, and attributes every item to them', async () => {
    const items = Array.from({ length: 6 }, (_, index) => ({
      messageId: `fresh-${index}`,
      customer: index % 2 === 0 ? { externalId: `fresh-${index % 3}` } : { email: `fresh-${index % 3}@example.com` },
      type: 'page_view',
      channel: 'web',
      occurredAt: at(`2026-04-01T00:00:0${index}Z`),
    }));
    // Two identical batches at once: each creates the customers it names, whichever commits them first.
    const [left, right] = await Promise.all([
      context.services.ingest.record(items, path),
      context.services.ingest.record(
        items.map((item) => ({ ...item, messageId: `${item.messageId}-again` })),
        path,
      ),
    ]);
    expect([...left, ...right].every((result) => result.status === 'ACCEPTED')).toBe(true);
    const customers = await context.db.query<{ external_id: string | null; email: string | null; touchpoints: number }>(
      `SELECT c.external_id, c.email, count(t.id)::int AS touchpoints FROM customers c JOIN touchpoints t ON t.customer_id = c.id
        WHERE c.external_id LIKE 'fresh-%' OR c.email LIKE 'fresh-%' GROUP BY c.id ORDER BY c.external_id NULLS LAST, c.email`,
    );
    // Items 0, 2, 4 name fresh-0, fresh-2, fresh-1 by externalId; 1, 3, 5 name fresh-1, fresh-0, fresh-2 by email.
    expect(customers).toEqual([
      { external_id: 'fresh-0', email: null, touchpoints: 2 },
      { external_id: 'fresh-1', email: null, touchpoints: 2 },
      { external_id: 'fresh-2', email: null, touchpoints: 2 },
      { external_id: null, email: 'fresh-0@example.com', touchpoints: 2 },
      { external_id: null, email: 'fresh-1@example.com', touchpoints: 2 },
      { external_id: null, email: 'fresh-2@example.com', touchpoints: 2 },
    ]);
    expect(left.map((result) => result.customerId)).toEqual(right.map((result) => result.customerId));
  });

  it('stores values exactly as sent, up to 15 significant digits, and refuses one with more, naming the item', async () => {
    const item = (messageId: string, value: number) => ({
      messageId,
      customer: { externalId: 'big-spender' },
      type: 'purchase',
      channel: 'web',
      occurredAt: at('2026-01-05T10:00:00Z'),
      value,
    });
    const results = await context.services.ingest.record(
      [
        item('v-1', 12_345_678_901_234),
        item('v-2', Number('12345678901234.567')),
        item('v-3', 99_999_999_999_999.9),
        item('v-4', 10_000_000_000_000.12),
        item('v-5', 0.0001),
      ],
      path,
    );
    expect(results.map((result) => [result.status, result.error?.field ?? null])).toEqual([
      ['ACCEPTED', null],
      ['REJECTED', 'touchpoints[1].value'],
      ['ACCEPTED', null],
      ['REJECTED', 'touchpoints[3].value'],
      ['ACCEPTED', null],
    ]);
    expect(results[1].error?.message).toBe(
      'touchpoints[1].value: 12345678901234.566 has more than 15 significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send at most 15',
    );
    expect(
      await context.db.query(`SELECT message_id, value::text AS value FROM touchpoints WHERE message_id LIKE 'v-%' ORDER BY message_id`),
    ).toEqual([
      { message_id: 'v-1', value: '12345678901234.0000' },
      { message_id: 'v-3', value: '99999999999999.9000' },
      { message_id: 'v-5', value: '0.0001' },
    ]);
    // 12,345,678,901,234 + 99,999,999,999,999.9 + 0.0001
    expect(await context.db.query(`SELECT revenue::text AS revenue FROM customers WHERE external_id = 'big-spender'`)).toEqual([
      { revenue: '112345678901233.9001' },
    ]);
  });
});
