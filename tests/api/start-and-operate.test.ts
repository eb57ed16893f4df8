import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { queryDatabase } from '../support/database';
import { graphqlClient, postGraphQL } from '../support/graphql-http';

/*
 * One API process started as a user starts it (`node apps/api/dist/main.js`
 * with PORT, DATABASE_URL and CLM_ADMIN_KEY), driven over HTTP with fetch
 * through every operation the README shows. The tests run in order and
 * build on each other's data, on the default `classic` lifecycle model.
 */

type TouchpointResult = {
  index: number;
  status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  messageId: string | null;
  touchpointId: string | null;
  customerId: string | null;
  error: { field: string; message: string } | null;
};
type BatchResult = { accepted: number; duplicates: number; rejected: number; results: TouchpointResult[] };
type Transition = {
  from: string | null;
  to: string;
  cause: string;
  ruleId: string | null;
  actor: string | null;
  reason: string | null;
  occurredAt: string;
};
type Connection<T> = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  edges: Array<{ node: T }>;
};

const ADMIN_KEY_NAME = 'admin (CLM_ADMIN_KEY)';
const RESULT_FIELDS = 'index status messageId touchpointId customerId error { field message }';
const RECORD_TOUCHPOINTS = `mutation Record($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates rejected results { ${RESULT_FIELDS} } }
}`;
const CUSTOMER_BY_EXTERNAL_ID = `query Customer($externalId: String!) {
  customer(externalId: $externalId) {
    id stage orders revenue lastSeenAt updatedAt attributes
    transitions(first: 20) { totalCount edges { node { from to cause ruleId actor reason occurredAt } } }
  }
}`;
type CustomerSnapshot = {
  id: string;
  stage: string | null;
  orders: number;
  revenue: number;
  lastSeenAt: string | null;
  updatedAt: string;
  attributes: Record<string, unknown>;
  transitions: Connection<Transition>;
};

