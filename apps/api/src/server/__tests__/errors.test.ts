import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { ClmError } from '../../core/errors';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { GraphQLResponse, TestServer } from '../../testing';
import { clientErrorOf, describeErrorCode, ERROR_CODES } from '../error-mapping';

describe('the error mapping', () => {
  it('maps every code to a GraphQL code and an HTTP status', () => {
    expect(Object.fromEntries(ERROR_CODES.map((code) => [code, describeErrorCode(code)]))).toEqual({
      UNAUTHENTICATED: { graphqlCode: 'UNAUTHENTICATED', httpStatus: 401 },
      FORBIDDEN: { graphqlCode: 'FORBIDDEN', httpStatus: 403 },
      INVALID_INPUT: { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 },
      INVALID_CURSOR: { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 },
      API_KEY_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      LAST_ADMIN_KEY: { graphqlCode: 'CONFLICT', httpStatus: 409 },
      CUSTOMER_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      CUSTOMER_CONFLICT: { graphqlCode: 'CONFLICT', httpStatus: 409 },
      DATABASE_UNAVAILABLE: { graphqlCode: 'SERVICE_UNAVAILABLE', httpStatus: 503 },
      QUERY_TIMEOUT: { graphqlCode: 'QUERY_TIMEOUT', httpStatus: 503 },
      RATE_LIMITED: { graphqlCode: 'RATE_LIMITED', httpStatus: 429 },
      REQUEST_CANCELLED: { graphqlCode: 'REQUEST_CANCELLED', httpStatus: 499 },
      INVALID_LIFECYCLE_MODEL: { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 },
      UNKNOWN_STAGE: { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 },
      SUBSCRIBER_BEHIND: { graphqlCode: 'SUBSCRIBER_BEHIND', httpStatus: 409 },
      CAMPAIGN_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      MERGE_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      MERGE_REFUSED: { graphqlCode: 'CONFLICT', httpStatus: 409 },
      CAMPAIGN_EXISTS: { graphqlCode: 'CONFLICT', httpStatus: 409 },
      SEGMENT_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      SEGMENT_EXISTS: { graphqlCode: 'CONFLICT', httpStatus: 409 },
      PLAYBOOK_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      PLAYBOOK_EXISTS: { graphqlCode: 'CONFLICT', httpStatus: 409 },
      WEBHOOK_ENDPOINT_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      WEBHOOK_DELIVERY_NOT_FOUND: { graphqlCode: 'NOT_FOUND', httpStatus: 404 },
      PREDICTION_NO_DATA: { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 },
      WEBHOOK_URL_FORBIDDEN: { graphqlCode: 'WEBHOOK_URL_FORBIDDEN', httpStatus: 400 },
      COST_LIMIT_EXCEEDED: { graphqlCode: 'COST_LIMIT_EXCEEDED', httpStatus: 400 },
      TOO_MANY_EXPENSIVE_OPERATIONS: { graphqlCode: 'TOO_MANY_EXPENSIVE_OPERATIONS', httpStatus: 429 },
    });
  });

  it('lists each code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('treats a code outside the list as an internal error', () => {
    expect(clientErrorOf(new ClmError('SOMETHING_NEW', 'oops'))).toEqual({ graphqlCode: 'INTERNAL_SERVER_ERROR', httpStatus: 500 });
  });
});

type Run = (query: string, variables?: Record<string, unknown>, key?: string) => Promise<GraphQLResponse>;

const UNKNOWN_ID = '99999999-9999-4999-8999-999999999999';

/** An invalid model: one stage, and a rule into a stage it lacks. */
const INVALID_MODEL = {
  name: 'tiny',
  stages: [{ key: 'only', name: 'Only' }],
  rules: [{ id: 'nowhere', to: 'elsewhere', when: { types: ['signup'] } }],
  inactivity: { fromStage: 'only', atRiskAfterDays: 30, churnedAfterDays: 60 },
  winBack: { when: { types: ['purchase'] } },
};

