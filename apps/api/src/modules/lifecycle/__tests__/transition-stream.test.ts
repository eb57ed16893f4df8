import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collect, startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { encodeLogCursor as encodeCursor, LOG_START } from '../../../log';

type TransitionEvent = {
  stageTransitions: { cursor: string; transition: { id: string; from: string | null; to: string; customer: { externalId: string } } };
};

const SUBSCRIPTION = `subscription ($after: String, $stages: [String!]) {
  stageTransitions(after: $after, stages: $stages) { cursor transition { id from to customer { externalId } } }
}`;

const TYPES = ['page_view', 'signup', 'login', 'purchase', 'purchase', 'review'];

/** One writer: `batches` batches of 30 touchpoints over 60 customers of its own. */
async function write(server: TestServer, writer: number, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const items = Array.from({ length: 30 }, (_, i) => ({
      messageId: `w${writer}-b${b}-i${i}`,
      customer: { externalId: `w${writer}-c${(b * 30 + i) % 60}` },
      type: TYPES[(b + i) % TYPES.length],
      channel: 'web',
      occurredAt: new Date(Date.UTC(2026, 0, 1) + (b * 30 + i) * 60_000).toISOString(),
      properties: { rating: 5 },
    }));
    const results = await server.services.ingest.record(items, (index) => `touchpoints[${index}]`);
    if (results.some((result) => result.status !== 'ACCEPTED'))
      throw new Error(JSON.stringify(results.find((result) => result.status !== 'ACCEPTED')));
  }
}

describe('the stageTransitions subscription', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('delivers every transition exactly once across a reconnect while four writers commit concurrently', async () => {
    const fromStart = encodeCursor({ position: LOG_START, snapshot: null });
    const first = collect<TransitionEvent>(server.wsClient(), SUBSCRIPTION, { after: fromStart }, 100);
    const writers = Promise.all([0, 1, 2, 3].map((writer) => write(server, writer, 12)));

    // Drop the first connection part-way through, while the writers are still going.
    const beforeDrop = await first.done;
    const lastCursor = beforeDrop.at(-1)?.stageTransitions.cursor as string;
    // Reconnect while the writers are still committing.
    const second = collect<TransitionEvent>(server.wsClient(), SUBSCRIPTION, { after: lastCursor }, Number.POSITIVE_INFINITY);
    await writers;
    const [{ total }] = await server.db.query(`SELECT count(*)::int AS total FROM stage_transitions`);
    while (second.received.length < total - beforeDrop.length) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 700)); // anything extra (a duplicate) would arrive now
    second.stop();
    const afterReconnect = await second.done;

    const seen = [...beforeDrop, ...afterReconnect].map((event) => event.stageTransitions.transition.id);
    const logged: Array<{ id: string }> = await server.db.query(
      `SELECT t.id::text AS id FROM stage_transitions t ORDER BY t.tx_id::text::bigint, t.id`,
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(logged.map((row) => row.id));
    expect(total).toBeGreaterThan(300);
  });

  it('sends live transitions to a subscriber without a cursor, filtered by stage', async () => {
    const started = server.subscriptionsStarted();
    const live = collect<TransitionEvent>(server.wsClient(), SUBSCRIPTION, { stages: ['advocacy'] }, 1);
    await server.subscriptionsOpened(started);
    await server.services.ingest.record(
      [
        { messageId: 'live-1', customer: { externalId: 'live' }, type: 'signup', channel: 'web', occurredAt: '2026-02-01T00:00:00Z' },
        {
          messageId: 'live-2',
          customer: { externalId: 'live' },
          type: 'referral',
          channel: 'referral',
          occurredAt: '2026-02-02T00:00:00Z',
        },
      ],
      (index) => `touchpoints[${index}]`,
    );
    const [event] = await live.done;
    expect(event.stageTransitions.transition).toMatchObject({ from: 'acquisition', to: 'advocacy', customer: { externalId: 'live' } });
  });

  it('refuses a cursor it did not issue, naming the argument', async () => {
    const bad = collect<TransitionEvent>(server.wsClient(), SUBSCRIPTION, { after: 'not-a-cursor' }, 1);
    await expect(bad.done).rejects.toThrow('after: not a cursor returned by this API');
  });

  it('continues exactly from a stageOverview: the counts plus the streamed moves equal the final counts, under concurrent writers', async () => {
    type Overview = { stageOverview: { cursor: string; stages: Array<{ stage: string; count: number }> } };
    const overviewQuery = `{ stageOverview { cursor stages { stage count } } }`;
    const writers = Promise.all([10, 11].map((writer) => write(server, writer, 8)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const start = (await server.graphql<Overview>(overviewQuery)).data as Overview;
    const counts = new Map(start.stageOverview.stages.map((row) => [row.stage, row.count]));
    const stream = collect<TransitionEvent>(
      server.wsClient(),
      SUBSCRIPTION,
      { after: start.stageOverview.cursor },
      Number.POSITIVE_INFINITY,
    );
    await writers;
    const [{ total }] = await server.db.query(`SELECT count(*)::int AS total FROM stage_transitions`);
    // Wait until the stream has caught up with every transition, then a little longer for strays.
    const deadline = Date.now() + 15000;
    for (;;) {
      const applied = new Map(counts);
      for (const {
        stageTransitions: { transition },
      } of stream.received) {
        if (transition.from !== null) applied.set(transition.from, (applied.get(transition.from) ?? 0) - 1);
        applied.set(transition.to, (applied.get(transition.to) ?? 0) + 1);
      }
      const final = ((await server.graphql<Overview>(overviewQuery)).data as Overview).stageOverview.stages;
      if (final.every((row) => applied.get(row.stage) === row.count) || Date.now() > deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        stream.stop();
        const settled = new Map(counts);
        for (const {
          stageTransitions: { transition },
        } of await stream.done) {
          if (transition.from !== null) settled.set(transition.from, (settled.get(transition.from) ?? 0) - 1);
          settled.set(transition.to, (settled.get(transition.to) ?? 0) + 1);
        }
        expect(Object.fromEntries(final.map((row) => [row.stage, settled.get(row.stage)]))).toEqual(
          Object.fromEntries(final.map((row) => [row.stage, row.count])),
        );
        expect(total).toBeGreaterThan(0);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('starts a subscription without a cursor after everything already committed', async () => {
    await server.services.ingest.record(
      [{ messageId: 'before-1', customer: { externalId: 'before' }, type: 'signup', channel: 'web', occurredAt: '2026-02-01T00:00:00Z' }],
      (index) => `touchpoints[${index}]`,
    );
    const started = server.subscriptionsStarted();
    // The first event delivered: the log is delivered in order, so 'before' would come first if it were delivered at all.
    const live = collect<TransitionEvent>(server.wsClient(), SUBSCRIPTION, {}, 1);
    await server.subscriptionsOpened(started);
    await server.services.ingest.record(
      [{ messageId: 'after-1', customer: { externalId: 'after' }, type: 'page_view', channel: 'web', occurredAt: '2026-02-01T00:00:00Z' }],
      (index) => `touchpoints[${index}]`,
    );
    expect((await live.done).map((event) => event.stageTransitions.transition.customer.externalId)).toEqual(['after']);
  });
});
