import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

type Recent = {
  recentTransitions: { cursor: string; transitions: Array<{ from: string | null; to: string; customer: { externalId: string } | null }> };
};

const RECENT = `query ($first: Int) { recentTransitions(first: $first) { cursor transitions { from to customer { externalId } } } }`;

function touchpoint(id: string, customer: string, type: string, minute: number) {
  return {
    messageId: id,
    customer: { externalId: customer },
    type,
    channel: 'web',
    occurredAt: new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString(),
  };
}

describe('recentTransitions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers an empty list and a cursor on an empty log', async () => {
    const response = await server.graphql<Recent>(RECENT, {});
    expect(response.errors).toBeUndefined();
    expect(response.data?.recentTransitions.transitions).toEqual([]);
    expect(typeof response.data?.recentTransitions.cursor).toBe('string');
  });

  it('lists the newest transitions first, at most `first`, and its cursor continues the stream with exactly what came later', async () => {
    // a: enters (→ awareness) then signs up (→ acquisition); b: enters; c: enters. Four transitions in this order.
    await server.services.ingest.record([touchpoint('1', 'a', 'page_view', 0)], (i) => `t[${i}]`);
    await server.services.ingest.record([touchpoint('2', 'a', 'signup', 1)], (i) => `t[${i}]`);
    await server.services.ingest.record([touchpoint('3', 'b', 'page_view', 2)], (i) => `t[${i}]`);
    await server.services.ingest.record([touchpoint('4', 'c', 'page_view', 3)], (i) => `t[${i}]`);

    const all = await server.graphql<Recent>(RECENT, {});
    expect(all.data?.recentTransitions.transitions).toEqual([
      { from: null, to: 'awareness', customer: { externalId: 'c' } },
      { from: null, to: 'awareness', customer: { externalId: 'b' } },
      { from: 'awareness', to: 'acquisition', customer: { externalId: 'a' } },
      { from: null, to: 'awareness', customer: { externalId: 'a' } },
    ]);
    const two = await server.graphql<Recent>(RECENT, { first: 2 });
    expect(two.data?.recentTransitions.transitions.map((t) => t.customer?.externalId)).toEqual(['c', 'b']);

    const stream = collect<{ stageTransitions: { transition: { to: string; customer: { externalId: string } } } }>(
      server.wsClient(),
      `subscription ($after: String) { stageTransitions(after: $after) { transition { to customer { externalId } } } }`,
      { after: two.data?.recentTransitions.cursor },
      1,
    );
    await server.services.ingest.record([touchpoint('5', 'b', 'signup', 4)], (i) => `t[${i}]`);
    expect((await stream.done).map((event) => event.stageTransitions.transition)).toEqual([
      { to: 'acquisition', customer: { externalId: 'b' } },
    ]);
  });

  it.each([0, -1, 201])('refuses first: %p naming the argument', async (first) => {
    const response = await server.graphql<Recent>(RECENT, { first });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message).toContain('first');
  });
});