describe('a clm API started from the command line', () => {
  let clm: ClmEnvironment;
  let adaId: string;
  let adaSignupTouchpointId: string;

  beforeAll(async () => {
    clm = await startClm();
  });
  afterAll(async () => {
    await clm?.close();
  });

  const customer = async (externalId: string) =>
    (await clm.admin.data<{ customer: CustomerSnapshot | null }>(CUSTOMER_BY_EXTERNAL_ID, { externalId })).customer;
  const recordBatch = async (touchpoints: Array<Record<string, unknown>>) =>
    (await clm.admin.data<{ recordTouchpoints: BatchResult }>(RECORD_TOUCHPOINTS, { touchpoints })).recordTouchpoints;

  it('answers /healthz with 200 {"status":"ok","database":"reachable"} and /readyz with 200 once migrated', async () => {
    const health = await fetch(`${clm.api.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'reachable' });
    const ready = await fetch(`${clm.api.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'reachable' });
  });

  it('creates a customer, who enters the first stage of the lifecycle at once', async () => {
    const { createCustomer } = await clm.admin.data<{
      createCustomer: {
        id: string;
        externalId: string;
        email: string;
        name: string;
        stage: string;
        attributes: Record<string, unknown>;
        orders: number;
        revenue: number;
        transitions: Connection<Transition>;
      };
    }>(
      `mutation { createCustomer(input: { externalId: "ada", email: "Ada@Example.com", name: "Ada Lovelace", attributes: { plan: "free" } }) {
          id externalId email name stage attributes orders revenue
          transitions { totalCount edges { node { from to cause ruleId actor reason occurredAt } } }
      } }`,
    );
    adaId = createCustomer.id;
    expect(createCustomer).toMatchObject({
      externalId: 'ada',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      stage: 'awareness',
      attributes: { plan: 'free' },
      orders: 0,
      revenue: 0,
    });
    expect(createCustomer.transitions.totalCount).toBe(1);
    expect(createCustomer.transitions.edges.map((edge) => ({ from: edge.node.from, to: edge.node.to, cause: edge.node.cause }))).toEqual([
      { from: null, to: 'awareness', cause: 'CREATED' },
    ]);
  });

  it('merges attributes on update: {plan: "pro"} then {country: "NL"} keeps both', async () => {
    const update = `mutation Update($id: ID!, $attributes: JSONObject!) { updateCustomer(id: $id, input: { attributes: $attributes }) { name attributes } }`;
    const first = await clm.admin.data<{ updateCustomer: { name: string; attributes: Record<string, unknown> } }>(update, {
      id: adaId,
      attributes: { plan: 'pro' },
    });
    expect(first.updateCustomer).toEqual({ name: 'Ada Lovelace', attributes: { plan: 'pro' } });
    const second = await clm.admin.data<{ updateCustomer: { name: string; attributes: Record<string, unknown> } }>(update, {
      id: adaId,
      attributes: { country: 'NL' },
    });
    expect(second.updateCustomer).toEqual({ name: 'Ada Lovelace', attributes: { plan: 'pro', country: 'NL' } });
  });

  it('finds the customer by id, by externalId and by email in any case, and answers null for an unknown one', async () => {
    const data = await clm.admin.data<Record<string, { id: string } | null>>(
      `query Find($id: ID!) {
        byId: customer(id: $id) { id }
        byExternalId: customer(externalId: "ada") { id }
        byEmail: customer(email: "ADA@example.COM") { id }
        unknown: customer(externalId: "nobody") { id }
      }`,
      { id: adaId },
    );
    expect(data).toEqual({ byId: { id: adaId }, byExternalId: { id: adaId }, byEmail: { id: adaId }, unknown: null });
  });

  it('records one touchpoint after commit and moves the customer by the matching rule', async () => {
    const { recordTouchpoint } = await clm.admin.data<{ recordTouchpoint: TouchpointResult }>(
      `mutation { recordTouchpoint(input: { messageId: "ada-signup", customer: { externalId: "ada" }, type: "signup", channel: "web", occurredAt: "2025-03-01T10:00:00Z" }) { ${RESULT_FIELDS} } }`,
    );
    expect(recordTouchpoint).toEqual({
      index: 0,
      status: 'ACCEPTED',
      messageId: 'ada-signup',
      touchpointId: expect.stringMatching(/^\d+$/),
      customerId: adaId,
      error: null,
    });
    adaSignupTouchpointId = recordTouchpoint.touchpointId as string;
    const ada = await customer('ada');
    expect(ada?.stage).toBe('acquisition');
    expect(ada?.lastSeenAt).toBe('2025-03-01T10:00:00.000Z');
    expect(ada?.transitions.edges[0].node).toMatchObject({ from: 'awareness', to: 'acquisition', cause: 'TOUCHPOINT', ruleId: 'acquired' });
  });

  it('answers a mixed batch with the exact status of every item, in submission order', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    const grace = { email: 'grace@example.com', name: 'Grace Hopper', attributes: { plan: 'pro', country: 'US' } };
    const batch = await recordBatch([
      {
        messageId: 'grace-purchase-1',
        customer: grace,
        type: 'purchase',
        channel: 'web',
        occurredAt: '2025-03-02T10:00:00Z',
        value: 40,
        currency: 'usd',
      },
      { messageId: 'ada-signup', customer: { externalId: 'ada' }, type: 'signup', channel: 'web', occurredAt: '2025-03-01T10:00:00Z' },
      { messageId: 'bad-time', customer: { externalId: 'linus' }, type: 'page_view', channel: 'web', occurredAt: 'yesterday' },
      {
        messageId: 'grace-purchase-1',
        customer: grace,
        type: 'purchase',
        channel: 'web',
        occurredAt: '2025-03-02T10:00:00Z',
        value: 40,
        currency: 'usd',
      },
      { messageId: 'ghost-1', customer: { id: ghost }, type: 'page_view', channel: 'web', occurredAt: '2025-03-02T10:00:00Z' },
      { messageId: 'bad-type', customer: { externalId: 'linus' }, type: 'Page View', channel: 'web', occurredAt: '2025-03-02T10:00:00Z' },
      {
        messageId: 'linus-view-1',
        customer: { externalId: 'linus', email: 'linus@example.com', name: 'Linus Torvalds', attributes: { plan: 'free', country: 'FI' } },
        type: 'page_view',
        channel: 'web',
        occurredAt: '2025-03-03T10:00:00Z',
      },
    ]);
    expect({ accepted: batch.accepted, duplicates: batch.duplicates, rejected: batch.rejected }).toEqual({
      accepted: 2,
      duplicates: 2,
      rejected: 3,
    });
    expect(batch.results.map((result) => [result.index, result.messageId, result.status])).toEqual([
      [0, 'grace-purchase-1', 'ACCEPTED'],
      [1, 'ada-signup', 'DUPLICATE'],
      [2, 'bad-time', 'REJECTED'],
      [3, 'grace-purchase-1', 'DUPLICATE'],
      [4, 'ghost-1', 'REJECTED'],
      [5, 'bad-type', 'REJECTED'],
      [6, 'linus-view-1', 'ACCEPTED'],
    ]);
    expect(batch.results.map((result) => result.error)).toEqual([
      null,
      null,
      {
        field: 'touchpoints[2].occurredAt',
        message: 'touchpoints[2].occurredAt: must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z',
      },
      null,
      { field: 'touchpoints[4].customer.id', message: `touchpoints[4].customer.id: no customer with id "${ghost}"` },
      {
        field: 'touchpoints[5].type',
        message: 'touchpoints[5].type: "Page View" must be lowercase snake_case (letters, digits, _), starting with a letter',
      },
      null,
    ]);
    expect(batch.results[1]).toMatchObject({ touchpointId: adaSignupTouchpointId, customerId: adaId });
    expect(batch.results[3]).toMatchObject({ touchpointId: batch.results[0].touchpointId, customerId: batch.results[0].customerId });
    expect(batch.results.filter((result) => result.status === 'REJECTED').every((result) => result.touchpointId === null)).toBe(true);

    const { customer: stored } = await clm.admin.data<{
      customer: { name: string; stage: string; orders: number; revenue: number; attributes: Record<string, unknown> };
    }>(`{ customer(email: "grace@example.com") { name stage orders revenue attributes } }`);
    expect(stored).toEqual({
      name: 'Grace Hopper',
      stage: 'acquisition',
      orders: 1,
      revenue: 40,
      attributes: { plan: 'pro', country: 'US' },
    });
    const rows = await queryDatabase<{ message_id: string }>(clm.database.url, `SELECT message_id FROM touchpoints ORDER BY message_id`);
    expect(rows.map((row) => row.message_id)).toEqual(['ada-signup', 'grace-purchase-1', 'linus-view-1']);
  });

  it('answers a replayed batch with DUPLICATE for every item and changes nothing', async () => {
    const margaret = {
      externalId: 'margaret',
      email: 'margaret@example.com',
      name: 'Margaret Hamilton',
      attributes: { plan: 'pro', country: 'UK' },
    };
    const touchpoints = [
      {
        messageId: 'margaret-1',
        customer: margaret,
        type: 'page_view',
        channel: 'web',
        occurredAt: '2025-04-01T09:00:00Z',
        properties: { page: 'home' },
      },
      { messageId: 'margaret-2', customer: margaret, type: 'signup', channel: 'web', occurredAt: '2025-04-02T09:00:00Z' },
      { messageId: 'margaret-3', customer: margaret, type: 'login', channel: 'web', occurredAt: '2025-04-03T09:00:00Z' },
    ];
    const first = await recordBatch(touchpoints);
    expect(first.results.map((result) => result.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED']);
    const before = await customer('margaret');
    const countsBefore = await tableCounts(clm.database.url);

    const replay = await recordBatch(touchpoints);
    expect({ accepted: replay.accepted, duplicates: replay.duplicates, rejected: replay.rejected }).toEqual({
      accepted: 0,
      duplicates: 3,
      rejected: 0,
    });
    expect(replay.results.map((result) => result.status)).toEqual(['DUPLICATE', 'DUPLICATE', 'DUPLICATE']);
    expect(replay.results.map((result) => result.touchpointId)).toEqual(first.results.map((result) => result.touchpointId));
    expect(await customer('margaret')).toEqual(before);
    expect(await tableCounts(clm.database.url)).toEqual(countsBefore);
  });

  it("shows a customer's timeline newest first: touchpoints and transitions, paged with first/after", async () => {
    const timeline = `query Timeline($after: String) {
      customer(externalId: "margaret") {
        touchpoints(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { type messageId occurredAt properties } } }
        transitions { totalCount edges { node { from to cause ruleId } } }
      }
    }`;
    type Timeline = {
      customer: {
        touchpoints: Connection<{ type: string; messageId: string; occurredAt: string; properties: Record<string, unknown> }>;
        transitions: Connection<Transition>;
      };
    };
    const page1 = (await clm.admin.data<Timeline>(timeline)).customer;
    expect(page1.touchpoints.totalCount).toBe(3);
    expect(page1.touchpoints.edges.map((edge) => edge.node.type)).toEqual(['login', 'signup']);
    expect(page1.touchpoints.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(page1.transitions.totalCount).toBe(3);
    expect(page1.transitions.edges.map((edge) => edge.node)).toEqual([
      { from: 'acquisition', to: 'engagement', cause: 'TOUCHPOINT', ruleId: 'engaged' },
      { from: 'awareness', to: 'acquisition', cause: 'TOUCHPOINT', ruleId: 'acquired' },
      { from: null, to: 'awareness', cause: 'TOUCHPOINT', ruleId: null },
    ]);
    const page2 = (await clm.admin.data<Timeline>(timeline, { after: page1.touchpoints.pageInfo.endCursor })).customer;
    expect(page2.touchpoints.edges.map((edge) => edge.node)).toEqual([
      { type: 'page_view', messageId: 'margaret-1', occurredAt: '2025-04-01T09:00:00.000Z', properties: { page: 'home' } },
    ]);
    expect(page2.touchpoints.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('lists customers filtered by stages, attributes and search, with totalCount and first/after paging', async () => {
    const list = `query List($filter: CustomerFilter, $first: Int, $after: String) {
      customers(filter: $filter, first: $first, after: $after, orderBy: { field: EMAIL, direction: ASC }) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { email } }
      }
    }`;
    const emails = async (filter: Record<string, unknown>, first?: number, after?: string | null) => {
      const { customers } = await clm.admin.data<{ customers: Connection<{ email: string }> }>(list, { filter, first, after });
      return { totalCount: customers.totalCount, emails: customers.edges.map((edge) => edge.node.email), pageInfo: customers.pageInfo };
    };
    expect(await emails({ stages: ['acquisition'] })).toMatchObject({ totalCount: 2, emails: ['ada@example.com', 'grace@example.com'] });
    expect(await emails({ attributes: { plan: 'pro' } })).toMatchObject({
      totalCount: 3,
      emails: ['ada@example.com', 'grace@example.com', 'margaret@example.com'],
    });
    expect(await emails({ search: 'HOP' })).toMatchObject({ totalCount: 1, emails: ['grace@example.com'] });
    expect(await emails({ stages: ['awareness', 'engagement'], attributes: { country: 'UK' } })).toMatchObject({
      totalCount: 1,
      emails: ['margaret@example.com'],
    });

    const page1 = await emails({ attributes: { plan: 'pro' } }, 2);
    expect(page1).toMatchObject({
      totalCount: 3,
      emails: ['ada@example.com', 'grace@example.com'],
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
    });
    const page2 = await emails({ attributes: { plan: 'pro' } }, 2, page1.pageInfo.endCursor);
    expect(page2).toMatchObject({
      totalCount: 3,
      emails: ['margaret@example.com'],
      pageInfo: { hasNextPage: false, hasPreviousPage: true },
    });
  });

  it('counts customers per stage and transitions between stages exactly in stageOverview', async () => {
    const { stageOverview } = await clm.admin.data<{ stageOverview: { total: number; stages: unknown[]; transitions: unknown[] } }>(
      `{ stageOverview { total stages { stage name count offPath } transitions { from to count } } }`,
    );
    expect(stageOverview).toEqual({
      total: 4,
      stages: [
        { stage: 'awareness', name: 'Awareness', count: 1, offPath: false },
        { stage: 'acquisition', name: 'Acquisition', count: 2, offPath: false },
        { stage: 'engagement', name: 'Engagement', count: 1, offPath: false },
        { stage: 'retention', name: 'Retention', count: 0, offPath: false },
        { stage: 'advocacy', name: 'Advocacy', count: 0, offPath: false },
        { stage: 'at-risk', name: 'At risk', count: 0, offPath: true },
        { stage: 'churned', name: 'Churned', count: 0, offPath: true },
      ],
      transitions: [
        { from: null, to: 'awareness', count: 3 },
        { from: 'awareness', to: 'acquisition', count: 2 },
        { from: null, to: 'acquisition', count: 1 },
        { from: 'acquisition', to: 'engagement', count: 1 },
      ],
    });
  });

  it('serves the active lifecycle model, the classic preset by default', async () => {
    const { lifecycleModel } = await clm.admin.data<{
      lifecycleModel: { name: string; stages: Array<{ key: string }>; rules: Array<{ id: string }>; inactivity: unknown; winBack: unknown };
    }>(
      `{ lifecycleModel { name stages { key } rules { id } inactivity { fromStage atRiskAfterDays churnedAfterDays } winBack { to when { types } } } }`,
    );
    expect(lifecycleModel).toEqual({
      name: 'classic',
      stages: ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'].map((key) => ({ key })),
      rules: [
        'acquired',
        'engaged',
        'retained-repeat-purchase',
        'retained-renewal',
        'advocate-referral',
        'advocate-review',
        'advocate-promoter',
      ].map((id) => ({ id })),
      inactivity: { fromStage: 'acquisition', atRiskAfterDays: 60, churnedAfterDays: 120 },
      winBack: { to: 'retention', when: { types: ['purchase'] } },
    });
  });

  it('moves a customer by hand, recording the key name as actor and the reason, and refuses an unknown stage', async () => {
    const linus = await customer('linus');
    const move = `mutation Move($id: ID!, $to: String!, $reason: String!) { moveCustomer(id: $id, to: $to, reason: $reason) { stage } }`;
    const moved = await clm.admin.data<{ moveCustomer: { stage: string } }>(move, {
      id: linus?.id,
      to: 'advocacy',
      reason: 'spoke at our conference',
    });
    expect(moved.moveCustomer).toEqual({ stage: 'advocacy' });
    const after = await customer('linus');
    expect(after?.transitions.edges[0].node).toMatchObject({
      from: 'awareness',
      to: 'advocacy',
      cause: 'MANUAL',
      ruleId: null,
      actor: ADMIN_KEY_NAME,
      reason: 'spoke at our conference',
    });

    const refused = await clm.admin.request(move, { id: linus?.id, to: 'nirvana', reason: 'why not' });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([
      ['BAD_USER_INPUT', 'to: "nirvana" is not a stage of the lifecycle model "classic"'],
    ]);
  });

  it('sweeps a silent customer to at-risk and then to churned, dated when each threshold was crossed', async () => {
    await recordBatch([
      {
        messageId: 'old-timer-signup',
        customer: { externalId: 'old-timer' },
        type: 'signup',
        channel: 'web',
        occurredAt: '2024-01-01T00:00:00Z',
      },
    ]);
    const sweep = `mutation Sweep($asOf: DateTime!) { runInactivitySweep(asOf: $asOf) { examined atRisk churned } }`;
    const first = await clm.admin.data<{ runInactivitySweep: unknown }>(sweep, { asOf: '2024-03-05T00:00:00Z' });
    expect(first.runInactivitySweep).toEqual({ examined: 1, atRisk: 1, churned: 0 });
    expect((await customer('old-timer'))?.stage).toBe('at-risk');
    const second = await clm.admin.data<{ runInactivitySweep: unknown }>(sweep, { asOf: '2024-05-15T00:00:00Z' });
    expect(second.runInactivitySweep).toEqual({ examined: 1, atRisk: 0, churned: 1 });
    const again = await clm.admin.data<{ runInactivitySweep: unknown }>(sweep, { asOf: '2024-05-15T00:00:00Z' });
    expect(again.runInactivitySweep).toEqual({ examined: 0, atRisk: 0, churned: 0 });

    const oldTimer = await customer('old-timer');
    expect(oldTimer?.stage).toBe('churned');
    expect(
      oldTimer?.transitions.edges.map((edge) => [edge.node.from, edge.node.to, edge.node.cause, edge.node.ruleId, edge.node.occurredAt]),
    ).toEqual([
      ['at-risk', 'churned', 'INACTIVITY', 'inactivity-churned', '2024-04-30T00:00:00.000Z'],
      ['acquisition', 'at-risk', 'INACTIVITY', 'inactivity-at-risk', '2024-03-01T00:00:00.000Z'],
      [null, 'acquisition', 'TOUCHPOINT', 'acquired', '2024-01-01T00:00:00.000Z'],
    ]);
  });

  it('refuses setLifecycleModel(preset: "purchase-funnel") while customers hold stages it lacks, and keeps the model', async () => {
    const refused = await clm.admin.request(`mutation { setLifecycleModel(preset: "purchase-funnel") { name } }`);
    expect(refused.status).toBe(200);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([
      [
        'BAD_USER_INPUT',
        'the new model lacks stages customers are in: 2 in "acquisition", 1 in "engagement", 1 at-risk or churned who would return to "acquisition" on win-back; keep those stages or move the customers first',
      ],
    ]);
    expect((await clm.admin.data<{ lifecycleModel: { name: string } }>(`{ lifecycleModel { name } }`)).lifecycleModel.name).toBe('classic');
  });

  it('switches to the purchase-funnel preset once nobody holds a missing stage, and applies its rules at once', async () => {
    const move = `mutation Move($id: ID!) { moveCustomer(id: $id, to: "retention", reason: "moving to the purchase funnel") { stage } }`;
    // The churned old-timer would return to "acquisition" on win-back, a stage purchase-funnel lacks: moved too.
    for (const externalId of ['ada', 'margaret', 'old-timer']) await clm.admin.data(move, { id: (await customer(externalId))?.id });
    const { customer: grace } = await clm.admin.data<{ customer: { id: string } }>(`{ customer(email: "grace@example.com") { id } }`);
    await clm.admin.data(move, { id: grace.id });

    const { setLifecycleModel } = await clm.admin.data<{
      setLifecycleModel: { name: string; stages: Array<{ key: string }>; inactivity: { fromStage: string } };
    }>(`mutation { setLifecycleModel(preset: "purchase-funnel") { name stages { key } inactivity { fromStage } } }`);
    expect(setLifecycleModel).toEqual({
      name: 'purchase-funnel',
      stages: ['awareness', 'consideration', 'purchase', 'retention', 'advocacy'].map((key) => ({ key })),
      inactivity: { fromStage: 'purchase' },
    });
    await recordBatch([
      {
        messageId: 'nora-pricing',
        customer: { externalId: 'nora' },
        type: 'page_view',
        channel: 'web',
        occurredAt: '2025-05-01T12:00:00Z',
        properties: { page: 'pricing' },
      },
    ]);
    const nora = await customer('nora');
    expect(nora?.stage).toBe('consideration');
    expect(nora?.transitions.edges.map((edge) => [edge.node.from, edge.node.to, edge.node.ruleId])).toEqual([
      [null, 'consideration', 'considering-pricing'],
    ]);
  });

  it('creates an API key whose secret is shown once, and refuses it once revoked', async () => {
    const { createApiKey } = await clm.admin.data<{
      createApiKey: {
        key: string;
        apiKey: { id: string; name: string; prefix: string; scopes: string[]; createdBy: string; revokedAt: string | null };
      };
    }>(`mutation { createApiKey(name: "dashboard reader", scopes: [READ]) { key apiKey { id name prefix scopes createdBy revokedAt } } }`);
    expect(createApiKey.key).toMatch(/^clm_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(createApiKey.apiKey).toEqual({
      id: expect.any(String),
      name: 'dashboard reader',
      prefix: createApiKey.key.slice(0, 12),
      scopes: ['READ'],
      createdBy: ADMIN_KEY_NAME,
      revokedAt: null,
    });

    const reader = graphqlClient(clm.api.graphqlUrl, createApiKey.key);
    expect(await reader.data(`{ viewer { name scopes } }`)).toEqual({ viewer: { name: 'dashboard reader', scopes: ['READ'] } });

    const { revokeApiKey } = await clm.admin.data<{ revokeApiKey: { id: string; revokedAt: string | null } }>(
      `mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
      { id: createApiKey.apiKey.id },
    );
    expect(revokeApiKey).toEqual({ id: createApiKey.apiKey.id, revokedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    const refused = await reader.request(`{ viewer { name } }`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ errors: [{ message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('logs every request as one JSON line carrying its requestId, and never a key or the word "Bearer"', async () => {
    const response = await postGraphQL(clm.api.graphqlUrl, `{ viewer { name } }`, {
      key: clm.api.adminKey,
      headers: { 'x-request-id': 'e2e-log-check-1' },
    });
    expect(response.status).toBe(200);
    expect(response.requestId).toBe('e2e-log-check-1');
    const line = await clm.api.waitForLine((candidate) => candidate.json?.requestId === 'e2e-log-check-1');
    expect(line.json).toMatchObject({ msg: 'request', method: 'POST', path: '/graphql', status: 200, keyName: ADMIN_KEY_NAME });

    const stdout = clm.api.lines().filter((candidate) => candidate.stream === 'stdout');
    expect(stdout.filter((candidate) => candidate.json === null).map((candidate) => candidate.text)).toEqual([]);
    const ready = stdout.findIndex((candidate) => candidate.json?.msg === 'clm is ready');
    expect(ready).toBeGreaterThanOrEqual(0);
    const served = stdout.slice(ready + 1);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((candidate) => typeof candidate.json?.requestId !== 'string').map((candidate) => candidate.text)).toEqual([]);

    const secret = clm.api.adminKey.slice('clm_xxxxxxxx_'.length);
    const leaks = clm.api.lines().filter((candidate) => candidate.text.includes(secret) || /bearer/i.test(candidate.text));
    expect(leaks.map((candidate) => candidate.text)).toEqual([]);
  });
});

async function tableCounts(url: string): Promise<Record<string, unknown>> {
  const [row] = await queryDatabase(
    url,
    `SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM touchpoints) AS touchpoints,
            (SELECT count(*)::int FROM stage_transitions) AS transitions`,
  );
  return row;
}