describe('deliberate errors reach clients with their code and message', () => {
  let server: TestServer;
  let readKey: string;
  let customerId: string;
  let nameCursor: string;
  const clients = new Map<string, Client>();

  /** Runs one operation over WebSocket: its first result, or the errors it was refused with. */
  const overWebSocket: Run = (query, variables = {}, key = server.adminKey) => {
    const client = clients.get(key) ?? server.wsClient(key);
    clients.set(key, client);
    return new Promise((resolve, reject) => {
      const stop = client.subscribe(
        { query, variables },
        {
          next: (result) => {
            resolve(result as GraphQLResponse);
            stop();
          },
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => reject(new Error('completed without a result')),
        },
      );
    });
  };
  const overHttp: Run = (query, variables, key) => server.graphql(query, variables, key);

  beforeAll(async () => {
    server = await startTestServer();
    readKey = await server.createKey([Scope.READ]);
    const created = await server.graphql<{ createCustomer: { id: string } }>(
      'mutation { createCustomer(input: { externalId: "ada-1", email: "ada@example.com" }) { id } }',
    );
    customerId = created.data?.createCustomer.id ?? '';
    const page = await server.graphql<{ customers: { pageInfo: { endCursor: string } } }>(
      '{ customers(first: 1, orderBy: { field: NAME, direction: ASC }) { pageInfo { endCursor } } }',
    );
    nameCursor = page.data?.customers.pageInfo.endCursor ?? '';
  });

  afterAll(async () => {
    await server.close();
  });

  it('has a customer and a cursor of another sort order to work with', () => {
    expect(customerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(nameCursor).not.toBe('');
  });

  describe.each([
    ['HTTP', (): Run => overHttp],
    ['WebSocket', (): Run => overWebSocket],
  ])('over %s', (_transport, transport) => {
    const run: Run = (query, variables, key) => transport()(query, variables, key);

    /** Expects exactly one error with `message`, and exactly `code` and `details` as its extensions (nothing internal). */
    async function expectError(response: Promise<GraphQLResponse>, code: string, message: string, details: object = {}) {
      const { errors } = await response;
      expect(errors).toHaveLength(1);
      expect(errors?.[0].message).toBe(message);
      expect(errors?.[0].extensions).toEqual({ code, ...details });
    }

    it('answers customer(id:) with a non-UUID id with null, not an error', async () => {
      expect(await run('query ($id: ID) { customer(id: $id) { id } }', { id: 'not-a-uuid' })).toEqual({ data: { customer: null } });
    });

    it('refuses updateCustomer of an unknown or non-UUID id with NOT_FOUND', async () => {
      const update = 'mutation ($id: ID!) { updateCustomer(id: $id, input: { name: "Ada" }) { id } }';
      await expectError(run(update, { id: UNKNOWN_ID }), 'NOT_FOUND', `no customer with id "${UNKNOWN_ID}"`, { field: 'id' });
      await expectError(run(update, { id: 'not-a-uuid' }), 'NOT_FOUND', 'no customer with id "not-a-uuid"', { field: 'id' });
    });

    it('refuses moveCustomer to a stage the model lacks with BAD_USER_INPUT', async () => {
      await expectError(
        run('mutation ($id: ID!) { moveCustomer(id: $id, to: "nowhere", reason: "test") { id } }', { id: customerId }),
        'BAD_USER_INPUT',
        'to: "nowhere" is not a stage of the lifecycle model "classic"',
        { field: 'to' },
      );
    });

    it('refuses setLifecycleModel with an invalid model with BAD_USER_INPUT and every issue', async () => {
      await expectError(
        run('mutation ($model: LifecycleModelInput) { setLifecycleModel(model: $model) { name } }', { model: INVALID_MODEL }),
        'BAD_USER_INPUT',
        'invalid lifecycle model: stages: a model needs at least 2 stages, this one has 1; rules[0].to: rule "nowhere" moves to unknown stage "elsewhere"',
        {
          issues: [
            { path: 'stages', message: 'a model needs at least 2 stages, this one has 1' },
            { path: 'rules[0].to', message: 'rule "nowhere" moves to unknown stage "elsewhere"' },
          ],
        },
      );
    });

    it('refuses createCustomer with a taken externalId with CONFLICT', async () => {
      await expectError(
        run('mutation { createCustomer(input: { externalId: "ada-1" }) { id } }'),
        'CONFLICT',
        'externalId: another customer already has this externalId',
        { field: 'externalId' },
      );
    });

    it('refuses revokeApiKey of an unknown or non-UUID id with NOT_FOUND', async () => {
      const revoke = 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }';
      await expectError(run(revoke, { id: UNKNOWN_ID }), 'NOT_FOUND', `no API key with id "${UNKNOWN_ID}"`, { field: 'id' });
      await expectError(run(revoke, { id: 'not-a-uuid' }), 'NOT_FOUND', 'no API key with id "not-a-uuid"', { field: 'id' });
    });

    it('refuses customers(after:) with a cursor it did not issue with BAD_USER_INPUT', async () => {
      await expectError(
        run('{ customers(after: "garbage") { totalCount } }'),
        'BAD_USER_INPUT',
        'after: not a cursor returned by this API',
        { field: 'after' },
      );
      await expectError(
        run('{ customers(last: 5, before: "garbage") { totalCount } }'),
        'BAD_USER_INPUT',
        'before: not a cursor returned by this API',
        { field: 'before' },
      );
    });

    it('refuses customers(after:) with a cursor of another sort order with BAD_USER_INPUT', async () => {
      await expectError(
        run('query ($after: String) { customers(after: $after) { totalCount } }', { after: nameCursor }),
        'BAD_USER_INPUT',
        'after: a cursor of another list or sort order (customers:NAME:ASC), not of customers:CREATED_AT:DESC',
        { field: 'after' },
      );
    });

    it('refuses an admin mutation called with a read key with FORBIDDEN', async () => {
      await expectError(
        run('mutation { createApiKey(name: "sneaky", scopes: [ADMIN]) { key } }', {}, readKey),
        'FORBIDDEN',
        'Mutation.createApiKey needs the "admin" scope; key "test read" has read',
      );
    });
  });

  it('refuses a stageTransitions subscription with a cursor it did not issue with BAD_USER_INPUT, over WebSocket', async () => {
    const { errors } = await overWebSocket('subscription { stageTransitions(after: "garbage") { cursor } }');
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'after: not a cursor returned by this API',
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      }),
    ]);
  });

  it.each([
    ['a position past anything this database has committed', `${10n ** 15n}.1`],
    ['a snapshot from a database further ahead', `1.1~${10n ** 15n}:${10n ** 15n}:`],
  ])('refuses a stream cursor from the future (%s) with BAD_USER_INPUT, over WebSocket', async (_, text) => {
    const cursor = Buffer.from(text).toString('base64url');
    const { errors } = await overWebSocket('subscription ($after: String) { stageTransitions(after: $after) { cursor } }', {
      after: cursor,
    });
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          'after: a cursor from the future: this database has not reached it (was it handed out by another database, or before a restore?)',
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      }),
    ]);
  });

  it('accepts the cursor of a snapshot taken when nothing was in flight (its xmin equals xmax, the present)', async () => {
    const [{ xmax }] = await server.db.query<{ xmax: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
    const cursor = Buffer.from(`${xmax}.0~${xmax}:${xmax}:`).toString('base64url');
    const client = server.wsClient();
    const outcome = await new Promise<string>((resolve) => {
      const stop = client.subscribe(
        { query: 'subscription ($after: String) { stageTransitions(after: $after) { cursor } }', variables: { after: cursor } },
        { next: () => resolve('event'), error: (error) => resolve(JSON.stringify(error)), complete: () => resolve('complete') },
      );
      // No error within a second: the subscription is live.
      setTimeout(() => {
        stop();
        resolve('live');
      }, 1000);
    });
    expect(outcome).toBe('live');
  });

  it('refuses a request without a key, or with an unknown one, with UNAUTHENTICATED over HTTP', async () => {
    expect(await server.graphql('{ viewer { name } }', {}, null)).toEqual({
      errors: [{ message: 'missing API key: send "Authorization: Bearer <key>"', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(await server.graphql('{ viewer { name } }', {}, 'clm_not-a-key')).toEqual({
      errors: [{ message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it('closes a WebSocket connecting with an unknown key with 4403 and the reason', async () => {
    await expect(overWebSocket('{ viewer { name } }', {}, 'clm_not-a-key')).rejects.toMatchObject({
      code: 4403,
      reason: 'UNAUTHENTICATED: invalid or revoked API key',
    });
  });
});
