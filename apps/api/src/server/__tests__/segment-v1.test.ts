import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { gzipSync } from 'node:zlib';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/** The Segment-compatible routes over real HTTP, on a real database. */
describe('the Segment-compatible /v1 routes', () => {
  let server: TestServer;
  let ingestKey: string;
  let readKey: string;
  beforeAll(async () => {
    server = await startTestServer({ v1MaxPending: 1 });
    ingestKey = await server.createKey([Scope.INGEST]);
    readKey = await server.createKey([Scope.READ]);
  });
  afterAll(async () => {
    await server.close();
  });

  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const post = async (route: string, body: unknown, headers: Record<string, string> = { authorization: basic(ingestKey) }) => {
    const response = await fetch(`${server.v1Url}/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  };
  type Stored = {
    type: string;
    channel: string;
    value: number | null;
    currency: string | null;
    campaign: string | null;
    occurredAt: string;
    properties: Record<string, unknown>;
  };
  const touchpointsOf = async (externalId: string) => {
    const result = await server.graphql<{ customer: { touchpoints: { edges: Array<{ node: Stored }> } } | null }>(
      `query ($externalId: String) { customer(externalId: $externalId) { touchpoints(first: 50) { edges { node { type channel value currency campaign occurredAt properties } } } } }`,
      { externalId },
    );
    return result.data?.customer?.touchpoints.edges.map((edge) => edge.node) ?? [];
  };

  it('stores an Order Completed as a purchase with revenue, currency, the UTM channel and campaign, and the sender clock corrected', async () => {
    const before = Date.now();
    const answer = await post('track', {
      userId: 'order-user',
      event: 'Order Completed',
      messageId: 'order-1',
      // The sender's clock runs 1 h 0.0005 s behind: the event happened 2.5 s before it sent.
      timestamp: '2026-01-01T10:00:00.000000Z',
      sentAt: '2026-01-01T10:00:02.500500Z',
      properties: { revenue: 42.5, total: 50, currency: 'eur', order_id: 'o-1' },
      context: { ip: '203.0.113.9', campaign: { source: 'google', medium: 'CPC', name: 'spring-sale' } },
    });
    const after = Date.now();
    expect(answer).toMatchObject({ status: 200, body: { success: true, accepted: 1, duplicates: 0, rejected: [] } });
    const [stored] = await touchpointsOf('order-user');
    expect(stored).toMatchObject({ type: 'purchase', channel: 'ads', value: 42.5, currency: 'EUR', campaign: 'spring-sale' });
    expect(stored.properties).toEqual({
      revenue: 42.5,
      total: 50,
      currency: 'eur',
      order_id: 'o-1',
      event: 'Order Completed',
      context: { campaign: { source: 'google', medium: 'CPC', name: 'spring-sale' } },
    });
    // receivedAt − 2.5005 s, floored to the millisecond: between the request's start and end, less 2,500.5 ms.
    const occurred = new Date(stored.occurredAt).getTime();
    expect(occurred).toBeGreaterThanOrEqual(before - 2501);
    expect(occurred).toBeLessThanOrEqual(after - 2500);
  });

  it('stores the valid events of a batch and names each rejected one with its field and reason', async () => {
    const answer = await post('batch', {
      batch: [
        {
          type: 'page',
          userId: 'batch-user',
          messageId: 'b-1',
          name: 'Pricing',
          properties: { path: '/pricing' },
          timestamp: '2026-02-01T09:00:00Z',
        },
        { type: 'track', userId: 'batch-user', messageId: 'b-2', timestamp: '2026-02-01T09:01:00Z' },
        {
          type: 'track',
          userId: 'batch-user',
          messageId: 'b-3',
          event: 'Product Reviewed',
          properties: { rating: '5' },
          timestamp: '2026-02-01T09:02:00Z',
        },
        { type: 'track', userId: 'batch-user', messageId: 'b-4', event: 'x', timestamp: 'yesterday' },
        { type: 'shout', userId: 'batch-user', messageId: 'b-5' },
        { type: 'screen', userId: 'batch-user', messageId: 'b-6', name: 'Home', timestamp: '2026-02-01T09:03:00Z' },
        {
          type: 'track',
          userId: 'batch-user',
          messageId: 'b-7',
          event: 'Order Completed',
          properties: { total: 10, currency: 'dollars' },
          timestamp: '2026-02-01T09:04:00Z',
        },
        'not a message',
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      accepted: 3,
      duplicates: 0,
      rejected: [
        {
          index: 1,
          messageId: 'b-2',
          type: 'track',
          field: 'batch[1].event',
          reason: 'batch[1].event: is required (the name of the action, like "Order Completed")',
        },
        {
          index: 3,
          messageId: 'b-4',
          type: 'track',
          field: 'batch[3].timestamp',
          reason: 'batch[3].timestamp: must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00.123456Z',
        },
        {
          index: 4,
          messageId: 'b-5',
          type: 'shout',
          field: 'batch[4].type',
          reason: 'batch[4].type: must be one of identify, track, page, screen, group, alias',
        },
        {
          index: 6,
          messageId: 'b-7',
          type: 'track',
          field: 'batch[6].properties.currency',
          reason: 'batch[6].properties.currency: "DOLLARS" is not an ISO 4217 code like USD',
        },
        { index: 7, messageId: null, type: null, field: 'batch[7]', reason: 'batch[7]: must be a JSON object' },
      ],
    });
    const stored = await touchpointsOf('batch-user');
    expect(stored.map((touchpoint) => [touchpoint.type, touchpoint.channel, touchpoint.occurredAt, touchpoint.properties.rating])).toEqual([
      ['screen_view', 'web', '2026-02-01T09:03:00.000Z', undefined],
      ['review', 'web', '2026-02-01T09:02:00.000Z', 5],
      ['page_view', 'web', '2026-02-01T09:00:00.000Z', undefined],
    ]);
    const rejections = await server.graphql<{
      trackingRejections: { total: number; latest: Array<{ route: string; field: string; keyName: string }> };
    }>(`{ trackingRejections(last: 2) { total latest { route field keyName } } }`);
    expect(rejections.data?.trackingRejections.latest).toEqual([
      { route: '/v1/batch', field: 'batch[7]', keyName: 'test ingest' },
      { route: '/v1/batch', field: 'batch[6].properties.currency', keyName: 'test ingest' },
    ]);
    expect(rejections.data?.trackingRejections.total).toBeGreaterThanOrEqual(5);
  });

  it('stores a messageId once, and an event without one once per content, whatever its sentAt', async () => {
    const event = { userId: 'dedupe-user', event: 'Signed Up', timestamp: '2026-03-01T00:00:00Z' };
    expect((await post('track', { ...event, messageId: 'same' })).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await post('track', { ...event, messageId: 'same', event: 'Trial Started' })).body).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    expect((await post('track', { ...event, sentAt: '2026-03-01T00:00:01Z' })).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await post('track', { ...event, sentAt: '2026-03-01T00:00:09Z' })).body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await touchpointsOf('dedupe-user')).map((touchpoint) => touchpoint.type)).toEqual(['signup', 'signup']);
  });

  it('takes the write key as the Basic user, as a Bearer token or as writeKey in the body, and refuses forged and read-only keys', async () => {
    const track = (userId: string) => ({ userId, event: 'Key Checked', timestamp: '2026-03-02T00:00:00Z' });
    expect((await post('track', { ...track('k1'), writeKey: ingestKey }, { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await post('track', track('k2'), { authorization: `Bearer ${ingestKey}` })).status).toBe(200);
    expect(await post('track', track('k3'), {})).toMatchObject({
      status: 401,
      body: {
        success: false,
        error: {
          code: 'UNAUTHENTICATED',
          message: 'missing write key: send it as the HTTP Basic user (empty password) or as writeKey in the body',
        },
      },
    });
    const forged = `${ingestKey.slice(0, -4)}AAAA`;
    expect(await post('track', track('k4'), { authorization: basic(forged) })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'invalid or revoked write key' } },
    });
    expect(await post('track', { ...track('k5'), writeKey: readKey }, {})).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'this API key lacks the ingest scope that /v1 needs' } },
    });
    expect((await touchpointsOf('k4')).length + (await touchpointsOf('k5')).length).toBe(0);
  });

  it('answers 400 naming the limit for a request over 500 KB, a batch over 2,500 events and an event over 32 KB', async () => {
    const big = 'x'.repeat(600 * 1024);
    expect(await post('batch', { batch: [{ type: 'track', userId: 'u', event: 'E', properties: { big } }] })).toMatchObject({
      status: 400,
      body: { success: false, error: { code: 'LIMIT_EXCEEDED', limit: 'request', maxBytes: 512000 } },
    });
    const many = Array.from({ length: 2501 }, (_, index) => ({ type: 'track', userId: 'u', event: 'E', messageId: `m${index}` }));
    expect(await post('batch', { batch: many })).toMatchObject({
      status: 400,
      body: {
        error: { code: 'LIMIT_EXCEEDED', limit: 'batch', maxEvents: 2500, message: 'batch has 2501 messages; the limit is 2500 per batch' },
      },
    });
    const wide = { userId: 'wide-user', event: 'Wide', properties: { text: 'y'.repeat(33 * 1024) } };
    expect(await post('track', wide)).toMatchObject({
      status: 400,
      body: { error: { code: 'LIMIT_EXCEEDED', limit: 'event', maxBytes: 32768 } },
    });
    // In a batch, the oversized event alone is rejected; the others are stored.
    const mixed = await post('batch', {
      batch: [
        { type: 'track', ...wide, messageId: 'w-1' },
        { type: 'track', userId: 'wide-user', event: 'Narrow', messageId: 'w-2' },
      ],
    });
    expect(mixed.body).toMatchObject({ accepted: 1, rejected: [{ index: 0, field: 'batch[0]' }] });
    expect((mixed.body.rejected as Array<{ reason: string }>)[0].reason).toMatch(
      /^batch\[0\]: is \d+ bytes of JSON; the limit is 32 KB \(32768 bytes\) per event$/,
    );
  });

  it('answers a clear 400 for a body that is not JSON, not an object, or a batch that is not a list, and accepts gzip', async () => {
    expect(await post('track', '{"userId": ')).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: 'the request body is not valid JSON' } },
    });
    expect(await post('track', Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({
      status: 400,
      body: { error: { message: 'the request body is not valid UTF-8' } },
    });
    expect(await post('batch', { batch: { type: 'track' } })).toMatchObject({
      status: 400,
      body: { error: { message: 'batch must be an array of messages' } },
    });
    expect(await post('identify', [1, 2])).toMatchObject({
      status: 400,
      body: { error: { message: 'the request body must be a JSON object' } },
    });
    const zipped = gzipSync(JSON.stringify({ userId: 'gzip-user', event: 'Zipped', messageId: 'z-1' }));
    const answer = await post('track', zipped, { authorization: basic(ingestKey), 'content-encoding': 'gzip' });
    expect(answer).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(await post('nothing', {})).toMatchObject({ status: 404 });
    // Found by the hostile-bodies property: a single message of 1,000 nested arrays overflowed JSON.stringify (a 500).
    expect(await post('track', `{"batch":${'['.repeat(1000)}${']'.repeat(1000)}}`)).toMatchObject({
      status: 400,
      body: { error: { code: 'LIMIT_EXCEEDED', limit: 'depth', maxDepth: 64, message: 'the request body nests deeper than 64 levels' } },
    });
  });

  it('allows browsers from any origin on /v1, preflight included, and only there', async () => {
    const preflight = await fetch(`${server.v1Url}/batch`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, Content-Encoding');
    const graphql = await fetch(server.httpUrl, { method: 'OPTIONS', headers: { origin: 'https://shop.example' } });
    expect(graphql.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 429 with Retry-After while the ingest gate is full, and takes the event once there is room', async () => {
    // Hold the touchpoint table so the first request waits inside the ingest path, holding the only place.
    const holder = new Client({ connectionString: server.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE touchpoints IN EXCLUSIVE MODE');
      const first = post('track', { userId: 'gate-user', event: 'Held', messageId: 'g-1' });
      while (server.v1Pending() < 1) await new Promise((resolve) => setImmediate(resolve));
      const refused = await post('track', { userId: 'gate-user', event: 'Refused', messageId: 'g-2' });
      expect(refused).toMatchObject({ status: 429, body: { success: false, error: { code: 'TOO_MANY_REQUESTS', retryAfter: 1 } } });
      expect(refused.headers.get('retry-after')).toBe('1');
      await holder.query('COMMIT');
      expect((await first).body).toMatchObject({ accepted: 1 });
    } finally {
      await holder.end();
    }
    expect((await post('track', { userId: 'gate-user', event: 'Refused', messageId: 'g-2' })).body).toMatchObject({ accepted: 1 });
  });

  it('reads track events through the mapping an admin sets at run time, and back to the defaults', async () => {
    const current = await server.graphql<{ trackingMapping: Record<string, unknown> & { events: Array<Record<string, unknown>> } }>(
      `{ trackingMapping { events { event type channel valueFrom currencyFrom numbers { to from } } pageType screenType defaultChannel mediums { medium channel } traits { email name firstName lastName } groupAttribute storeIpAddress } }`,
    );
    const mapping = current.data?.trackingMapping;
    expect(mapping?.events[0]).toEqual({
      event: 'Order Completed',
      type: 'purchase',
      channel: null,
      valueFrom: ['revenue', 'total'],
      currencyFrom: 'currency',
      numbers: [],
    });
    const changed = {
      ...mapping,
      events: [{ event: 'Plan Upgraded', type: 'purchase', channel: 'sales', valueFrom: ['amount'], currencyFrom: null, numbers: [] }],
      storeIpAddress: true,
    };
    const set = await server.graphql(
      `mutation ($m: TrackingMappingInput!) { setTrackingMapping(mapping: $m) { events { event } storeIpAddress } }`,
      { m: changed },
    );
    expect(set).toEqual({ data: { setTrackingMapping: { events: [{ event: 'Plan Upgraded' }], storeIpAddress: true } } });
    await post('track', {
      userId: 'mapped-user',
      event: 'plan upgraded',
      messageId: 'p-1',
      properties: { amount: 99 },
      context: { ip: '198.51.100.7' },
    });
    await post('track', { userId: 'mapped-user', event: 'Order Completed', messageId: 'p-2', timestamp: '2020-01-01T00:00:00Z' });
    const stored = await touchpointsOf('mapped-user');
    expect(
      stored.map((touchpoint) => [
        touchpoint.type,
        touchpoint.channel,
        touchpoint.value,
        (touchpoint.properties.context as { ip?: string } | undefined)?.ip,
      ]),
    ).toEqual([
      ['purchase', 'sales', 99, '198.51.100.7'],
      ['order_completed', 'web', null, undefined],
    ]);
    const refused = await server.graphql(`mutation ($m: TrackingMappingInput!) { setTrackingMapping(mapping: $m) { pageType } }`, {
      m: { ...changed, pageType: 'Page View', events: [...changed.events, ...changed.events] },
    });
    expect(refused.errors?.[0]).toMatchObject({
      message:
        'mapping.events[1].event: events[1].event: "Plan Upgraded" is already mapped by events[0]; pageType: "Page View" must be lowercase snake_case (letters, digits, _), starting with a letter',
      extensions: { code: 'BAD_USER_INPUT', field: 'mapping.events[1].event' },
    });
    const reset = await server.graphql<{ resetTrackingMapping: { events: unknown[]; storeIpAddress: boolean } }>(
      `mutation { resetTrackingMapping { events { event } storeIpAddress } }`,
    );
    expect(reset.data?.resetTrackingMapping.storeIpAddress).toBe(false);
    expect(reset.data?.resetTrackingMapping.events).toHaveLength(14);
    const forIngest = await server.graphql(`{ trackingRejections { total } }`, {}, ingestKey);
    expect(forIngest.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

/** identify, alias and group through /v1, and an anonymous visitor who becomes known. */
describe('who is who on /v1', () => {
  let server: TestServer;
  let authorization: string;
  beforeAll(async () => {
    server = await startTestServer();
    authorization = `Basic ${Buffer.from(`${await server.createKey([Scope.INGEST])}:`).toString('base64')}`;
  });
  afterAll(async () => {
    await server.close();
  });

  const post = async (route: string, body: unknown) => {
    const response = await fetch(`${server.v1Url}/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  type Found = {
    externalId: string | null;
    email: string | null;
    name: string | null;
    stage: string | null;
    attributes: Record<string, unknown>;
    identities: Array<{ kind: string; value: string }>;
    touchpoints: { edges: Array<{ node: { type: string } }> };
  };
  const find = async (by: { externalId?: string; anonymousId?: string }) => {
    const result = await server.graphql<{ customer: Found | null }>(
      `query ($externalId: String, $anonymousId: String) { customer(externalId: $externalId, anonymousId: $anonymousId) {
        externalId email name stage attributes identities { kind value } touchpoints(first: 20) { edges { node { type } } } } }`,
      by,
    );
    expect(result.errors).toBeUndefined();
    return result.data?.customer ?? null;
  };

  it('gives an anonymous visitor page views, then identify makes them the known customer with the traits as details', async () => {
    const visit = await post('batch', {
      batch: [
        { type: 'page', anonymousId: 'anon-ada', messageId: 'w-1', name: 'Home', timestamp: '2026-04-01T10:00:00Z' },
        { type: 'page', anonymousId: 'anon-ada', messageId: 'w-2', name: 'Pricing', timestamp: '2026-04-01T10:01:00Z' },
      ],
    });
    expect(visit.body).toMatchObject({ accepted: 2, rejected: [] });
    expect((await find({ anonymousId: 'anon-ada' }))?.externalId).toBeNull();
    const identified = await post('identify', {
      userId: 'ada',
      anonymousId: 'anon-ada',
      messageId: 'w-3',
      timestamp: '2026-04-01T10:02:00Z',
      traits: { email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace', plan: 'pro' },
    });
    expect(identified).toEqual({ status: 200, body: { success: true, accepted: 1, duplicates: 0, rejected: [] } });
    expect(
      (await post('track', { userId: 'ada', event: 'Signed Up', messageId: 'w-4', timestamp: '2026-04-01T10:03:00Z' })).body,
    ).toMatchObject({
      accepted: 1,
    });
    const ada = await find({ externalId: 'ada' });
    expect(ada).toMatchObject({
      externalId: 'ada',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      attributes: { plan: 'pro' },
      stage: 'acquisition',
    });
    expect(ada?.identities.map((identity) => [identity.kind, identity.value]).sort()).toEqual([
      ['ANONYMOUS_ID', 'anon-ada'],
      ['EMAIL', 'ada@example.com'],
      ['EXTERNAL_ID', 'ada'],
    ]);
    expect(ada?.touchpoints.edges.map((edge) => edge.node.type)).toEqual(['signup', 'page_view', 'page_view']);
    // The same identify again is a duplicate: nothing changes.
    expect(
      (await post('identify', { userId: 'ada', anonymousId: 'anon-ada', messageId: 'w-3', traits: { plan: 'free' } })).body,
    ).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    expect((await find({ externalId: 'ada' }))?.attributes).toEqual({ plan: 'pro' });
  });

  it('links a previous id with alias, and puts the account of group in the account attribute', async () => {
    expect((await post('alias', { userId: 'grace', previousId: 'anon-grace', messageId: 'x-1' })).body).toMatchObject({ accepted: 1 });
    expect((await post('page', { anonymousId: 'anon-grace', messageId: 'x-2', name: 'Docs' })).body).toMatchObject({ accepted: 1 });
    expect(
      (await post('group', { userId: 'grace', groupId: 'acme', messageId: 'x-3', traits: { name: 'Acme Inc', employees: 120 } })).body,
    ).toMatchObject({
      accepted: 1,
    });
    const grace = await find({ externalId: 'grace' });
    expect(grace?.attributes).toEqual({ account: { id: 'acme', name: 'Acme Inc', employees: 120 } });
    expect(grace?.touchpoints.edges.map((edge) => edge.node.type)).toEqual(['page_view']);
    expect((await find({ anonymousId: 'anon-grace' }))?.externalId).toBe('grace');
  });

  it('names a rejected identify by the message field it came from', async () => {
    const answer = await post('batch', {
      batch: [
        { type: 'identify', userId: 'bad-email', messageId: 'y-1', traits: { email: 'not an email' } },
        { type: 'identify', userId: 'fine', messageId: 'y-2', traits: { email: 'fine@example.com' } },
      ],
    });
    expect(answer.body).toMatchObject({
      accepted: 1,
      rejected: [{ index: 0, messageId: 'y-1', type: 'identify', field: 'batch[0].traits.email' }],
    });
    expect((answer.body.rejected as Array<{ reason: string }>)[0].reason).toMatch(/^batch\[0\]\.traits\.email: /);
  });
});
