import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
});
