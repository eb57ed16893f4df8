import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { queryDatabase } from '../support/database';
import { graphqlClient } from '../support/graphql-http';
import type { GraphQLHttpClient } from '../support/graphql-http';
import { subscribe } from '../support/graphql-ws';
import { createWarmUpCustomer, isWarmUp, STAGE_TRANSITIONS, waitUntilLive } from '../support/live-stream';
import type { TransitionEventData } from '../support/live-stream';

/*
 * The live stream over graphql-ws, fed by ingest over HTTP: exact events in
 * order, a reconnect with `after` that loses and repeats nothing while
 * another writer keeps going, and touchpoints as they are recorded.
 */

const RECORD = `mutation Record($input: TouchpointInput!) { recordTouchpoint(input: $input) { status customerId touchpointId } }`;
const RECORD_BATCH = `mutation Record($touchpoints: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates results { status touchpointId } } }`;

type TouchpointEventData = {
  touchpointRecorded: {
    cursor: string;
    touchpoint: {
      id: string;
      messageId: string;
      type: string;
      channel: string;
      customerId: string;
      occurredAt: string;
      value: number | null;
      currency: string | null;
      properties: Record<string, unknown>;
    };
  };
};
const TOUCHPOINT_RECORDED = `subscription { touchpointRecorded { cursor touchpoint { id messageId type channel customerId occurredAt value currency properties } } }`;

