import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Client } from 'pg';
import { Scope } from '../../core/principal';
import { encodeLogCursor, readDatabaseFingerprint } from '../../log';
import { startTestServer, TEST_EXPENSIVE_WORK } from '../../testing';
import type { GraphQLResponse, TestServer } from '../../testing';

/*
 * The limits that keep one key from holding clm hostage, over real HTTP and
 * WebSocket on a real database: a cost limit per key, a rate limit on a
 * key's refusals (answered at the door), a total time limit per request, and
 * stream cursors that name the database that handed them out.
 */

type Answer = { status: number; retryAfter: string | null; body: GraphQLResponse };

const PREVIEW = 'query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }';
/** One behaviour condition over all history: 1 + 100 + ⌈3650 ÷ 4⌉ = 1,014, plus 1 for `count`. */
const PREVIEW_RULE = { behaviour: { types: ['purchase'], operator: 'GTE', value: 1 } };
const PREVIEW_COST = 1015;

async function post(server: TestServer, key: string, body: string): Promise<Answer> {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as GraphQLResponse };
}

/** The first result of one operation over WebSocket (a subscription's first event, or its error). */
function overWebSocket(server: TestServer, key: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  const client = server.wsClient(key);
  return new Promise((resolve, reject) => {
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          resolve(result as GraphQLResponse);
          stop();
        },
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => undefined,
      },
    );
  });
}

describe('a cost limit per key', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const createKey = (maxCost: unknown) =>
    server.graphql<{ createApiKey: { apiKey: { id: string; maxCost: number | null }; key: string } }>(
      'mutation ($maxCost: Int) { createApiKey(name: "limited", scopes: [READ], maxCost: $maxCost) { key apiKey { id maxCost } } }',
      { maxCost },
    );

  it("refuses a key's operation above its own limit, over HTTP and WebSocket, and the server's limit applies again once it is cleared", async () => {
    const created = await createKey(PREVIEW_COST - 1);
    expect(created.data?.createApiKey.apiKey.maxCost).toBe(PREVIEW_COST - 1);
    const { key, apiKey } = created.data?.createApiKey ?? { key: '', apiKey: { id: '' } };
    const refused = await post(server, key, JSON.stringify({ query: PREVIEW, variables: { rule: PREVIEW_RULE } }));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: `operation cost ${PREVIEW_COST} exceeds the limit of ${PREVIEW_COST - 1} (previewSegment ${PREVIEW_COST - 1}); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions`,
        extensions: expect.objectContaining({ code: 'COST_LIMIT_EXCEEDED', cost: PREVIEW_COST, limit: PREVIEW_COST - 1 }),
      }),
    ]);
    const overSocket = await overWebSocket(server, key, PREVIEW, { rule: PREVIEW_RULE });
    expect(overSocket.errors?.[0]).toMatchObject({
      message: expect.stringContaining(`exceeds the limit of ${PREVIEW_COST - 1}`),
      extensions: { code: 'COST_LIMIT_EXCEEDED' },
    });

    const cleared = await server.graphql<{ setApiKeyCostLimit: { maxCost: number | null } }>(
      'mutation ($id: ID!) { setApiKeyCostLimit(id: $id, maxCost: null) { maxCost } }',
      { id: apiKey.id },
    );
    expect(cleared).toEqual({ data: { setApiKeyCostLimit: { maxCost: null } } });
    const answered = await post(server, key, JSON.stringify({ query: PREVIEW, variables: { rule: PREVIEW_RULE } }));
    expect(answered.body).toEqual({ data: { previewSegment: { count: 0 } } });
  });

  it('lets an admin raise a key above the server limit', async () => {
    const { key, apiKey } = (await createKey(null)).data?.createApiKey ?? { key: '', apiKey: { id: '' } };
    // 11 behaviour conditions: 11 × 1,015 + 1 (the or) + 1 (count) > 10,000.
    const rule = { or: Array.from({ length: 11 }, () => PREVIEW_RULE) };
    const body = JSON.stringify({ query: PREVIEW, variables: { rule } });
    expect((await post(server, key, body)).body.errors?.[0].extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 10_000 });
    await server.graphql('mutation ($id: ID!) { setApiKeyCostLimit(id: $id, maxCost: 20000) { maxCost } }', { id: apiKey.id });
    expect((await post(server, key, body)).body).toEqual({ data: { previewSegment: { count: 0 } } });
  });

  it('stores any limit from 1 to 2,147,483,647 exactly, and refuses every other value naming maxCost, never with an internal error', async () => {
    const { apiKey } = (await createKey(null)).data?.createApiKey ?? { apiKey: { id: '' } };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 1, max: 2_147_483_647 }),
          fc.integer({ min: -2_147_483_648, max: 0 }),
          // Finite: JSON sends ±Infinity as null, which clears the limit (tested above), not a value to refuse.
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(2_147_483_648, Number.MAX_SAFE_INTEGER, '12', true, [5]),
        ),
        async (maxCost) => {
          const answer = await server.graphql<{ setApiKeyCostLimit: { maxCost: number } }>(
            'mutation ($id: ID!, $maxCost: Int) { setApiKeyCostLimit(id: $id, maxCost: $maxCost) { maxCost } }',
            { id: apiKey.id, maxCost },
          );
          if (typeof maxCost === 'number' && Number.isInteger(maxCost) && maxCost >= 1 && maxCost <= 2_147_483_647) {
            expect(answer).toEqual({ data: { setApiKeyCostLimit: { maxCost } } });
          } else {
            expect(answer.data ?? null).toBeNull();
            expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
            expect(answer.errors?.[0].message).toMatch(/maxCost/);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a limit for a key that does not exist, or a forged id, with NOT_FOUND', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "x' OR 1=1 --"]) {
      const answer = await server.graphql('mutation ($id: ID!) { setApiKeyCostLimit(id: $id, maxCost: 5) { maxCost } }', { id });
      expect(answer.errors?.[0]).toMatchObject({ message: `no API key with id "${id}"`, extensions: { code: 'NOT_FOUND', field: 'id' } });
    }
  });
});

