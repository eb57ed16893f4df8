import { generateApiKey } from '../support/api-process';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { postGraphQL } from '../support/graphql-http';
import type { GraphQLErrorBody } from '../support/graphql-http';
import { subscribe } from '../support/graphql-ws';
import { createWarmUpCustomer, waitUntilLive } from '../support/live-stream';

/*
 * Who may do what, and which operations are refused before they run, over
 * both transports of one API process: GraphQL over HTTP and graphql-ws.
 */

const QUERY = `{ customers(first: 1) { totalCount } }`;
const INGEST = `mutation { recordTouchpoints(touchpoints: [{ messageId: "auth-probe", customer: { externalId: "probe" }, type: "page_view", channel: "web", occurredAt: "2025-01-01T00:00:00Z" }]) { accepted duplicates } }`;
const ADMIN = `mutation { runInactivitySweep(asOf: "2020-01-01T00:00:00Z") { examined } }`;
const SUBSCRIPTION = `subscription { stageTransitions { cursor } }`;

const MISSING_KEY = { message: 'missing API key: send "Authorization: Bearer <key>"', extensions: { code: 'UNAUTHENTICATED' } };
const INVALID_KEY = { message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } };

/** 16 aliases: one more than CLM_MAX_ALIASES allows by default. */
const TOO_MANY_ALIASES = `{ ${Array.from({ length: 16 }, (_, index) => `a${index}: viewer { name }`).join(' ')} }`;
/** 12 levels deep: more than CLM_MAX_DEPTH (10). */
const TOO_DEEP = `{ customers { edges { node { transitions { edges { node { customer { touchpoints { edges { node { customer { id } } } } } } } } } } } }`;
/** More than CLM_MAX_TOKENS (5000) tokens. */
const TOO_MANY_TOKENS = `{ viewer { ${'name '.repeat(5001)}} }`;
/** 1 + 500 × (1 + 1 + (1 + 200 × (1 + 1 + 1))) = 301501, above CLM_MAX_COST (10000). */
const TOO_COSTLY = `{ customers(first: 500) { edges { node { touchpoints(first: 200) { edges { node { id } } } } } } }`;
const MISSPELLED = `{ customer(externalId: "x") { emial } }`;

const DEPTH_ERROR = { message: 'query depth 12 exceeds the limit of 10', code: 'GRAPHQL_VALIDATION_FAILED' };
const ALIAS_ERROR = { message: '16 aliases exceed the limit of 15', code: 'GRAPHQL_VALIDATION_FAILED' };
const TOKEN_ERROR = { message: 'Syntax Error: Document contains more that 5000 tokens. Parsing aborted.', code: 'GRAPHQL_PARSE_FAILED' };
const COST_ERROR = {
  message: 'operation cost 301501 exceeds the limit of 10000; ask for fewer items or fields',
  code: 'COST_LIMIT_EXCEEDED',
};
const UNKNOWN_FIELD_ERROR = { message: 'Cannot query field "emial" on type "Customer".', code: 'GRAPHQL_VALIDATION_FAILED' };

type Outcome = 'data' | 'FORBIDDEN';

