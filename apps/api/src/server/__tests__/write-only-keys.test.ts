import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/** An ingest key reads back what it wrote (ids and statuses), nothing else, whichever mutation and transport. */
describe('what a write-only key may read back', () => {
  let server: TestServer;
  let ingestKey: string;
  let customerId: string;
  beforeAll(async () => {
    server = await startTestServer();
    ingestKey = await server.createKey([Scope.INGEST]);
    const created = await server.graphql<{ createCustomer: { id: string } }>(
      `mutation { createCustomer(input: { externalId: "secret-1", email: "secret@example.com" }) { id } }`,
    );
    customerId = created.data?.createCustomer.id as string;
  });
  afterAll(async () => {
    await server.close();
  });

  const overWebSocket = (query: string, variables: Record<string, unknown>) =>
    new Promise<{ data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>((resolve, reject) => {
      let result: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } = {};
      server.wsClient(ingestKey).subscribe(
        { query, variables },
        {
          next: (value) => {
            result = value as typeof result;
          },
          error: (errors) => resolve({ errors: errors as typeof result.errors }),
          complete: () => resolve(result),
        },
      );
      setTimeout(() => reject(new Error('no answer')), 10_000);
    });

  const refusal = (fields: string) => ({
    message: `key "test ingest" may write but not read: it can read back ids and statuses only, not ${fields}; select \`id\` only, or use a key with the read scope`,
    extensions: { code: 'FORBIDDEN' },
  });

  it.each([
    [
      'createCustomer',
      `mutation { createCustomer(input: { externalId: "w-1" }) { id email revenue } }`,
      'Customer.email, Customer.revenue',
      {},
    ],
    [
      'updateCustomer',
      `mutation ($id: ID!) { updateCustomer(id: $id, input: { name: "x" }) { id touchpoints { edges { node { properties } } } } }`,
      'Customer.touchpoints, TouchpointConnection.edges, TouchpointEdge.node, Touchpoint.properties',
      { id: '' },
    ],
    [
      'updateCustomer (through a fragment)',
      `mutation ($id: ID!) { updateCustomer(id: $id, input: {}) { ...leak } } fragment leak on Customer { id transitions { edges { node { actor reason } } } }`,
      'Customer.transitions, StageTransitionConnection.edges, StageTransitionEdge.node, StageTransition.actor, StageTransition.reason',
      { id: '' },
    ],
  ])('refuses %s selecting more than ids, over HTTP and WebSocket, before anything is written', async (_, query, fields, variables) => {
    const withId = { ...variables, ...('id' in variables ? { id: customerId } : {}) };
    const overHttp = await server.graphql(query, withId, ingestKey);
    expect(overHttp.errors).toEqual([expect.objectContaining(refusal(fields))]);
    expect(overHttp.data).toBeNull();
    const overWs = await overWebSocket(query, withId);
    expect(overWs.errors).toEqual([expect.objectContaining(refusal(fields))]);
    const written = await server.db.query(`SELECT external_id, name FROM customers WHERE external_id = 'w-1' OR name = 'x'`);
    expect(written).toEqual([]);
  });

  it('lets it read back ids and statuses of what it wrote', async () => {
    const created = await server.graphql<{ createCustomer: { id: string; __typename: string } }>(
      `mutation { createCustomer(input: { externalId: "w-2" }) { id __typename } }`,
      {},
      ingestKey,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createCustomer.__typename).toBe('Customer');
    const recorded = await server.graphql<{
      recordTouchpoints: { accepted: number; results: Array<{ status: string; customerId: string }> };
    }>(
      `mutation { recordTouchpoints(touchpoints: [{ messageId: "w-m-1", customer: { externalId: "w-2" }, type: "page_view", channel: "web", occurredAt: "2026-01-01T00:00:00Z" }]) { accepted results { index status messageId touchpointId customerId error { field message } } } }`,
      {},
      ingestKey,
    );
    expect(recorded.errors).toBeUndefined();
    expect(recorded.data?.recordTouchpoints.results[0]).toMatchObject({ status: 'ACCEPTED', customerId: created.data?.createCustomer.id });
    const viewer = await server.graphql<{ viewer: { name: string } }>(`{ viewer { name scopes } }`, {}, ingestKey);
    expect(viewer.data?.viewer).toEqual({ name: 'test ingest', scopes: ['INGEST'] });
  });

  it('lets a read key read everything a mutation returns', async () => {
    const readAndWrite = await server.createKey([Scope.INGEST, Scope.READ]);
    const updated = await server.graphql<{ updateCustomer: { email: string } }>(
      `mutation ($id: ID!) { updateCustomer(id: $id, input: {}) { email touchpoints { totalCount } } }`,
      { id: customerId },
      readAndWrite,
    );
    expect(updated.data?.updateCustomer.email).toBe('secret@example.com');
  });
});