describe('a rate limit on the refusals of a key', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Three refusals at once, then one a second: the fourth refusal in a row rate-limits the key.
    server = await startTestServer({ expensiveWork: { ...TEST_EXPENSIVE_WORK, refusalsPerMinute: 60, refusalBurst: 3 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After at the door, before the body is read, to that key only, and serves it again once it waited', async () => {
    const greedy = await server.createKey([Scope.READ]);
    const polite = await server.createKey([Scope.READ]);
    const tooCostly = JSON.stringify({ query: PREVIEW, variables: { rule: { or: Array.from({ length: 11 }, () => PREVIEW_RULE) } } });
    for (let refusal = 0; refusal < 4; refusal++) {
      expect((await post(server, greedy, tooCostly)).body.errors?.[0].extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    }
    // Not JSON: had the body been read, this would be 400 BAD_REQUEST.
    const atTheDoor = await post(server, greedy, 'not JSON {');
    expect(atTheDoor.status).toBe(429);
    expect(atTheDoor.retryAfter).toBe('1');
    expect(atTheDoor.body).toEqual({
      errors: [
        {
          message:
            'this API key was refused more than 60 times a minute (it did not wait as Retry-After asked); every request is refused for 1 s (CLM_KEY_REFUSALS_PER_MINUTE)',
          extensions: { code: 'RATE_LIMITED', retryAfter: 1 },
        },
      ],
    });
    const overSocket = await overWebSocket(server, greedy, '{ viewer { name } }');
    expect(overSocket.errors?.[0]).toMatchObject({
      message: expect.stringContaining('every request is refused for 1 s'),
      extensions: { code: 'RATE_LIMITED' },
    });
    expect((await post(server, polite, JSON.stringify({ query: '{ viewer { scopes } }' }))).body).toEqual({
      data: { viewer: { scopes: ['READ'] } },
    });
    // A token refills in a second: then the key is served again (waited on, not timed).
    let answer = await post(server, greedy, JSON.stringify({ query: '{ viewer { scopes } }' }));
    while (answer.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, Number(answer.retryAfter) * 250));
      answer = await post(server, greedy, JSON.stringify({ query: '{ viewer { scopes } }' }));
    }
    expect(answer.body).toEqual({ data: { viewer: { scopes: ['READ'] } } });
  });
});

