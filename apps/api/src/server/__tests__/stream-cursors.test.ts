import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ClmError } from '../../core/errors';
import { TRANSITION_STREAM } from '../../modules/lifecycle';
import { SEGMENT_CHANGE_STREAM } from '../../modules/segments';
import { startTestServer } from '../../testing';
import type { GraphQLResponse, TestServer } from '../../testing';
import { encodeLogCursor as encodeCursor } from '../../log';
import { MAX_CURSOR_LENGTH, MAX_IN_FLIGHT } from '../../log/log-position';

/*
 * Cursors handed to the live streams over the API: one of another log is
 * refused with BAD_USER_INPUT naming both, a multi-megabyte one is refused
 * before it is decoded, and over forged cursors every stream either refuses
 * with INVALID_CURSOR or accepts (never anything else, never slowly).
 */

const raw = (text: string) => Buffer.from(text).toString('base64url');

describe('stream cursors', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.ingest.record(
      [{ messageId: 'm1', customer: { externalId: 'ada' }, type: 'signup', channel: 'web', occurredAt: '2026-01-01T00:00:00Z' }],
      (index) => `touchpoints[${index}]`,
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  /**
   * Subscribes and returns the server's answer: its refusal (or first event), or 'live' once the subscription's feed
   * has opened. Both are waited on as state, however long a loaded machine takes to read a multi-megabyte message.
   */
  const subscribe = async (query: string, variables: Record<string, unknown>): Promise<GraphQLResponse | 'live'> => {
    const before = server.subscriptionsStarted();
    const client = server.wsClient();
    let answered = false;
    let stop = () => {};
    const answer = new Promise<GraphQLResponse>((resolve, reject) => {
      stop = client.subscribe(
        { query, variables },
        {
          next: (result) => resolve(result as GraphQLResponse),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => reject(new Error('the subscription completed without an answer')),
        },
      );
    }).finally(() => {
      answered = true;
    });
    const opened = (async () => {
      while (!answered && server.subscriptionsStarted() === before) await new Promise((resolve) => setTimeout(resolve, 10));
      return 'live' as const;
    })();
    try {
      return await Promise.race([answer, opened]);
    } finally {
      stop();
    }
  };

  it('refuses a stage-transition cursor passed to the segment membership and touchpoint streams, naming both logs', async () => {
    const recent = await server.graphql<{ recentTransitions: { cursor: string } }>('{ recentTransitions(first: 1) { cursor } }');
    const cursor = recent.data?.recentTransitions.cursor as string;
    expect(Buffer.from(cursor, 'base64url').toString()).toMatch(/^stage_transitions@[0-9a-f]{16}\/\d+\.0~\d+:\d+:[\d,]*$/);
    const membership = await subscribe(
      'subscription ($after: String) { segmentMembershipChanged(segmentId: "00000000-0000-4000-8000-000000000000", after: $after) { cursor } }',
      { after: cursor },
    );
    expect(membership).toEqual({
      errors: [
        expect.objectContaining({
          message: 'after: a cursor of another stream (stage_transitions), not of segment_membership_changes',
          extensions: { code: 'BAD_USER_INPUT', field: 'after' },
        }),
      ],
    });
    const touchpoints = await subscribe('subscription ($after: String) { touchpointRecorded(after: $after) { cursor } }', {
      after: cursor,
    });
    expect(touchpoints).toEqual({
      errors: [
        expect.objectContaining({
          message: 'after: a cursor of another stream (stage_transitions), not of touchpoints',
          extensions: { code: 'BAD_USER_INPUT', field: 'after' },
        }),
      ],
    });
    // Its own stream takes it.
    expect(await subscribe('subscription ($after: String) { stageTransitions(after: $after) { cursor } }', { after: cursor })).toBe('live');
  });

  it('refuses a multi-megabyte cursor with a huge in-flight list at once, over WebSocket', async () => {
    const list = Array.from({ length: 400_000 }, (_, index) => 10 + index).join(',');
    const cursor = raw(`stage_transitions/10.0~10:400010:${list}`);
    expect(cursor.length).toBeGreaterThan(3_000_000);
    const answer = await subscribe('subscription ($after: String) { stageTransitions(after: $after) { cursor } }', { after: cursor });
    // Refused on its length, before it is decoded (decodeCursor checks the length first; a scanned list took tens of seconds).
    expect(answer).toEqual({
      errors: [
        expect.objectContaining({
          message: `after: longer than ${MAX_CURSOR_LENGTH} characters: not a cursor returned by this API`,
          extensions: { code: 'BAD_USER_INPUT', field: 'after' },
        }),
      ],
    });
  });

  it('over forged cursors, each stream refuses with INVALID_CURSOR or accepts, never anything else', async () => {
    const [{ xmax }] = await server.db.query<{ xmax: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
    const now = BigInt(xmax);
    const txId = fc.oneof(fc.bigInt({ min: 0n, max: now + 5n }), fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 64n));
    const forged = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
      fc
        .tuple(
          fc.constantFrom(undefined, 'stage_transitions', 'segment_membership_changes', 'touchpoints'),
          txId,
          fc.bigInt({ min: 0n, max: 99n }),
        )
        .map(([log, position, id]) => encodeCursor({ position: { txId: position, id }, snapshot: null }, log)),
      fc
        .tuple(txId, fc.integer({ min: 0, max: MAX_IN_FLIGHT + 2 }))
        .map(([xmin, count]) =>
          raw(
            `stage_transitions/${xmin}.0~${xmin}:${xmin + BigInt(count)}:${Array.from({ length: count }, (_, index) => xmin + BigInt(index)).join(',')}`,
          ),
        ),
    );
    const streams = [server.services.streams.get(TRANSITION_STREAM), server.services.streams.get(SEGMENT_CHANGE_STREAM)];
    await fc.assert(
      fc.asyncProperty(forged, fc.constantFrom(0, 1), async (cursor, which) => {
        try {
          await streams[which].open(() => false, cursor);
        } catch (error) {
          expect(error instanceof ClmError && error.code).toBe('INVALID_CURSOR');
        }
      }),
      { numRuns: 100 },
    );
  });
});