describe('the live stream', () => {
  let clm: ClmEnvironment;
  let ingest: GraphQLHttpClient;
  let readKey: string;

  beforeAll(async () => {
    clm = await startClm();
    ingest = graphqlClient(clm.api.graphqlUrl, await clm.createKey('ingest', ['INGEST']));
    readKey = await clm.createKey('stream reader', ['READ']);
  });
  afterAll(async () => {
    await clm?.close();
  });

  const touchpoint = (externalId: string, messageId: string, type: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({
    messageId,
    customer: { externalId },
    type,
    channel: 'web',
    occurredAt,
    ...extra,
  });

  it('delivers the transitions that ingest over HTTP causes, exactly and in order', async () => {
    const connection = clm.connectWs(readKey);
    const subscription = subscribe<TransitionEventData>(connection.client, STAGE_TRANSITIONS);
    await waitUntilLive(subscription, createWarmUpCustomer(ingest));

    let customerId = '';
    for (const [messageId, type, occurredAt, properties] of [
      ['c1-1', 'page_view', '2025-06-01T10:00:00Z', {}],
      ['c1-2', 'signup', '2025-06-02T10:00:00Z', {}],
      ['c1-3', 'login', '2025-06-03T10:00:00Z', {}],
      ['c1-4', 'purchase', '2025-06-04T10:00:00Z', {}],
      ['c1-5', 'purchase', '2025-06-05T10:00:00Z', {}],
      ['c1-6', 'review', '2025-06-06T10:00:00Z', { rating: 5 }],
    ] as const) {
      const { recordTouchpoint } = await ingest.data<{ recordTouchpoint: { status: string; customerId: string } }>(RECORD, {
        input: touchpoint('stream-c1', messageId, type, occurredAt, { properties }),
      });
      expect(recordTouchpoint.status).toBe('ACCEPTED');
      customerId = recordTouchpoint.customerId;
    }

    const ours = (data: readonly TransitionEventData[]) =>
      data.map((event) => event.stageTransitions.transition).filter((transition) => !isWarmUp(transition));
    await subscription.waitUntil((data) => ours(data).length >= 5);
    // Anything extra would arrive right behind the expected events.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ours(subscription.data()).map(({ id: _id, ...transition }) => transition)).toEqual(
      [
        [null, 'awareness', null],
        ['awareness', 'acquisition', 'acquired'],
        ['acquisition', 'engagement', 'engaged'],
        ['engagement', 'retention', 'retained-repeat-purchase'],
        ['retention', 'advocacy', 'advocate-review'],
      ].map(([from, to, ruleId]) => ({ from, to, cause: 'TOUCHPOINT', ruleId, customerId, customer: { externalId: 'stream-c1' } })),
    );
    expect(subscription.results().every((result) => result.errors === undefined)).toBe(true);
    subscription.unsubscribe();
  });

  it('resumes after the last cursor on reconnect, while another writer keeps ingesting: every transition in the database exactly once, in log order', async () => {
    const first = clm.connectWs(readKey);
    const before = subscribe<TransitionEventData>(first.client, STAGE_TRANSITIONS);
    await waitUntilLive(before, createWarmUpCustomer(ingest));

    const writer = startWriter(ingest);
    await before.waitUntil((data) => data.length >= 30);
    // Take what was seen and hang up in the same tick: nothing can arrive in between.
    const seenBefore = before.data().map((event) => event.stageTransitions);
    before.unsubscribe();
    await first.dispose();
    const lastCursor = seenBefore[seenBefore.length - 1].cursor;

    // The writer goes on while nobody listens.
    const written = writer.batches();
    await waitFor(() => writer.batches() >= written + 10);

    const second = clm.connectWs(readKey);
    const after = subscribe<TransitionEventData>(second.client, STAGE_TRANSITIONS, { after: lastCursor });
    await after.waitUntil((data) => data.length >= 60);
    await writer.stop();

    const firstSeen = seenBefore[0].transition.id;
    const inDatabase = async () => {
      const rows = await queryDatabase<{ id: string; from: string | null; to: string; customer_id: string }>(
        clm.database.url,
        `SELECT id::text, from_stage AS "from", to_stage AS "to", customer_id::text FROM stage_transitions t ORDER BY t.tx_id, t.id`,
      );
      const start = rows.findIndex((row) => row.id === firstSeen);
      return rows.slice(start).map((row) => [row.id, row.from, row.to, row.customer_id]);
    };
    const expected = await inDatabase();
    await after.waitUntil((data) => seenBefore.length + data.length >= expected.length, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const seen = [...seenBefore, ...after.data().map((event) => event.stageTransitions)].map(({ transition }) => [
      transition.id,
      transition.from,
      transition.to,
      transition.customerId,
    ]);
    expect(seenBefore.length).toBeGreaterThanOrEqual(30);
    expect(after.data().length).toBeGreaterThanOrEqual(60);
    expect(new Set(seen.map(([id]) => id)).size).toBe(seen.length);
    expect(seen).toEqual(await inDatabase());
    expect(after.results().every((result) => result.errors === undefined)).toBe(true);
    after.unsubscribe();
  });

  it('delivers each recorded touchpoint once, in the order it was stored, and nothing for a replayed duplicate', async () => {
    const connection = clm.connectWs(readKey);
    const subscription = subscribe<TouchpointEventData>(connection.client, TOUCHPOINT_RECORDED);
    await waitUntilLive(subscription, (attempt) =>
      ingest.data(RECORD, {
        input: touchpoint('warm-up-touchpoints', `warm-up-tp-${attempt}-${Date.now()}`, 'page_view', '2025-07-01T00:00:00Z'),
      }),
    );

    const batch = [
      touchpoint('tp-c1', 'tp-3', 'purchase', '2025-07-03T10:00:00Z', { value: 12.5, currency: 'eur', properties: { sku: 'A-1' } }),
      touchpoint('tp-c1', 'tp-1', 'page_view', '2025-07-01T10:00:00Z', { properties: { page: 'pricing' } }),
      touchpoint('tp-c1', 'tp-2', 'signup', '2025-07-02T10:00:00Z'),
    ];
    const { recordTouchpoints } = await ingest.data<{ recordTouchpoints: { accepted: number; results: Array<{ touchpointId: string }> } }>(
      RECORD_BATCH,
      { touchpoints: batch },
    );
    expect(recordTouchpoints.accepted).toBe(3);
    const [purchaseId, pageViewId, signupId] = recordTouchpoints.results.map((result) => result.touchpointId);

    const replay = await ingest.data<{ recordTouchpoints: { duplicates: number } }>(RECORD_BATCH, { touchpoints: batch });
    expect(replay.recordTouchpoints.duplicates).toBe(3);
    const marker = await ingest.data<{ recordTouchpoint: { touchpointId: string } }>(RECORD, {
      input: touchpoint('tp-c1', 'tp-4', 'login', '2025-07-04T10:00:00Z'),
    });

    const ours = (data: readonly TouchpointEventData[]) =>
      data.map((event) => event.touchpointRecorded.touchpoint).filter((recorded) => !recorded.messageId.startsWith('warm-up-'));
    await subscription.waitUntil((data) => ours(data).some((recorded) => recorded.messageId === 'tp-4'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const customerId = ours(subscription.data())[0].customerId;
    expect(ours(subscription.data())).toEqual([
      {
        id: pageViewId,
        messageId: 'tp-1',
        type: 'page_view',
        channel: 'web',
        customerId,
        occurredAt: '2025-07-01T10:00:00.000Z',
        value: null,
        currency: null,
        properties: { page: 'pricing' },
      },
      {
        id: signupId,
        messageId: 'tp-2',
        type: 'signup',
        channel: 'web',
        customerId,
        occurredAt: '2025-07-02T10:00:00.000Z',
        value: null,
        currency: null,
        properties: {},
      },
      {
        id: purchaseId,
        messageId: 'tp-3',
        type: 'purchase',
        channel: 'web',
        customerId,
        occurredAt: '2025-07-03T10:00:00.000Z',
        value: 12.5,
        currency: 'EUR',
        properties: { sku: 'A-1' },
      },
      {
        id: marker.recordTouchpoint.touchpointId,
        messageId: 'tp-4',
        type: 'login',
        channel: 'web',
        customerId,
        occurredAt: '2025-07-04T10:00:00.000Z',
        value: null,
        currency: null,
        properties: {},
      },
    ]);
    subscription.unsubscribe();
  });
});

/**
 * Ingests without pause until stopped, in `lanes` concurrent loops so that
 * transactions overlap and commit out of id order. Each batch brings a new
 * customer through three stages (page view, sign-up, login): three transitions.
 */
function startWriter(ingest: GraphQLHttpClient, lanes = 4): { batches: () => number; stop: () => Promise<void> } {
  let stopped = false;
  let batches = 0;
  const lane = async (laneIndex: number) => {
    for (let index = 0; !stopped; index++) {
      const name = `load-${laneIndex}-${index}`;
      const customer = { externalId: name };
      const day = `2025-08-${String((index % 28) + 1).padStart(2, '0')}`;
      await ingest.data(RECORD_BATCH, {
        touchpoints: [
          { messageId: `${name}-1`, customer, type: 'page_view', channel: 'web', occurredAt: `${day}T10:00:00Z` },
          { messageId: `${name}-2`, customer, type: 'signup', channel: 'web', occurredAt: `${day}T11:00:00Z` },
          { messageId: `${name}-3`, customer, type: 'login', channel: 'web', occurredAt: `${day}T12:00:00Z` },
        ],
      });
      batches += 1;
    }
  };
  // Kept until stop(), so a failed write fails the test instead of going unhandled.
  const failure = Promise.all(Array.from({ length: lanes }, (_, laneIndex) => lane(laneIndex))).then(
    () => null,
    (error: unknown) => error,
  );
  return {
    batches: () => batches,
    stop: async () => {
      stopped = true;
      const error = await failure;
      if (error !== null) throw error;
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
