import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

type Page = {
  customers: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { externalId: string } }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string; startCursor: string };
  };
};

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount edges { cursor node { externalId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('customers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    // 12 customers: c-01..c-12; revenue = 10 × n for n ≤ 8 (purchases), none for 9–12; plan pro for even n.
    const items = Array.from({ length: 12 }, (_, i) => {
      const n = i + 1;
      return {
        messageId: `seed-${n}`,
        customer: {
          externalId: `c-${String(n).padStart(2, '0')}`,
          email: `person${n}@example.com`,
          name: n === 3 ? 'Grace Hopper' : `Person ${n}`,
          attributes: { plan: n % 2 === 0 ? 'pro' : 'free' },
        },
        type: n <= 8 ? 'purchase' : 'page_view',
        channel: 'web',
        occurredAt: new Date(Date.UTC(2026, 0, n)).toISOString(),
        value: n <= 8 ? 10 * n : null,
      };
    });
    await server.services.ingest.record(items, (index) => `touchpoints[${index}]`);
  });
  afterAll(async () => {
    await server.close();
  });

  const ids = (page: Page) => page.customers.edges.map((edge) => edge.node.externalId);

  it('pages forwards and backwards through a sorted, filtered list with exact cursors', async () => {
    const orderBy = { field: 'REVENUE', direction: 'DESC' };
    const first = (await server.graphql<Page>(PAGE, { first: 5, orderBy })).data as Page;
    expect(ids(first)).toEqual(['c-08', 'c-07', 'c-06', 'c-05', 'c-04']);
    expect(first.customers.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.customers.totalCount).toBe(12);

    const second = (await server.graphql<Page>(PAGE, { first: 5, after: first.customers.pageInfo.endCursor, orderBy })).data as Page;
    // Revenue ties at 0 for c-09..c-12 are broken by id, so only their set is fixed.
    expect(ids(second).slice(0, 3)).toEqual(['c-03', 'c-02', 'c-01']);
    expect(new Set(ids(second).slice(3)).size).toBe(2);

    const third = (await server.graphql<Page>(PAGE, { first: 5, after: second.customers.pageInfo.endCursor, orderBy })).data as Page;
    expect(third.customers.pageInfo.hasNextPage).toBe(false);
    expect(new Set([...ids(first), ...ids(second), ...ids(third)]).size).toBe(12);

    const back = (await server.graphql<Page>(PAGE, { last: 5, before: second.customers.pageInfo.endCursor, orderBy })).data as Page;
    expect(ids(back)).toEqual([...ids(first).slice(2), ...ids(second).slice(0, 4)].slice(-5));
    expect(back.customers.pageInfo.hasPreviousPage).toBe(true);
  });

  it('filters by stage, attribute equality, text search and seen-since', async () => {
    const run = async (filter: Record<string, unknown>) =>
      ids((await server.graphql<Page>(PAGE, { first: 50, filter, orderBy: { field: 'NAME', direction: 'ASC' } })).data as Page);
    expect((await run({ stages: ['awareness'] })).sort()).toEqual(['c-09', 'c-10', 'c-11', 'c-12']);
    expect((await run({ attributes: { plan: 'pro' }, stages: ['acquisition'] })).sort()).toEqual(['c-02', 'c-04', 'c-06', 'c-08']);
    expect(await run({ search: 'hopper' })).toEqual(['c-03']);
    expect(await run({ search: 'PERSON1' })).toEqual(['c-01', 'c-10', 'c-11', 'c-12']);
    expect((await run({ seenSince: '2026-01-11T00:00:00Z' })).sort()).toEqual(['c-11', 'c-12']);
  });

  it('loads the timelines of a whole page in a fixed number of queries (no N+1)', async () => {
    let statements = 0;
    server.db.observe = () => {
      statements += 1;
    };
    // Projections run in the background on the same pool: keep them out of the count.
    await server.services.projector
      .whilePaused(async () => {
        const timelines = `query ($first: Int) { customers(first: $first) { edges { node { externalId
        touchpoints(first: 5) { totalCount edges { node { type customer { externalId } } } }
        transitions(first: 5) { totalCount edges { node { from to customer { email } } } } } } } }`;
        // Authentication may be cached after the first call; measure the second.
        await server.graphql(timelines, { first: 2 });
        statements = 0;
        await server.graphql(timelines, { first: 2 });
        const forTwo = statements;
        statements = 0;
        const result = await server.graphql<{ customers: { edges: Array<{ node: { touchpoints: { totalCount: number } } }> } }>(timelines, {
          first: 12,
        });
        expect(result.data?.customers.edges).toHaveLength(12);
        expect(result.data?.customers.edges.every((edge) => edge.node.touchpoints.totalCount === 1)).toBe(true);
        expect(statements).toBe(forTwo);
      })
      .finally(() => {
        server.db.observe = undefined;
      });
  });

  it('merges attributes on update and removes an attribute set to null', async () => {
    const create = await server.graphql<{ createCustomer: { id: string; stage: string } }>(
      `mutation { createCustomer(input: { externalId: "m-1", email: "Merge@Example.com", attributes: { plan: "pro", seats: 3 } }) { id stage } }`,
    );
    const id = create.data?.createCustomer.id as string;
    expect(create.data?.createCustomer.stage).toBe('awareness');
    const update = await server.graphql<{ updateCustomer: { attributes: unknown; email: string } }>(
      `mutation ($id: ID!) { updateCustomer(id: $id, input: { attributes: { country: "NL", seats: null } }) { attributes email } }`,
      { id },
    );
    expect(update.data?.updateCustomer).toEqual({ attributes: { plan: 'pro', country: 'NL' }, email: 'merge@example.com' });
    const byEmail = await server.graphql<{ customer: { id: string } }>(`{ customer(email: "MERGE@example.com") { id } }`);
    expect(byEmail.data?.customer.id).toBe(id);
  });

  it('keeps nested nulls of other attributes when merging, and refuses to remove both externalId and email', async () => {
    const create = await server.graphql<{ createCustomer: { id: string } }>(
      `mutation { createCustomer(input: { externalId: "m-2", email: "nested@example.com", attributes: { address: { line2: null, city: "Utrecht" } } }) { id } }`,
    );
    const id = create.data?.createCustomer.id as string;
    const update = await server.graphql<{ updateCustomer: { attributes: unknown } }>(
      `mutation ($id: ID!) { updateCustomer(id: $id, input: { attributes: { plan: "pro", survey: { answered: null } } }) { attributes } }`,
      { id },
    );
    expect(update.data?.updateCustomer.attributes).toEqual({
      address: { line2: null, city: 'Utrecht' },
      plan: 'pro',
      survey: { answered: null },
    });
    expect(
      (await server.graphql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { email: null }) { id } }`, { id })).errors,
    ).toBeUndefined();
    const orphaning = await server.graphql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { externalId: null }) { id } }`, { id });
    expect(orphaning.errors?.[0]).toMatchObject({
      message: 'input: a customer must keep an externalId, an email or an anonymousId, or no event could find them',
      extensions: { code: 'BAD_USER_INPUT', field: 'input' },
    });
    const kept = await server.graphql<{ customer: { externalId: string } }>(`{ customer(externalId: "m-2") { externalId } }`);
    expect(kept.data?.customer.externalId).toBe('m-2');
  });

  it('refuses an email another customer has, naming the field', async () => {
    const result = await server.graphql(`mutation { createCustomer(input: { email: "person1@example.com" }) { id } }`);
    expect(result.errors?.[0]).toMatchObject({
      message: 'email: another customer already has this email',
      extensions: { code: 'CONFLICT', field: 'email' },
    });
  });

  it('keeps the messageIds of a deleted customer, so a replay does not bring them back', async () => {
    const found = await server.graphql<{ customer: { id: string } }>(`{ customer(externalId: "c-01") { id } }`);
    const id = found.data?.customer.id as string;
    expect((await server.graphql(`mutation ($id: ID!) { deleteCustomer(id: $id) }`, { id })).data).toEqual({ deleteCustomer: true });
    const replay = await server.services.ingest.record(
      [
        {
          messageId: 'seed-1',
          customer: { externalId: 'c-01' },
          type: 'purchase',
          channel: 'web',
          occurredAt: '2026-01-01T00:00:00Z',
          value: 10,
        },
      ],
      (index) => `touchpoints[${index}]`,
    );
    expect(replay[0].status).toBe('DUPLICATE');
    expect((await server.graphql(`{ customer(externalId: "c-01") { id } }`)).data).toEqual({ customer: null });
  });

  it('reads whole pages while customers are being deleted: every edge has its customer, no page fails', async () => {
    const created = Array.from({ length: 60 }, (_, i) => ({
      messageId: `race-${i}`,
      customer: { externalId: `race-${String(i).padStart(2, '0')}` },
      type: 'page_view',
      channel: 'web',
      occurredAt: '2026-02-01T00:00:00Z',
    }));
    const stored = await server.services.ingest.record(created, (index) => `touchpoints[${index}]`);
    const ids = stored.map((result) => result.customerId as string);
    const read = async () => {
      const pages: Array<Array<{ externalId: string } | null>> = [];
      for (let round = 0; round < 15; round++) {
        const result = await server.graphql<Page>(PAGE, { first: 50, filter: { search: '' } });
        expect(result.errors).toBeUndefined();
        pages.push((result.data?.customers.edges ?? []).map((edge) => edge.node));
      }
      return pages;
    };
    const remove = async () => {
      for (const id of ids) await server.graphql(`mutation ($id: ID!) { deleteCustomer(id: $id) }`, { id });
    };
    const [pages] = await Promise.all([read(), remove()]);
    for (const page of pages) expect(page.every((node) => node !== null && typeof node.externalId === 'string')).toBe(true);
    const after = await server.graphql<Page>(PAGE, { first: 100 });
    expect(after.data?.customers.edges.some((edge) => edge.node.externalId.startsWith('race-'))).toBe(false);
  });
});
