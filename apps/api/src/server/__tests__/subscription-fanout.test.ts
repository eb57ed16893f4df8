import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Scope } from '../../core/principal';
import { MAX_SOCKET_BUFFERED_BYTES } from '../subscription-fanout';
import { collect, startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

type Delivered = { stageTransitions: { cursor?: string; transition: { id: string; to?: string; customer?: { externalId: string } } } };
type Logged = { id: string; from: string | null; to: string; externalId: string };

/** Three selections of the same stream; the stage filter is a variable of the root field, so it does not make a selection distinct. */
const SELECTIONS = {
  stages: `subscription ($after: String, $stages: [String!]) {
    stageTransitions(after: $after, stages: $stages) { cursor transition { id from to } }
  }`,
  customer: `subscription ($after: String, $stages: [String!]) {
    stageTransitions(after: $after, stages: $stages) { transition { id to customer { externalId } } }
  }`,
  cause: `subscription ($after: String, $stages: [String!]) {
    stageTransitions(after: $after, stages: $stages) { cursor transition { id cause occurredAt } }
  }`,
} as const;
type SelectionName = keyof typeof SELECTIONS;

type Subscriber = { selection: SelectionName; stages: string[] | null; key: string };

const STAGES = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'];
const JOURNEY_TYPES = ['page_view', 'signup', 'login', 'purchase', 'purchase', 'referral'];

/** Records `types` for customers `<prefix>-<n>`, one batch per call, every touchpoint accepted. */
async function record(server: TestServer, prefix: string, steps: Array<{ customer: number; type: string }>): Promise<void> {
  const items = steps.map((step, index) => ({
    messageId: `${prefix}-${index}`,
    customer: { externalId: `${prefix}-${step.customer}` },
    type: step.type,
    channel: 'web',
    occurredAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
    properties: { code: 'r1' },
  }));
  const results = await server.services.ingest.record(items, (index) => `touchpoints[${index}]`);
  expect(results.filter((result) => result.status !== 'ACCEPTED')).toEqual([]);
}

/** The transitions committed after transition id `afterId`, in log order. */
async function loggedAfter(server: TestServer, afterId: string): Promise<Logged[]> {
  return server.db.query<Logged>(
    `SELECT t.id::text AS id, t.from_stage AS "from", t.to_stage AS "to", c.external_id AS "externalId"
       FROM stage_transitions t JOIN customers c ON c.id = t.customer_id
      WHERE t.id > $1::bigint ORDER BY t.tx_id, t.id`,
    [afterId],
  );
}

async function lastTransitionId(server: TestServer): Promise<string> {
  const [{ id }] = await server.db.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM stage_transitions`);
  return id;
}

async function currentCursor(server: TestServer): Promise<string> {
  const response = await server.graphql<{ recentTransitions: { cursor: string } }>('{ recentTransitions(first: 1) { cursor } }');
  return response.data?.recentTransitions.cursor as string;
}

function wants(stages: string[] | null, transition: Logged): boolean {
  return stages === null || stages.includes(transition.to) || (transition.from !== null && stages.includes(transition.from));
}

/** What a subscriber with this selection and filter must receive of `log`, as the client sees it (cursors left out: they are opaque). */
function expectedFor(subscriber: Subscriber, log: readonly Logged[]): unknown[] {
  return log
    .filter((transition) => wants(subscriber.stages, transition))
    .map((transition) => {
      if (subscriber.selection === 'customer')
        return { id: transition.id, to: transition.to, customer: { externalId: transition.externalId } };
      if (subscriber.selection === 'stages') return { id: transition.id, from: transition.from, to: transition.to };
      return { id: transition.id };
    });
}

function received(events: readonly Delivered[], selection: SelectionName): unknown[] {
  return events.map(({ stageTransitions: { transition } }) => (selection === 'cause' ? { id: transition.id } : transition));
}

/** Subscribes everyone from `cursor`, spread over `clients` per key; returns the running collections. */
function subscribeAll(clients: Map<string, Client[]>, subscribers: readonly Subscriber[], cursor: string) {
  return subscribers.map((subscriber, index) => {
    const pool = clients.get(subscriber.key) as Client[];
    const variables = { after: cursor, stages: subscriber.stages };
    return collect<Delivered>(pool[index % pool.length], SELECTIONS[subscriber.selection], variables, Number.POSITIVE_INFINITY, 60_000);
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('subscription fan-out', () => {
  let server: TestServer;
  let readKey: string;
  let clients: Map<string, Client[]>;
  beforeAll(async () => {
    server = await startTestServer();
    readKey = await server.createKey([Scope.READ]);
    clients = new Map([
      [server.adminKey, [server.wsClient(), server.wsClient(), server.wsClient()]],
      [readKey, [server.wsClient(readKey), server.wsClient(readKey)]],
    ]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('delivers each subscriber exactly its events in order, executing each event once per selection and key', async () => {
    const subscribers: Subscriber[] = [
      ...Array.from({ length: 12 }, () => ({ selection: 'stages' as const, stages: null, key: server.adminKey })),
      ...Array.from({ length: 8 }, () => ({ selection: 'stages' as const, stages: ['acquisition'], key: server.adminKey })),
      ...Array.from({ length: 10 }, () => ({ selection: 'customer' as const, stages: null, key: server.adminKey })),
      ...Array.from({ length: 6 }, () => ({ selection: 'stages' as const, stages: null, key: readKey })),
    ];
    const before = await lastTransitionId(server);
    const streams = subscribeAll(clients, subscribers, await currentCursor(server));
    // A first batch that every subscriber receives shows all of them live; executions are counted from there.
    // Into awareness and on to acquisition: every subscriber, filtered or not, gets part of it.
    await record(server, 'fanout-warm', [
      { customer: 0, type: 'page_view' },
      { customer: 0, type: 'signup' },
    ]);
    const warmLog = await loggedAfter(server, before);
    const warmExpected = subscribers.map((subscriber) => expectedFor(subscriber, warmLog));
    await until(() => streams.every((stream, index) => stream.received.length >= warmExpected[index].length));
    const executionsBefore = server.subscriptionExecutions();

    await record(
      server,
      'fanout-main',
      Array.from({ length: 30 }, (_, index) => ({ customer: index % 6, type: JOURNEY_TYPES[Math.floor(index / 6)] })),
    );
    const log = await loggedAfter(server, before);
    const expected = subscribers.map((subscriber) => expectedFor(subscriber, log));
    await until(() => streams.every((stream, index) => stream.received.length >= expected[index].length));
    for (const stream of streams) stream.stop();

    subscribers.forEach((subscriber, index) => {
      expect(received(streams[index].received, subscriber.selection)).toEqual(expected[index]);
    });
    // Three distinct selections (stages by the admin key, customer by the admin key, stages by the read key); the filtered
    // subscribers share the unfiltered ones' execution of the events they get.
    const newEvents = log.length - warmLog.length;
    expect(newEvents).toBeGreaterThan(10);
    expect(server.subscriptionExecutions() - executionsBefore).toBe(newEvents * 3);
  });

  it('gives every subscriber the filtered log, for any filters, selections and events (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            selection: fc.constantFrom<SelectionName>('stages', 'customer', 'cause'),
            stages: fc.option(fc.subarray(STAGES, { minLength: 1 }), { nil: null }),
            reader: fc.boolean(),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.array(fc.array(fc.record({ customer: fc.nat(4), type: fc.constantFrom(...JOURNEY_TYPES) }), { minLength: 1, maxLength: 12 }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (specs, batches) => {
          run += 1;
          const subscribers = specs.map((spec) => ({
            selection: spec.selection,
            stages: spec.stages,
            key: spec.reader ? readKey : server.adminKey,
          }));
          const before = await lastTransitionId(server);
          const streams = subscribeAll(clients, subscribers, await currentCursor(server));
          for (const [index, batch] of batches.entries()) await record(server, `property-${run}-${index}`, batch);
          const log = await loggedAfter(server, before);
          const expected = subscribers.map((subscriber) => expectedFor(subscriber, log));
          await until(() => streams.every((stream, index) => stream.received.length >= expected[index].length));
          for (const stream of streams) stream.stop();
          subscribers.forEach((subscriber, index) => {
            expect(received(streams[index].received, subscriber.selection)).toEqual(expected[index]);
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('fails the subscriptions of a connection that stops reading with SUBSCRIBER_BEHIND, while others get every event', async () => {
    const subscriptions = 40;
    const before = await lastTransitionId(server);
    const cursor = await currentCursor(server);
    const other = collect<Delivered>(
      server.wsClient(),
      SELECTIONS.customer,
      { after: cursor, stages: null },
      Number.POSITIVE_INFINITY,
      300_000,
    );
    const slow = await openRawConnection(server.wsUrl, server.adminKey);
    for (let index = 0; index < subscriptions; index++) {
      slow.send({
        id: `s${index}`,
        type: 'subscribe',
        payload: { query: SELECTIONS.customer, variables: { after: cursor, stages: null } },
      });
    }
    await record(server, 'behind-warm', [{ customer: 0, type: 'page_view' }]);
    await until(() => slow.received.length >= subscriptions && other.received.length >= 1);
    slow.socket.pause();

    // Far more than the socket may hold unsent, even after the kernel's buffers are full.
    const customers = Math.ceil((3 * MAX_SOCKET_BUFFERED_BYTES) / (subscriptions * 3 * 250));
    for (let first = 1; first < customers; first += 300) {
      const steps = Array.from({ length: Math.min(300, customers - first) }, (_, k) =>
        ['page_view', 'signup', 'login'].map((type) => ({ customer: first + k, type })),
      ).flat();
      await record(server, `behind-${first}`, steps);
    }
    const log = await loggedAfter(server, before);
    await until(() => other.received.length >= log.length);
    other.stop();
    expect(received(other.received, 'customer')).toEqual(expectedFor({ selection: 'customer', stages: null, key: server.adminKey }, log));

    slow.socket.resume();
    await until(() => slow.errors.size === subscriptions);
    for (let index = 0; index < subscriptions; index++) {
      const delivered = slow.received.filter((message) => message.id === `s${index}`).map((message) => message.payload);
      // A prefix of the log, in order, then the error.
      expect(delivered).toEqual(expectedFor({ selection: 'customer', stages: null, key: server.adminKey }, log.slice(0, delivered.length)));
      expect(delivered.length).toBeLessThan(log.length);
      expect(slow.errors.get(`s${index}`)).toBe('SUBSCRIBER_BEHIND');
    }
    slow.socket.close();
    // Some 1,700 customers through 41 subscriptions: seconds on a quiet machine, minutes on a loaded one.
  }, 300_000);
});

type RawConnection = {
  socket: WebSocket;
  send: (message: object) => void;
  /** `next` payloads' transitions, with the subscription id. */
  received: Array<{ id: string; payload: unknown }>;
  /** The error code each failed subscription got. */
  errors: Map<string, string>;
};

/** A graphql-transport-ws connection on a plain ws socket, so the test can stop reading it (pause) like a stalled client. */
async function openRawConnection(url: string, key: string): Promise<RawConnection> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const received: RawConnection['received'] = [];
  const errors = new Map<string, string>();
  let acknowledged: () => void = () => undefined;
  const ack = new Promise<void>((resolve) => (acknowledged = resolve));
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; id: string; payload: unknown };
    if (message.type === 'connection_ack') acknowledged();
    if (message.type === 'next')
      received.push({ id: message.id, payload: (message.payload as { data: Delivered }).data.stageTransitions.transition });
    if (message.type === 'error') errors.set(message.id, (message.payload as Array<{ extensions: { code: string } }>)[0].extensions.code);
  });
  await new Promise((resolve) => socket.once('open', resolve));
  const send = (message: object) => socket.send(JSON.stringify(message));
  send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
  await ack;
  return { socket, send, received, errors };
}
