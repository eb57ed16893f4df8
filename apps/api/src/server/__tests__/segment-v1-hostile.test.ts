import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { textProblem } from '../../core/ids';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/*
 * Hostile bodies on /v1, as properties over the real server and database:
 * whatever a client sends is a 2xx or a clear 4xx (a JSON body with a code
 * and a message), never a 5xx; and in a batch mixing good messages with
 * anything at all, every good message is stored, each exactly once.
 */

const ROUTES = ['track', 'page', 'screen', 'identify', 'group', 'alias', 'batch', 'import', 'b', 't', 'nowhere'];

describe('hostile bodies on /v1', () => {
  let server: TestServer;
  let authorization: string;
  beforeAll(async () => {
    server = await startTestServer();
    authorization = `Basic ${Buffer.from(`${await server.createKey([Scope.INGEST])}:`).toString('base64')}`;
  });
  afterAll(async () => {
    await server.close();
  });

  /**
   * One request on a connection of its own (no keep-alive): a reused socket the server is closing at that moment
   * would fail the request with ECONNRESET (seen once on a loaded machine), which says nothing about the answer.
   */
  const send = (route: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpRequest(
        `${server.v1Url}/${route}`,
        { method: 'POST', agent: false, headers: { authorization, ...headers } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  /** A 2xx, or a 4xx whose JSON body says what is wrong: never a 5xx, never an HTML page. */
  const expectClientAnswer = ({ status, text }: { status: number; text: string }) => {
    expect(status).toBeLessThan(500);
    const body = JSON.parse(text) as { success: boolean; error?: { code: string; message: string } };
    if (status >= 400) expect(body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    else expect(body.success).toBe(true);
  };

  it('answers any JSON value on any route with a 2xx or a clear 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.jsonValue({ maxDepth: 6 }), async (route, value) => {
        expectClientAnswer(await send(route, JSON.stringify(value), { 'content-type': 'application/json' }));
      }),
      { numRuns: 150 },
    );
  });

  it('answers any bytes, text with NUL and lone surrogates, and absurd nesting with a 2xx or a clear 4xx', async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const hostileText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('\u0000', '\ud800', 'x\udfff', '\ufeff'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((bytes) => bytes as Uint8Array),
          hostileText.map((text) => JSON.stringify({ userId: text, event: text, anonymousId: text, properties: { [text]: text } })),
          hostileText.map((text) => JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: text, timestamp: text }] })),
          fc.integer({ min: 1, max: 100_000 }).map((depth) => nested(depth)),
          fc.integer({ min: 1, max: 100_000 }).map((depth) => `{"batch":${'['.repeat(depth)}${']'.repeat(depth)}}`),
        ),
        async (route, body) => {
          expectClientAnswer(await send(route, body));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('stores every good message of a batch mixed with anything at all, each once, and rejects the rest one by one', async () => {
    let run = 0;
    const good = fc.record({
      event: fc.constantFrom('Signed Up', 'Order Completed', 'Video Played', 'Product Reviewed'),
      userId: fc.constantFrom('hostile-1', 'hostile-2', 'hostile-3'),
      properties: fc.record({
        revenue: fc.integer({ min: 0, max: 1000 }),
        note: fc.string({ maxLength: 20 }).filter((text) => textProblem(text) === null),
      }),
    });
    const junk = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.record({ type: fc.constant('track'), userId: fc.constantFrom('\u0000', '', '\ud800'), event: fc.string() }),
      fc.record({
        type: fc.constant('track'),
        userId: fc.constant('hostile-1'),
        event: fc.constant('Late'),
        timestamp: fc.string({ maxLength: 10 }),
      }),
      fc.record({
        type: fc.constant('track'),
        userId: fc.constant('hostile-1'),
        event: fc.constant('Huge'),
        properties: fc.constant({ blob: 'z'.repeat(40_000) }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            good.map((message) => ({ good: message })),
            junk.map((message) => ({ junk: message })),
          ),
          { maxLength: 30 },
        ),
        async (items) => {
          run += 1;
          const batch = items.map((item, index) =>
            'good' in item ? { type: 'track', messageId: `run-${run}-${index}`, ...item.good } : item.junk,
          );
          const goodIds = items.flatMap((item, index) => ('good' in item ? [`run-${run}-${index}`] : []));
          const answer = await send('batch', JSON.stringify({ batch }), { 'content-type': 'application/json' });
          expect(answer.status).toBe(200);
          const body = JSON.parse(answer.text) as {
            accepted: number;
            duplicates: number;
            rejected: Array<{ index: number; reason: string }>;
          };
          expect(body.accepted).toBe(goodIds.length);
          const rejectedAt = new Set(body.rejected.map((rejection) => rejection.index));
          items.forEach((item, index) => {
            if ('good' in item) expect(rejectedAt.has(index)).toBe(false);
          });
          expect(body.accepted + body.duplicates + body.rejected.length).toBe(items.length);
          const stored = await server.db.query<{ message_id: string }>(
            'SELECT message_id FROM touchpoints WHERE message_id = ANY($1) ORDER BY message_id',
            [goodIds],
          );
          expect(stored.map((row) => row.message_id)).toEqual([...goodIds].sort());
        },
      ),
      { numRuns: 40 },
    );
  });
});
