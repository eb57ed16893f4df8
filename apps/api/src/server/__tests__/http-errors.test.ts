import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/** Every answer from /graphql is JSON in the GraphQL error shape, whatever went wrong before GraphQL ran. */
describe('HTTP errors on /graphql', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const post = async (body: string | Buffer, key: string | null = server.adminKey) => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body,
    });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as unknown };
  };

  it.each([['{"query": '], ['not json at all'], ['{"query": "{ viewer { name } }"'], ['\u0000']])(
    'answers a body that is not JSON (%j) with 400 and BAD_REQUEST as JSON',
    async (body) => {
      const answer = await post(body);
      expect(answer).toEqual({
        status: 400,
        type: expect.stringContaining('application/json'),
        body: { errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] },
      });
    },
  );

  it('answers a body over 5 MB with 413 and PAYLOAD_TOO_LARGE as JSON', async () => {
    const answer = await post(JSON.stringify({ query: `{ viewer { name } }`, variables: { padding: 'x'.repeat(6 * 1024 * 1024) } }));
    expect(answer).toEqual({
      status: 413,
      type: expect.stringContaining('application/json'),
      body: {
        errors: [{ message: 'the request body is larger than 5 MB; send smaller batches', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
      },
    });
  });

  it('refuses a request without a key before reading its body: 401 even for a malformed, oversize body', async () => {
    const answer = await post(Buffer.alloc(6 * 1024 * 1024, 'x'), null);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      errors: [{ message: 'missing API key: send "Authorization: Bearer <key>"', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it.each([
    ['subscription { stageTransitions { cursor } }'],
    ['subscription Live($id: ID!) { segmentMembershipChanged(segmentId: $id) { cursor } }'],
  ])('refuses a subscription sent over HTTP (%s) with 400 and BAD_REQUEST, before anything runs', async (query) => {
    const answer = await post(JSON.stringify({ query }));
    expect(answer).toEqual({
      status: 400,
      type: expect.stringContaining('application/json'),
      body: {
        errors: [
          {
            message: 'subscriptions are served over WebSocket (graphql-ws protocol) on /graphql, not over HTTP',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      },
    });
  });

  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const query = '{ viewer { name } }';

  it.each([
    [
      "a hash that is not the query's",
      { version: 1, sha256Hash: sha256(`${query} `) },
      'extensions.persistedQuery.sha256Hash: not the SHA-256 of the query sent',
    ],
    ['an unsupported version', { version: 2, sha256Hash: sha256(query) }, 'extensions.persistedQuery.version: only version 1 is supported'],
  ])('answers a persisted query with %s with 400 and BAD_REQUEST', async (_case, persistedQuery, message) => {
    const answer = await post(JSON.stringify({ query, extensions: { persistedQuery } }));
    expect(answer).toEqual({
      status: 400,
      type: expect.stringContaining('application/json'),
      body: { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] },
    });
  });

  it('answers a persisted-query hash it does not know, sent without its query, with PERSISTED_QUERY_NOT_FOUND (APQ clients then send the query)', async () => {
    const answer = await post(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } }));
    expect(answer.body).toEqual({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
  });

  it('runs a persisted query whose hash matches, and then knows it by its hash alone', async () => {
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    expect((await post(JSON.stringify({ query, extensions: { persistedQuery } }))).body).toEqual({
      data: { viewer: { name: 'test admin' } },
    });
    expect((await post(JSON.stringify({ extensions: { persistedQuery } }))).body).toEqual({ data: { viewer: { name: 'test admin' } } });
  });
});