describe('authentication, scopes and operation limits', () => {
  let clm: ClmEnvironment;
  const keys: Record<'ingest' | 'read' | 'admin', string> = { ingest: '', read: '', admin: '' };

  beforeAll(async () => {
    clm = await startClm();
    keys.admin = clm.api.adminKey;
    keys.ingest = await clm.createKey('ingest key', ['INGEST']);
    keys.read = await clm.createKey('read key', ['READ']);
  });
  afterAll(async () => {
    await clm?.close();
  });

  const http = (query: string, key: string | null, headers: Record<string, string> = {}) =>
    postGraphQL(clm.api.graphqlUrl, query, { key, headers });
  const codes = (errors: GraphQLErrorBody[] | undefined) => (errors ?? []).map((error) => error.extensions?.code);

  describe('over HTTP', () => {
    it.each([
      ['a query', QUERY],
      ['recordTouchpoints', INGEST],
      ['an admin mutation', ADMIN],
    ])('answers %s without a key with HTTP 401 UNAUTHENTICATED', async (_kind, query) => {
      const response = await http(query, null);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: [MISSING_KEY] });
    });

    it.each([
      ['an unknown key', `Bearer ${generateApiKey()}`, INVALID_KEY],
      ['a malformed key', 'Bearer not-a-clm-key', INVALID_KEY],
      ['another scheme', `Basic ${Buffer.from('user:password').toString('base64')}`, MISSING_KEY],
    ])('answers a request with %s with HTTP 401 UNAUTHENTICATED', async (_kind, authorization, expected) => {
      for (const query of [QUERY, INGEST, ADMIN]) {
        const response = await http(query, null, { authorization });
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ errors: [expected] });
      }
    });

    const matrix: Array<[keyof typeof keys, string, Outcome, string]> = [
      ['ingest', 'a query', 'FORBIDDEN', QUERY],
      ['ingest', 'recordTouchpoints', 'data', INGEST],
      ['ingest', 'an admin mutation', 'FORBIDDEN', ADMIN],
      ['read', 'a query', 'data', QUERY],
      ['read', 'recordTouchpoints', 'FORBIDDEN', INGEST],
      ['read', 'an admin mutation', 'FORBIDDEN', ADMIN],
      ['admin', 'a query', 'data', QUERY],
      ['admin', 'recordTouchpoints', 'data', INGEST],
      ['admin', 'an admin mutation', 'data', ADMIN],
    ];
    it.each(matrix)('answers the %s key running %s with %s', async (scope, _kind, outcome, query) => {
      const response = await http(query, keys[scope]);
      expect(response.status).toBe(200);
      if (outcome === 'data') {
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data).not.toBeNull();
      } else {
        expect(response.body.data).toBeNull();
        expect(codes(response.body.errors)).toEqual(['FORBIDDEN']);
      }
    });

    it('names the missing scope and the key in a FORBIDDEN message', async () => {
      const response = await http(ADMIN, keys.read);
      expect(response.body.errors?.[0].message).toBe('Mutation.runInactivitySweep needs the "admin" scope; key "read key" has read');
    });

    it.each([
      ['a too-deep query', TOO_DEEP, DEPTH_ERROR],
      ['a query with too many aliases', TOO_MANY_ALIASES, ALIAS_ERROR],
      ['a query with too many tokens', TOO_MANY_TOKENS, TOKEN_ERROR],
      ['a misspelled field', MISSPELLED, UNKNOWN_FIELD_ERROR],
    ])('refuses %s with HTTP 400 and its error', async (_kind, query, expected) => {
      const response = await http(query, keys.admin);
      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors?.map((error) => ({ message: error.message, code: error.extensions?.code }))).toEqual([expected]);
    });

    it('refuses a too-costly query before running it, as a client error (HTTP 400)', async () => {
      const response = await http(TOO_COSTLY, keys.admin);
      expect(response.body.errors?.map((error) => ({ message: error.message, code: error.extensions?.code }))).toEqual([COST_ERROR]);
      expect(response.status).toBe(400);
    });

    it('never suggests field names ("Did you mean") for unknown fields', async () => {
      const response = await http(`{ customers { totalCont edges { nod { emial } } } }`, keys.admin);
      expect(response.body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(response.body)).not.toContain('Did you mean');
    });
  });

  describe('over WebSocket', () => {
    it('closes the socket with 4403 and the reason when the key is missing', async () => {
      const connection = clm.connectWs(null);
      expect(await connection.closed).toEqual({ code: 4403, reason: `UNAUTHENTICATED: ${MISSING_KEY.message}` });
    });

    it('closes the socket with 4403 and the reason when the key is unknown', async () => {
      const connection = clm.connectWs(generateApiKey());
      expect(await connection.closed).toEqual({ code: 4403, reason: `UNAUTHENTICATED: ${INVALID_KEY.message}` });
    });

    it.each([['read' as const], ['admin' as const]])('lets the %s key subscribe to stageTransitions', async (scope) => {
      const connection = clm.connectWs(keys[scope]);
      const subscription = subscribe<{ stageTransitions: { cursor: string } }>(connection.client, SUBSCRIPTION);
      await waitUntilLive(subscription, createWarmUpCustomer(clm.admin));
      expect(subscription.results()[0]).toEqual({ data: { stageTransitions: { cursor: expect.any(String) } } });
      subscription.unsubscribe();
    });

    it('answers an ingest-only key that subscribes with FORBIDDEN and ends the subscription', async () => {
      const connection = clm.connectWs(keys.ingest);
      const subscription = subscribe(connection.client, SUBSCRIPTION);
      expect(await subscription.ended).toEqual({ error: null });
      expect(subscription.results()).toEqual([
        {
          errors: [
            {
              message: 'Subscription.stageTransitions needs the "read" scope; key "ingest key" has ingest',
              extensions: { code: 'FORBIDDEN' },
            },
          ],
        },
      ]);
    });

    it.each([
      ['a too-deep query', TOO_DEEP, DEPTH_ERROR],
      ['a query with too many aliases', TOO_MANY_ALIASES, ALIAS_ERROR],
      ['a query with too many tokens', TOO_MANY_TOKENS, TOKEN_ERROR],
      ['a too-costly query', TOO_COSTLY, COST_ERROR],
      ['a misspelled field', MISSPELLED, UNKNOWN_FIELD_ERROR],
    ])('refuses %s with the same error as HTTP', async (_kind, query, expected) => {
      const connection = clm.connectWs(keys.admin);
      const subscription = subscribe(connection.client, query);
      const { error } = await subscription.ended;
      expect(subscription.results()).toEqual([]);
      expect((error as GraphQLErrorBody[]).map((item) => ({ message: item.message, code: item.extensions?.code }))).toEqual([expected]);
    });

    it('never suggests field names ("Did you mean") for unknown fields', async () => {
      const connection = clm.connectWs(keys.admin);
      const subscription = subscribe(connection.client, `{ customers { totalCont edges { nod { emial } } } }`);
      const { error } = await subscription.ended;
      expect((error as GraphQLErrorBody[]).length).toBeGreaterThan(0);
      expect(JSON.stringify(error)).not.toContain('Did you mean');
    });
  });

  it('refuses a revoked key at once, over HTTP and WebSocket', async () => {
    const { createApiKey } = await clm.admin.data<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      `mutation { createApiKey(name: "short-lived", scopes: [READ]) { key apiKey { id } } }`,
    );
    const key = createApiKey.key;
    expect((await http(QUERY, key)).status).toBe(200);
    await clm.admin.data(`mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: createApiKey.apiKey.id });

    const response = await http(QUERY, key);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: [INVALID_KEY] });
    const connection = clm.connectWs(key);
    expect(await connection.closed).toEqual({ code: 4403, reason: `UNAUTHENTICATED: ${INVALID_KEY.message}` });
  });
});
