import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

/*
 * Identities and identify through the GraphQL API on the real database: an
 * anonymous visitor's touchpoints, identify linking them to a known customer,
 * previousId (alias), messageId dedupe, and refusals naming the item and field.
 */

type Identity = { kind: string; value: string; firstSeenAt: string };
type Found = { id: string; externalId: string | null; email: string | null; name: string | null; attributes: Record<string, unknown> };
type FoundWithTimeline = Found & { identities: Identity[]; touchpoints: { totalCount: number } };

const CUSTOMER = `query ($id: ID, $externalId: String, $email: String, $anonymousId: String) {
  customer(id: $id, externalId: $externalId, email: $email, anonymousId: $anonymousId) {
    id externalId email name attributes identities { kind value firstSeenAt } touchpoints { totalCount }
  }
}`;

const IDENTIFY = `mutation ($items: [IdentifyInput!]!) {
  identifyCustomers(items: $items) { accepted duplicates rejected results { index status messageId customerId error { field message } } }
}`;

type IdentifyResponse = {
  identifyCustomers: {
    accepted: number;
    duplicates: number;
    rejected: number;
    results: Array<{
      index: number;
      status: string;
      messageId: string | null;
      customerId: string | null;
      error: { field: string; message: string } | null;
    }>;
  };
};

