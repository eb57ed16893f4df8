import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/*
 * Hostile input through the real HTTP server: arbitrary strings (NUL, lone
 * surrogates, any code point), numbers (huge, negative, fractional), dates
 * (impossible, out of range, garbage) and nested JSON, in every field of the
 * ingest and customer paths. Invariants: every answer is JSON with a result
 * or GraphQL errors and never INTERNAL_SERVER_ERROR; a bad item is REJECTED
 * alone, the good items of its batch are stored; nothing is half-written.
 */

const RUNS = Number(process.env.CLM_FUZZ_RUNS ?? 100);

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '\u0000', '\uD800', '\uDC00', '😀', '\\', '"', "'", ' '), maxLength: 12 }),
  fc.constantFrom('', ' ', 'constructor', '__proto__', 'x'.repeat(300), 'a@b.co', 'Ada@Example.com'),
);
const hostileDate = fc.oneof(
  fc.constantFrom(
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '10000-01-01T00:00:00Z',
    'yesterday',
    '',
  ),
  fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  hostileText,
);
const hostileNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(1e15, -1e15, 9.99e14, 0.00001),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    hostileText,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileText, tie('value'), { maxKeys: 3 }),
  ),
})).value;
/**
 * JSON nested `depth` levels deep. Kept as a marker and spliced into the
 * request body as text: even JSON.stringify overflows the stack on it.
 */
const deepJson = fc.integer({ min: 30, max: 5000 }).map((depth) => ({ __deep: depth }));
const deepText = (depth: number) => `${'{"nested":'.repeat(depth)}{"leaf":true}${'}'.repeat(depth)}`;
const jsonObject = fc.oneof(fc.dictionary(hostileText, json, { maxKeys: 4 }), deepJson);

/** A touchpoint with some fields replaced by hostile values. */
const hostileItem = fc.record(
  {
    messageId: hostileText,
    customer: fc.record(
      { id: hostileText, externalId: hostileText, email: hostileText, name: hostileText, attributes: jsonObject },
      { requiredKeys: [] },
    ),
    type: hostileText,
    channel: hostileText,
    occurredAt: hostileDate,
    value: hostileNumber,
    currency: hostileText,
    campaign: hostileText,
    properties: jsonObject,
  },
  { requiredKeys: ['messageId', 'customer', 'type', 'channel', 'occurredAt'] },
);

const RECORD = `mutation ($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates rejected results { index status touchpointId error { field message } } }
}`;

type BatchResult = {
  recordTouchpoints: {
    accepted: number;
    results: Array<{ index: number; status: string; touchpointId: string | null; error: { field: string; message: string } | null }>;
  };
};

describe('hostile input through HTTP', () => {
  let server: TestServer;
  let run = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** Posts an operation, splicing deep JSON markers into the body as text. */
  const graphql = async <T>(query: string, variables: Record<string, unknown>) => {
    const body = JSON.stringify({ query, variables }).replace(/\{"__deep":(\d+)\}/g, (_, depth: string) => deepText(Number(depth)));
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
      body,
    });
    expect(response.headers.get('content-type')).toContain('application/json');
    return (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  };

  const noInternalErrors = (errors: Array<{ extensions?: { code?: string } }> | undefined) =>
    expect((errors ?? []).map((error) => error.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');

  it(`rejects each bad touchpoint on its own and stores every good one of its batch (${RUNS} batches)`, async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileItem, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (hostile, goodCount) => {
          run += 1;
          const good = Array.from({ length: goodCount }, (_, index) => ({
            messageId: `fuzz-good-${run}-${index}`,
            customer: { externalId: `fuzz-${run}-${index}` },
            type: 'purchase',
            channel: 'web',
            occurredAt: '2026-03-01T12:00:00Z',
            value: 10,
          }));
          const batch = [...good, ...hostile];
          const response = await graphql<BatchResult>(RECORD, { touchpoints: batch });
          noInternalErrors(response.errors);
          const results = response.data?.recordTouchpoints.results;
          if (!results) return; // refused as a whole by GraphQL's own input checks, nothing stored
          answered += 1;
          expect(results.map((result) => result.index)).toEqual(batch.map((_, index) => index));
          expect(results.slice(0, goodCount).map((result) => result.status)).toEqual(good.map(() => 'ACCEPTED'));
          for (const result of results) {
            if (result.status === 'REJECTED') expect(result.error?.field).toMatch(new RegExp(`^touchpoints\\[${result.index}\\]`));
            else expect(result.touchpointId).not.toBeNull();
          }
          // Exactly the accepted items are stored, each once.
          const accepted = results.filter((result) => result.status === 'ACCEPTED').map((result) => result.touchpointId);
          const stored = await server.db.query<{ id: string }>(`SELECT id::text FROM touchpoints WHERE id = ANY ($1::bigint[])`, [
            accepted,
          ]);
          expect(stored.length).toBe(accepted.length);
        },
      ),
      { numRuns: RUNS },
    );
    // The property is about stored batches: most generated batches must reach the ingest path.
    expect(answered).toBeGreaterThan(RUNS * 0.9);
  }, 120_000);

  it(`answers every hostile customer create, update, lookup and list with a result or a clear error (${RUNS} rounds)`, async () => {
    const fields = fc.record(
      { externalId: hostileText, email: hostileText, name: hostileText, attributes: jsonObject },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fields, fields, hostileText, jsonObject, async (create, update, text, attributes) => {
        const created = await graphql<{ createCustomer: { id: string } }>(
          `
            mutation ($input: CreateCustomerInput!) {
              createCustomer(input: $input) {
                id
                externalId
                email
                attributes
              }
            }
          `,
          { input: create },
        );
        noInternalErrors(created.errors);
        const id = created.data?.createCustomer.id ?? text;
        const updated = await graphql(
          `
            mutation ($id: ID!, $input: UpdateCustomerInput!) {
              updateCustomer(id: $id, input: $input) {
                id
              }
            }
          `,
          {
            id,
            input: update,
          },
        );
        noInternalErrors(updated.errors);
        const found = await graphql(
          `
            query ($id: ID, $e: String, $m: String) {
              a: customer(id: $id) {
                id
              }
              b: customer(externalId: $e) {
                id
              }
              c: customer(email: $m) {
                id
              }
            }
          `,
          {
            id: text,
            e: text,
            m: text,
          },
        );
        noInternalErrors(found.errors);
        const listed = await graphql(
          `
            query ($s: String, $a: JSONObject, $st: [String!], $c: String) {
              customers(first: 3, after: $c, filter: { search: $s, attributes: $a, stages: $st }) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          `,
          { s: text, a: attributes, st: [text], c: text.length > 0 ? text : null },
        );
        noInternalErrors(listed.errors);
        const moved = await graphql(
          `
            mutation ($id: ID!, $r: String!) {
              moveCustomer(id: $id, to: "retention", reason: $r) {
                id
              }
            }
          `,
          { id, r: text },
        );
        noInternalErrors(moved.errors);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
