import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { Scope } from '../../../core/principal';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { Receiver } from '../../../testing/webhook-receiver';
import type { Received } from '../../../testing/webhook-receiver';

/*
 * Webhooks end to end inside one API: endpoints registered over GraphQL,
 * events from ingest, a real receiver on loopback (allowed explicitly: the
 * test's allow-list names 127.0.0.1 and nothing else), every request verified
 * with the standardwebhooks package.
 */
describe('webhooks', () => {
  let server: TestServer;
  let receiver: Receiver;
  let lookups = 0;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    server = await startTestServer({
      webhooks: {
        allow: ['127.0.0.1'],
        // rebind.test resolves to a public address once (registration), then to loopback (the connection).
        resolve: async (host) => (host === 'rebind.test' ? [lookups++ === 0 ? '93.184.216.34' : '127.0.0.2'] : ['127.0.0.1']),
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.answer = () => ({ status: 200 });
  });

  type Payload = {
    type: string;
    timestamp: string;
    data: { from?: string | null; to?: string; customerId: string; customer: { externalId: string; stage: string } | null };
  };

  const register = async (path: string, extra: Record<string, unknown> = {}) => {
    const result = await server.graphql<{ createWebhookEndpoint: { endpoint: { id: string }; secret: string } }>(
      `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } secret } }`,
      { input: { url: receiver.url(path), eventTypes: ['customer.stage_changed'], ...extra } },
    );
    expect(result.errors).toBeUndefined();
    const { endpoint, secret } = result.data!.createWebhookEndpoint;
    return { id: endpoint.id, secret };
  };

  let sequence = 0;
  const ingest = async (externalId: string, type = 'page_view') => {
    sequence += 1;
    await server.services.ingest.record(
      [
        {
          messageId: `m-${sequence}`,
          customer: { externalId },
          type,
          channel: 'web',
          occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString(),
        },
      ],
      (index) => `touchpoints[${index}]`,
    );
  };

  const verified = (secret: string, request: Received) => new Webhook(secret).verify(request.body, request.headers) as Payload;

  const log = async (endpointId: string) => {
    const result = await server.graphql<{
      webhookDeliveries: {
        deliveries: Array<{
          id: string;
          webhookId: string;
          state: string;
          attempts: number;
          lastStatus: number | null;
          attemptLog: Array<{ status: number | null; outcome: string }>;
        }>;
      };
    }>(
      `query ($id: ID!) { webhookDeliveries(endpointId: $id, first: 50) { deliveries { id webhookId state attempts lastStatus attemptLog { status outcome } } } }`,
      { id: endpointId },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.webhookDeliveries.deliveries;
  };

  it('tells of a merge and of its undoing, about the survivor and then the customer brought back', async () => {
    const { secret } = await register('/merges', { eventTypes: ['customer.merged', 'customer.unmerged'] });
    await ingest('merge-kept');
    await ingest('merge-gone');
    const [kept, gone] = await Promise.all(
      ['merge-kept', 'merge-gone'].map(async (externalId) => (await server.services.customers.find({ externalId }))!.id),
    );
    const merge = await server.services.merges.merge({ intoId: kept, fromId: gone, reason: 'one person', actor: null, cause: 'manual' });
    await server.services.merges.unmerge(merge.id, null);
    await receiver.waitFor(() => receiver.at('/merges').length === 2);
    const [merged, unmerged] = receiver.at('/merges').map((request) => verified(secret, request));
    const ids = { mergeId: merge.id, intoId: kept, fromId: gone };
    expect(merged).toMatchObject({ type: 'customer.merged', data: { ...ids, customerId: kept, customer: { externalId: 'merge-kept' } } });
    expect(unmerged).toMatchObject({
      type: 'customer.unmerged',
      data: { ...ids, customerId: gone, customer: { externalId: 'merge-gone' } },
    });
  });

  it('signs every delivery the Standard Webhooks way, with the customer as it is now', async () => {
    const { secret } = await register('/signed');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    await ingest('ann');
    await ingest('ann', 'signup');
    await receiver.waitFor(() => receiver.at('/signed').length === 2);
    const [first, second] = receiver.at('/signed').map((request) => verified(secret, request));
    expect(first).toMatchObject({ type: 'customer.stage_changed', data: { from: null, to: 'awareness', customer: { externalId: 'ann' } } });
    expect(second).toMatchObject({ type: 'customer.stage_changed', data: { from: 'awareness', to: 'acquisition' } });
    const headers = receiver.at('/signed')[0].headers;
    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    // Another secret does not verify it.
    expect(() => verified('whsec_' + Buffer.alloc(32, 7).toString('base64'), receiver.at('/signed')[0])).toThrow();
  });

  it('retries a failed delivery with the same webhook-id and logs every attempt', async () => {
    receiver.answer = (request) => ({ status: request.path === '/retry' && receiver.at('/retry').length === 1 ? 500 : 200 });
    const { id, secret } = await register('/retry');
    await ingest('bob');
    await receiver.waitFor(() => receiver.at('/retry').length === 2);
    const [failed, succeeded] = receiver.at('/retry');
    expect(succeeded.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    expect(verified(secret, succeeded).data.customer?.externalId).toBe('bob');
    await waitForState(
      () => log(id),
      (rows) => rows[0]?.state === 'DELIVERED',
    );
    const [delivery] = await log(id);
    expect(delivery).toMatchObject({ state: 'DELIVERED', attempts: 2, lastStatus: 200 });
    expect(delivery.attemptLog).toEqual([
      { status: 500, outcome: 'retry' },
      { status: 200, outcome: 'delivered' },
    ]);
  });

  it('waits at least as long as Retry-After asks before the next attempt', async () => {
    receiver.answer = () => ({ status: 503, headers: { 'retry-after': '600' } });
    const { id } = await register('/later');
    await ingest('cid');
    await receiver.waitFor(() => receiver.at('/later').length === 1);
    await waitForState(
      () => log(id),
      (rows) => rows[0]?.state === 'PENDING' && rows[0].attempts === 1,
    );
    const [row] = await server.db.query<{ wait_ms: number }>(
      `SELECT extract(epoch FROM next_attempt_at - last_attempt_at) * 1000 AS wait_ms FROM webhook_deliveries WHERE endpoint_id = $1`,
      [id],
    );
    // The schedule alone says 5 s (±20 %); the endpoint asked for 600 s.
    expect(Number(row.wait_ms)).toBeGreaterThanOrEqual(600_000);
    expect(Number(row.wait_ms)).toBeLessThan(610_000);
  });

  it('disables an endpoint that answers 410 Gone, says why, and skips what comes after', async () => {
    receiver.answer = () => ({ status: 410 });
    const { id } = await register('/gone');
    await ingest('dee');
    await receiver.waitFor(() => receiver.at('/gone').length === 1);
    const endpoint = await waitForState(
      async () =>
        (
          await server.graphql<{ webhookEndpoint: { disabledAt: string | null; disabledReason: string | null } }>(
            `query ($id: ID!) { webhookEndpoint(id: $id) { disabledAt disabledReason } }`,
            { id },
          )
        ).data!.webhookEndpoint,
      (value) => value.disabledAt !== null,
    );
    expect(endpoint.disabledReason).toMatch(/^answered 410 Gone on \d{4}-\d\d-\d\dT.*Z \(delivery \d+\)$/);
    await ingest('dee', 'signup');
    await server.services.projector.catchUp();
    expect((await log(id)).map((row) => row.state)).toEqual(['SKIPPED', 'FAILED']);
    expect(receiver.at('/gone')).toHaveLength(1);
  });

  it('disables an endpoint after five days of failures, with the reason', async () => {
    receiver.answer = () => ({ status: 500 });
    const { id } = await register('/failing');
    await server.db.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [id]);
    await ingest('eve');
    await receiver.waitFor(() => receiver.at('/failing').length === 1);
    const [endpoint] = await waitForState(
      () => server.db.query<{ disabled_reason: string | null }>(`SELECT disabled_reason FROM webhook_endpoints WHERE id = $1`, [id]),
      (rows) => rows[0].disabled_reason !== null,
    );
    expect(endpoint.disabled_reason).toMatch(/^every attempt failed for five days, since .* \(last: answered 500: not now\)$/);
    expect((await log(id)).map((row) => row.state)).toEqual(['SKIPPED']);
  });

  it("keeps one customer's events in order, and a held endpoint does not hold the others", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    receiver.answer = (request) => (request.path === '/held' ? { status: 200, wait: held } : { status: 200 });
    await register('/held');
    const { secret } = await register('/free');
    await ingest('fay');
    await ingest('fay', 'signup');
    await ingest('gus');
    // Every event reaches the free endpoint while the held one has not answered its first request.
    await receiver.waitFor(() => receiver.at('/free').length === 3);
    expect(receiver.at('/held').length).toBeLessThanOrEqual(2);
    const fay = receiver
      .at('/free')
      .map((request) => verified(secret, request))
      .filter((payload) => payload.data.customer?.externalId === 'fay')
      .map((payload) => payload.data.to);
    expect(fay).toEqual(['awareness', 'acquisition']);
    // fay's second event waits for her first to be answered: one of hers in flight at a time.
    expect(receiver.at('/held').filter((request) => (JSON.parse(request.body) as Payload).data.to === 'acquisition')).toHaveLength(0);
    release();
    await receiver.waitFor(() => receiver.at('/held').length === 3);
    const heldFay = receiver
      .at('/held')
      .map((request) => JSON.parse(request.body) as Payload)
      .filter((payload) => payload.data.customer?.externalId === 'fay');
    expect(heldFay.map((payload) => payload.data.to)).toEqual(['awareness', 'acquisition']);
  });

  it('signs with the old and the new secret for a day after a rotation', async () => {
    const { id, secret: old } = await register('/rotated');
    const rotated = await server.graphql<{ rotateWebhookSecret: { secret: string; endpoint: { previousSecretValidUntil: string } } }>(
      `mutation ($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretValidUntil } } }`,
      { id },
    );
    const { secret, endpoint } = rotated.data!.rotateWebhookSecret;
    expect(secret).not.toBe(old);
    const graceHours = (Date.parse(endpoint.previousSecretValidUntil) - Date.now()) / 3_600_000;
    expect(graceHours).toBeGreaterThan(23.9);
    expect(graceHours).toBeLessThanOrEqual(24);
    await ingest('hal');
    await receiver.waitFor(() => receiver.at('/rotated').length === 1);
    const [request] = receiver.at('/rotated');
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verified(secret, request).data.customer?.externalId).toBe('hal');
    expect(verified(old, request).data.customer?.externalId).toBe('hal');
  });

  it('redelivers one event and replays everything after a delivery, with the original webhook-ids', async () => {
    const { id } = await register('/again');
    await ingest('ivy');
    await ingest('ivy', 'signup');
    await receiver.waitFor(() => receiver.at('/again').length === 2);
    const ids = receiver.at('/again').map((request) => request.headers['webhook-id']);
    const deliveries = await log(id);
    const redelivered = await server.graphql<{ redeliverWebhook: { webhookId: string; state: string } }>(
      `mutation ($id: ID!) { redeliverWebhook(deliveryId: $id) { webhookId state } }`,
      { id: deliveries[1].id },
    );
    expect(redelivered.data?.redeliverWebhook).toEqual({ webhookId: ids[0], state: 'PENDING' });
    await receiver.waitFor(() => receiver.at('/again').length === 3);
    expect(receiver.at('/again')[2].headers['webhook-id']).toBe(ids[0]);
    await waitForState(
      () => log(id),
      (rows) => rows.length === 3 && rows.every((row) => row.state === 'DELIVERED'),
    );
    // Replay after the oldest delivery: the second event, and the redelivered first one once more.
    const replayed = await server.graphql<{ replayWebhookDeliveries: { queued: number } }>(
      `mutation ($id: ID!, $after: ID!) { replayWebhookDeliveries(endpointId: $id, after: $after) { queued } }`,
      { id, after: deliveries[1].id },
    );
    expect(replayed.data?.replayWebhookDeliveries.queued).toBe(2);
    await receiver.waitFor(() => receiver.at('/again').length === 5);
    expect(
      receiver
        .at('/again')
        .slice(3)
        .map((request) => request.headers['webhook-id']),
    ).toEqual([ids[1], ids[0]]);
  });

  it('sends a signed test event at once and answers with its outcome', async () => {
    const { id, secret } = await register('/test-send');
    const result = await server.graphql<{ sendTestWebhook: { state: string; eventType: string; lastStatus: number; attempts: number } }>(
      `mutation ($id: ID!) { sendTestWebhook(endpointId: $id) { state eventType lastStatus attempts } }`,
      { id },
    );
    expect(result.data?.sendTestWebhook).toEqual({ state: 'DELIVERED', eventType: 'webhook.test', lastStatus: 200, attempts: 1 });
    const [request] = receiver.at('/test-send');
    expect(verified(secret, request)).toMatchObject({ type: 'webhook.test', data: { endpointId: id } });
  });

  it('refuses to connect where a host resolves at connection time to an address it may not call (DNS rebinding)', async () => {
    const { id } = await register('/unused', {});
    await server.graphql(
      `mutation ($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { id } }`,
      {
        id,
        input: { url: 'http://rebind.test:9/hook' },
      },
    );
    const result = await server.graphql<{ sendTestWebhook: { state: string; lastStatus: number | null; lastError: string } }>(
      `mutation ($id: ID!) { sendTestWebhook(endpointId: $id) { state lastStatus lastError } }`,
      { id },
    );
    expect(result.data?.sendTestWebhook).toEqual({
      state: 'FAILED',
      lastStatus: null,
      lastError: 'refused to connect to rebind.test: 127.0.0.2 is a loopback address',
    });
  });

  it('refuses private destinations, a read key and a revoked key', async () => {
    const create = (url: string, key?: string) =>
      server.graphql(
        `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
        { input: { url, eventTypes: ['segment.entered'] } },
        key,
      );
    const metadata = await create('http://169.254.169.254/latest/meta-data/');
    expect(metadata.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^input\.url: 169\.254\.169\.254 is a link-local address/),
      extensions: { code: 'WEBHOOK_URL_FORBIDDEN', field: 'input.url' },
    });
    const readKey = await server.createKey([Scope.READ]);
    expect((await create('https://example.com/hook', readKey)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const adminKey = await server.createKey([Scope.ADMIN]);
    const [{ id: keyId }] = await server.db.query<{ id: string }>(`SELECT id FROM api_keys ORDER BY created_at DESC LIMIT 1`);
    await server.services.apiKeys.revoke(keyId);
    expect((await create('https://example.com/hook', adminKey)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const [{ count }] = await server.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM webhook_endpoints WHERE url LIKE '%example.com%' OR url LIKE '%169.254%'`,
    );
    expect(count).toBe(0);
  });
});

/** Reads until `done` holds (each read waits for the previous one), then answers the last read. */
async function waitForState<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