describe('identities and identify', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const find = async (variables: Record<string, string>) =>
    (await server.graphql<{ customer: FoundWithTimeline | null }>(CUSTOMER, variables)).data?.customer ?? null;
  const identify = async (items: Array<Record<string, unknown>>) => {
    const response = await server.graphql<IdentifyResponse>(IDENTIFY, { items });
    expect(response.errors).toBeUndefined();
    return (response.data as IdentifyResponse).identifyCustomers;
  };
  const visit = (messageId: string, customer: Record<string, string>, day: number) =>
    server.services.ingest.record(
      [{ messageId, customer, type: 'page_view', channel: 'web', occurredAt: new Date(Date.UTC(2026, 1, day)).toISOString() }],
      () => 'input',
    );
  const kinds = (customer: FoundWithTimeline | null) => customer?.identities.map((identity) => `${identity.kind}:${identity.value}`);

  it('keeps an anonymous visitor as one customer found by its anonymousId, and attaches its visits to the customer identify names', async () => {
    const [first] = await visit('anon-1', { anonymousId: 'visitor-1' }, 1);
    const [second] = await visit('anon-2', { anonymousId: 'visitor-1' }, 2);
    expect(first.status).toBe('ACCEPTED');
    expect(second.customerId).toBe(first.customerId);
    const anonymous = await find({ anonymousId: 'visitor-1' });
    expect(anonymous).toMatchObject({ id: first.customerId, externalId: null, email: null, touchpoints: { totalCount: 2 } });
    expect(kinds(anonymous)).toEqual(['ANONYMOUS_ID:visitor-1']);

    const result = await identify([
      {
        messageId: 'id-1',
        occurredAt: '2026-02-03T10:00:00Z',
        externalId: 'user-1',
        anonymousId: 'visitor-1',
        email: 'Ada@Example.com',
        name: 'Ada',
        attributes: { plan: 'pro' },
      },
    ]);
    expect(result).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 0,
      results: [{ index: 0, status: 'ACCEPTED', messageId: 'id-1', customerId: first.customerId, error: null }],
    });
    const known = await find({ externalId: 'user-1' });
    expect(known).toMatchObject({
      id: first.customerId,
      email: 'ada@example.com',
      name: 'Ada',
      attributes: { plan: 'pro' },
      touchpoints: { totalCount: 2 },
    });
    expect(kinds(known)?.sort()).toEqual(['ANONYMOUS_ID:visitor-1', 'EMAIL:ada@example.com', 'EXTERNAL_ID:user-1']);
    // Identify records no touchpoint; a later visit under either identity is the same customer's.
    const [later] = await visit('anon-3', { anonymousId: 'visitor-1' }, 4);
    const [signedIn] = await visit('user-visit-1', { externalId: 'user-1' }, 5);
    expect([later.customerId, signedIn.customerId]).toEqual([first.customerId, first.customerId]);
    expect((await find({ email: 'ada@example.com' }))?.touchpoints.totalCount).toBe(4);
  });

  it('links a new anonymousId to a known customer when a touchpoint names both, and finds the customer by it', async () => {
    const [known] = await visit('link-1', { externalId: 'user-2' }, 1);
    const [linked] = await visit('link-2', { externalId: 'user-2', anonymousId: 'visitor-2' }, 2);
    const [anonymous] = await visit('link-3', { anonymousId: 'visitor-2' }, 3);
    expect([linked.customerId, anonymous.customerId]).toEqual([known.customerId, known.customerId]);
    expect(kinds(await find({ anonymousId: 'visitor-2' }))?.sort()).toEqual(['ANONYMOUS_ID:visitor-2', 'EXTERNAL_ID:user-2']);
  });

  it('creates an unknown customer from identify outside the lifecycle, and answers a retried messageId as a duplicate of the first placement', async () => {
    const items = [{ messageId: 'id-new', occurredAt: '2026-02-01T00:00:00Z', externalId: 'user-3', attributes: { plan: 'free' } }];
    const first = await identify(items);
    const again = await identify([{ ...items[0], attributes: { plan: 'enterprise' } }]);
    const customerId = first.results[0].customerId;
    expect(first.accepted).toBe(1);
    expect(again).toEqual({
      accepted: 0,
      duplicates: 1,
      rejected: 0,
      results: [{ index: 0, status: 'DUPLICATE', messageId: 'id-new', customerId, error: null }],
    });
    const [row] = await server.db.query<{ stage: string | null; attributes: Record<string, unknown> }>(
      `SELECT stage, attributes FROM customers WHERE id = $1`,
      [customerId],
    );
    expect(row).toEqual({ stage: null, attributes: { plan: 'free' } });
  });

  it('sets name and attributes in event-time order within a batch, a null attribute removing the key', async () => {
    const result = await identify([
      {
        messageId: 'ord-2',
        occurredAt: '2026-02-02T00:00:00Z',
        externalId: 'user-4',
        name: 'Later',
        attributes: { plan: 'pro', trial: null },
      },
      {
        messageId: 'ord-1',
        occurredAt: '2026-02-01T00:00:00Z',
        externalId: 'user-4',
        name: 'Earlier',
        attributes: { plan: 'free', trial: true, seats: 3 },
      },
    ]);
    expect(result.accepted).toBe(2);
    expect(await find({ externalId: 'user-4' })).toMatchObject({ name: 'Later', attributes: { plan: 'pro', seats: 3 } });
  });

  it('keeps a previousId (alias) as an anonymousId of the customer, so events under it find them', async () => {
    const result = await identify([
      { messageId: 'alias-1', occurredAt: '2026-02-01T00:00:00Z', externalId: 'user-5', previousId: 'old-device-5' },
    ]);
    const [event] = await visit('alias-visit', { anonymousId: 'old-device-5' }, 6);
    expect(event.customerId).toBe(result.results[0].customerId);
  });

  it('rejects bad items one by one, naming the item and field, and stores the rest', async () => {
    const result = await identify([
      { messageId: 'bad-0', occurredAt: '2026-02-01T00:00:00Z' },
      { messageId: 'bad-1', occurredAt: 'yesterday', externalId: 'user-6' },
      { messageId: 'bad-2', occurredAt: '2026-02-01T00:00:00Z', email: 'not-an-email' },
      { messageId: 'bad-3', occurredAt: '2026-02-01T00:00:00Z', anonymousId: 'a\u0000b' },
      { messageId: ' ', occurredAt: '2026-02-01T00:00:00Z', externalId: 'user-6' },
      { messageId: 'bad-5', occurredAt: '2026-02-01T00:00:00Z', anonymousId: 'visitor-6', previousId: 'old-6' },
      { messageId: 'good-6', occurredAt: '2026-02-01T00:00:00Z', externalId: 'user-6' },
    ]);
    expect(result.results.map((item) => [item.status, item.error?.message ?? null])).toEqual([
      ['REJECTED', 'items[0].externalId: give at least one of externalId, email, anonymousId'],
      ['REJECTED', 'items[1].occurredAt: must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z'],
      ['REJECTED', 'items[2].email: "not-an-email" is not an email address'],
      ['REJECTED', 'items[3].anonymousId: contains a NUL character (\\u0000), which cannot be stored'],
      ['REJECTED', 'items[4].messageId: is required (an idempotency key unique to this message)'],
      ['REJECTED', 'items[5].previousId: an alias needs the externalId (or email) the previous id now belongs to'],
      ['ACCEPTED', null],
    ]);
    expect(await find({ anonymousId: 'visitor-6' })).toBeNull();
    expect(await find({ externalId: 'user-6' })).not.toBeNull();
  });

  it('refuses to let an update leave a customer no event could find, and lets an anonymous customer drop its email', async () => {
    const [visitor] = await visit('drop-1', { anonymousId: 'visitor-7', email: 'seven@example.com' }, 1);
    const update = `mutation ($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { email } }`;
    const dropped = await server.graphql(update, { id: visitor.customerId, input: { email: null } });
    expect(dropped.errors).toBeUndefined();
    const [known] = await visit('drop-2', { externalId: 'user-8' }, 1);
    const orphaning = await server.graphql(update, { id: known.customerId, input: { externalId: null } });
    expect(orphaning.errors?.[0].message).toBe(
      'input: a customer must keep an externalId, an email or an anonymousId, or no event could find them',
    );
  });
});
