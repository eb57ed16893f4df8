import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';
import { MAX_VARIABLES_DEPTH, variablesDepthError } from '../operation-limits';
import { buildClmSchema } from '../schema';

/** The JSON text of a segment rule nested `depth` levels of `not` (written as text: JSON.stringify itself overflows long before 50,000). */
function nestedRule(depth: number): string {
  return `${'{"not":'.repeat(depth)}{"field":{"field":"ORDERS","operator":"EXISTS"}}${'}'.repeat(depth)}`;
}

const PREVIEW = `query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }`;
const REFUSED = `variables.rule: nested deeper than ${MAX_VARIABLES_DEPTH} levels`;

describe('variables nested absurdly deep', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("are told apart by the depth of typed input alone; JSON values inside are the services' to check", async () => {
    const schema = await buildClmSchema();
    const preview = `query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }`;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * MAX_VARIABLES_DEPTH }), (levels) => {
        let rule: unknown = { field: { field: 'ORDERS', operator: 'EXISTS' } };
        for (let level = 0; level < levels; level += 1) rule = { not: rule };
        // The leaf's `field` object sits at depth levels + 1.
        expect(variablesDepthError(schema, preview, { rule }) !== null).toBe(levels + 1 >= MAX_VARIABLES_DEPTH);
      }),
    );
    // A JSON scalar 5,000 levels deep (a touchpoint's properties) is left to the ingest validation, which names the item.
    let properties: unknown = { leaf: true };
    for (let level = 0; level < 5_000; level += 1) properties = { nested: properties };
    const record = `mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`;
    expect(variablesDepthError(schema, record, { t: [{ properties }] })).toBeNull();
  });

  it.each([200, 5_000, 50_000])('%i levels over HTTP: a clear BAD_USER_INPUT, before GraphQL coerces them', async (depth) => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
      body: `{"query":${JSON.stringify(PREVIEW)},"variables":{"rule":${nestedRule(depth)}}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: REFUSED, extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('5,000 levels over WebSocket: the same error, and the connection stays usable', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const messages: Array<{ id?: string; type: string; payload?: unknown }> = [];
    const arrived = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => (messages.length >= count ? resolve() : setTimeout(check, 10));
        check();
      });
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
    await new Promise((resolve) => socket.once('open', resolve));
    try {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${server.adminKey}` } }));
      await arrived(1);
      socket.send(
        `{"id":"deep","type":"subscribe","payload":{"query":${JSON.stringify(PREVIEW)},"variables":{"rule":${nestedRule(5_000)}}}}`,
      );
      await arrived(2);
      expect(messages[1]).toEqual({ id: 'deep', type: 'error', payload: [{ message: REFUSED, extensions: { code: 'BAD_USER_INPUT' } }] });
      // A rule of ordinary depth on the same socket still runs.
      socket.send(`{"id":"fine","type":"subscribe","payload":{"query":${JSON.stringify(PREVIEW)},"variables":{"rule":${nestedRule(3)}}}}`);
      await arrived(4);
      expect(messages.slice(2)).toEqual([
        { id: 'fine', type: 'next', payload: { data: { previewSegment: { count: 0 } } } },
        { id: 'fine', type: 'complete' },
      ]);
    } finally {
      socket.close();
    }
  });
});