describe('a total time limit per request', () => {
  const LIMIT_MS = 1500;
  let server: TestServer;
  let locker: Client;

  beforeAll(async () => {
    // Statements may run a minute: only the request's own limit can end these.
    server = await startTestServer({ requestTimeoutMs: LIMIT_MS, limits: { read: { statementTimeoutMs: 60_000, connections: 4 } } });
    locker = new Client({ connectionString: server.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await server?.close();
  });

  /** Statements of clm's interactive reads waiting for a lock now. */
  const waitingReads = async (): Promise<number> => {
    const { rows } = await locker.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'clm:read' AND wait_event_type = 'Lock'`,
    );
    return rows[0].waiting;
  };

  it('cancels a request still running at its limit, over HTTP and WebSocket, with QUERY_TIMEOUT naming CLM_REQUEST_TIMEOUT_MS', async () => {
    const key = await server.createKey([Scope.READ]);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
    try {
      const expected = {
        message: 'this request took longer than the 1.5 s limit for one request (CLM_REQUEST_TIMEOUT_MS)',
        extensions: { code: 'QUERY_TIMEOUT', limitMs: LIMIT_MS, setting: 'CLM_REQUEST_TIMEOUT_MS' },
      };
      const overHttp = await post(server, key, JSON.stringify({ query: '{ customers(first: 5) { totalCount } }' }));
      expect(overHttp.body.errors?.[0]).toMatchObject(expected);
      const overSocket = await overWebSocket(server, key, '{ customers(first: 5) { totalCount } }');
      expect(overSocket.errors?.[0]).toMatchObject(expected);
      // Nothing of them is left waiting on the lock.
      while ((await waitingReads()) > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      await locker.query('ROLLBACK');
    }
    expect((await post(server, key, JSON.stringify({ query: '{ customers(first: 5) { totalCount } }' }))).body).toEqual({
      data: { customers: { totalCount: 0 } },
    });
  });
});

describe('stream cursors name their database', () => {
  let first: TestServer;
  let second: TestServer;

  const record = (server: TestServer, externalId: string) =>
    server.services.ingest.record(
      [{ messageId: `m-${externalId}`, customer: { externalId }, type: 'signup', channel: 'web', occurredAt: '2026-01-01T00:00:00Z' }],
      (index) => `touchpoints[${index}]`,
    );

  beforeAll(async () => {
    [first, second] = await Promise.all([startTestServer(), startTestServer()]);
    await record(first, 'ada');
    // The second database is further along: without the fingerprint, the first's cursor would look like one of its own.
    for (const externalId of ['bob', 'cy', 'dee']) await record(second, externalId);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  const TRANSITIONS = 'subscription ($after: String) { stageTransitions(after: $after) { cursor } }';

  it("refuses another database's cursor with INVALID_CURSOR, and takes its own", async () => {
    const recent = await first.graphql<{ recentTransitions: { cursor: string } }>('{ recentTransitions(first: 1) { cursor } }');
    const cursor = recent.data?.recentTransitions.cursor as string;
    const fingerprint = await readDatabaseFingerprint(first.db);
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(cursor, 'base64url').toString()).toMatch(new RegExp(`^stage_transitions@${fingerprint}/\\d+\\.0~`));
    const elsewhere = await overWebSocket(second, second.adminKey, TRANSITIONS, { after: cursor });
    expect(elsewhere).toEqual({
      errors: [
        expect.objectContaining({
          message: 'after: a cursor handed out by another database: its positions mean nothing here; subscribe without one',
          extensions: { code: 'BAD_USER_INPUT', field: 'after' },
        }),
      ],
    });
    // Its own database replays what came after it.
    await record(first, 'eve');
    const replayed = await overWebSocket(first, first.adminKey, TRANSITIONS, { after: cursor });
    expect(replayed.errors).toBeUndefined();
  });

  it('over forged fingerprints, refuses every cursor not of this database', async () => {
    const own = await readDatabaseFingerprint(second.db);
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[0-9a-f]{16}$/).filter((fingerprint) => fingerprint !== own),
        fc.bigInt({ min: 1n, max: 2n ** 40n }),
        async (fingerprint, txId) => {
          const forged = encodeLogCursor({ position: { txId, id: 1n }, snapshot: null }, 'stage_transitions', fingerprint);
          const answer = await overWebSocket(second, second.adminKey, TRANSITIONS, { after: forged });
          expect(answer.errors?.[0]).toMatchObject({
            message: 'after: a cursor handed out by another database: its positions mean nothing here; subscribe without one',
            extensions: { code: 'BAD_USER_INPUT', field: 'after' },
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});
