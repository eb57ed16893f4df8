import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Scope } from '../../../core/principal';
import { collect, startTestServer } from '../../../testing';
import type { GraphQLResponse, TestServer } from '../../../testing';

const DAY = 86_400_000;
/** Every event is dated relative to the start of the run, so "the last 90 days" means the same whenever it runs. */
const NOW = Date.now();
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

type SegmentData = { id: string; name: string; rule: unknown; memberCount: number };
type Change = { segment: string; customer: string; entered: boolean; cause: string };

const CREATE = `mutation ($input: CreateSegmentInput!) { createSegment(input: $input) { id name rule memberCount } }`;
const MEMBERS = `query ($segment: ID!) { customers(first: 50, filter: { segment: $segment }, orderBy: { field: EMAIL, direction: ASC }) {
  totalCount edges { node { externalId } } } }`;

describe('segments', () => {
  let server: TestServer;
  const ids = new Map<string, string>();

  const record = async (
    items: Array<{ id: string; customer: string; type: string; days: number; value?: number; properties?: Record<string, unknown> }>,
  ) => {
    const results = await server.services.ingest.record(
      items.map((item) => ({
        messageId: item.id,
        customer: { externalId: item.customer, email: `${item.customer}@example.com` },
        type: item.type,
        channel: 'web',
        occurredAt: daysAgo(item.days),
        value: item.value ?? null,
        properties: item.properties ?? null,
      })),
      (index) => `touchpoints[${index}]`,
    );
    for (const result of results) {
      if (result.status !== 'ACCEPTED') throw new Error(JSON.stringify(result));
      const item = items[result.index];
      ids.set(item.customer, result.customerId as string);
    }
    await server.services.projector.catchUp();
  };

  const create = async (name: string, rule: unknown): Promise<SegmentData> => {
    const response = await server.graphql<{ createSegment: SegmentData }>(CREATE, { input: { name, rule } });
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.createSegment;
  };

  const members = async (segmentId: string): Promise<string[]> => {
    const response = await server.graphql<{ customers: { edges: Array<{ node: { externalId: string } }> } }>(MEMBERS, {
      segment: segmentId,
    });
    return (response.data?.customers.edges ?? []).map((edge) => edge.node.externalId);
  };

  /** The membership log of one segment, oldest first, with customers by externalId. */
  const changesOf = async (segmentId: string): Promise<Array<Omit<Change, 'segment'>>> => {
    const byId = new Map([...ids].map(([externalId, id]) => [id, externalId]));
    const rows = await server.db.query<{ customer_id: string; entered: boolean; cause: string }>(
      `SELECT customer_id, entered, cause FROM segment_membership_changes WHERE segment_id = $1 ORDER BY tx_id::text::bigint, id`,
      [segmentId],
    );
    return rows.map((row) => ({ customer: byId.get(row.customer_id) ?? row.customer_id, entered: row.entered, cause: row.cause }));
  };

  beforeAll(async () => {
    server = await startTestServer();
    // ada: two purchases in the last 90 days, plan pro. bob: one purchase 100 days ago and one 5 days ago, plan free.
    // cy: a page view yesterday. dee: a login 40 days ago, NPS 9 then 3.
    await record([
      { id: 'a1', customer: 'ada', type: 'purchase', days: 20, value: 30 },
      { id: 'a2', customer: 'ada', type: 'purchase', days: 10, value: 12.5 },
      { id: 'b1', customer: 'bob', type: 'purchase', days: 100, value: 40 },
      { id: 'b2', customer: 'bob', type: 'purchase', days: 5, value: 10 },
      { id: 'c1', customer: 'cy', type: 'page_view', days: 1 },
      { id: 'd1', customer: 'dee', type: 'login', days: 40 },
      { id: 'd2', customer: 'dee', type: 'survey_response', days: 39, properties: { score: 9 } },
      { id: 'd3', customer: 'dee', type: 'survey_response', days: 38, properties: { score: 3 } },
      { id: 'd4', customer: 'dee', type: 'survey_response', days: 37, properties: { comment: 'no score' } },
    ]);
    await server.services.customers.update(ids.get('ada') as string, { attributes: { plan: 'pro', seats: 12 } });
    await server.services.customers.update(ids.get('bob') as string, { attributes: { plan: 'free', seats: 1 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('evaluates a new segment at once, lists it with its member count and filters customers by it', async () => {
    const segment = await create('Repeat buyers', { behaviour: { types: ['purchase'], withinDays: 90, operator: 'GTE', value: 2 } });
    expect(segment).toMatchObject({
      name: 'Repeat buyers',
      memberCount: 1,
      rule: { behaviour: { types: ['purchase'], withinDays: 90, aggregate: 'COUNT', operator: 'GTE', value: 2 } },
    });
    expect(await members(segment.id)).toEqual(['ada']);
    const listed = await server.graphql<{ segments: Array<{ name: string; memberCount: number }> }>(`{ segments { name memberCount } }`);
    expect(listed.data?.segments).toContainEqual({ name: 'Repeat buyers', memberCount: 1 });
    const one = await server.graphql<{ segment: { name: string } | null }>(`query ($id: ID!) { segment(id: $id) { name } }`, {
      id: segment.id,
    });
    expect(one.data?.segment).toEqual({ name: 'Repeat buyers' });
    expect(await changesOf(segment.id)).toEqual([{ customer: 'ada', entered: true, cause: 'definition' }]);
  });

  it('follows ingest: a second purchase brings bob in (cause touchpoint)', async () => {
    const segment = await create('Two recent purchases', { behaviour: { types: ['purchase'], withinDays: 30, value: 2 } });
    expect(await members(segment.id)).toEqual(['ada']);
    await record([{ id: 'b3', customer: 'bob', type: 'purchase', days: 2, value: 5 }]);
    expect(await members(segment.id)).toEqual(['ada', 'bob']);
    expect(await changesOf(segment.id)).toEqual([
      { customer: 'ada', entered: true, cause: 'definition' },
      { customer: 'bob', entered: true, cause: 'touchpoint' },
    ]);
  });

  it('follows manual moves (cause transition)', async () => {
    const segment = await create('Advocates', { field: { field: 'STAGE', operator: 'EQ', value: 'advocacy' } });
    expect(segment.memberCount).toBe(0);
    await server.services.lifecycle.moveCustomer(ids.get('cy') as string, 'advocacy', 'spoke at our conference', 'test');
    await server.services.projector.catchUp();
    expect(await members(segment.id)).toEqual(['cy']);
    expect(await changesOf(segment.id)).toEqual([{ customer: 'cy', entered: true, cause: 'transition' }]);
  });

  it('follows attribute updates in the same transaction (cause attributes), with numeric comparisons on attributes', async () => {
    const segment = await create('Big pro accounts', {
      and: [{ attribute: { name: 'plan', operator: 'EQ', value: 'pro' } }, { attribute: { name: 'seats', operator: 'GTE', value: 10 } }],
    });
    expect(await members(segment.id)).toEqual(['ada']);
    await server.graphql(`mutation ($id: ID!) { updateCustomer(id: $id, input: { attributes: { plan: "pro", seats: "25" } }) { id } }`, {
      id: ids.get('bob'),
    });
    expect(await members(segment.id)).toEqual(['ada', 'bob']);
    await server.services.customers.update(ids.get('ada') as string, { attributes: { seats: 3 } });
    expect(await members(segment.id)).toEqual(['bob']);
    expect(await changesOf(segment.id)).toEqual([
      { customer: 'ada', entered: true, cause: 'definition' },
      { customer: 'bob', entered: true, cause: 'attributes' },
      { customer: 'ada', entered: false, cause: 'attributes' },
    ]);
  });

  it('reads the latest numeric NPS score and the acquisition channel', async () => {
    // dee's latest survey with a score says 3; the one after it has no score.
    const detractors = await create('Detractors', { field: { field: 'NPS_SCORE', operator: 'LTE', value: 6 } });
    expect(await members(detractors.id)).toEqual(['dee']);
    await server.db.execute(
      `INSERT INTO customer_acquisitions (customer_id, acquired_at, stage, channel, campaign, first_touch_channel, first_touch_campaign)
       VALUES ($1, now(), 'acquisition', 'ads', 'spring', 'social', NULL)
       ON CONFLICT (customer_id) DO UPDATE SET channel = 'ads', campaign = 'spring', first_touch_channel = 'social'`,
      [ids.get('cy')],
    );
    const fromAds = await create('From ads', { acquisition: { channels: ['ads'], campaigns: ['spring'] } });
    const firstSocial = await create('First touch social', { acquisition: { touch: 'FIRST', channels: ['social'] } });
    expect(await members(fromAds.id)).toEqual(['cy']);
    expect(await members(firstSocial.id)).toEqual(['cy']);
  });

  it('lets customers drop out as time passes, on the scheduled re-evaluation (cause time)', async () => {
    // cy's only touchpoint was yesterday; dee's login was 40 days ago.
    const active = await create('Active this month', { behaviour: { withinDays: 30 } });
    const lapsed = await create('No login for 30 days', { behaviour: { types: ['login'], withinDays: 30, operator: 'EQ', value: 0 } });
    const loggedInOnce = await create('Logged in ever', { behaviour: { types: ['login'] } });
    expect(await members(active.id)).toEqual(['ada', 'bob', 'cy']);
    expect(await members(lapsed.id)).toEqual(['ada', 'bob', 'cy', 'dee']);
    expect(await members(loggedInOnce.id)).toEqual(['dee']);
    // 25 days on: ada's last purchase was 35 days ago, bob's 27, cy's 26.
    await server.services.segments.refreshOnSchedule(new Date(NOW + 25 * DAY));
    expect(await members(active.id)).toEqual(['bob', 'cy']);
    expect((await changesOf(active.id)).slice(3)).toEqual([{ customer: 'ada', entered: false, cause: 'time' }]);
  });

  it('records exits with cause erased when a customer is deleted', async () => {
    await record([
      { id: 'e1', customer: 'eve', type: 'purchase', days: 3 },
      { id: 'e2', customer: 'eve', type: 'purchase', days: 2 },
    ]);
    const segment = await create('Purchased twice ever', { behaviour: { types: ['purchase'], value: 2 } });
    expect(await members(segment.id)).toEqual(['ada', 'bob', 'eve']);
    const deleted = await server.graphql<{ deleteCustomer: boolean }>(`mutation ($id: ID!) { deleteCustomer(id: $id) }`, {
      id: ids.get('eve'),
    });
    expect(deleted.data?.deleteCustomer).toBe(true);
    expect((await changesOf(segment.id)).filter((change) => change.customer === 'eve')).toEqual([
      { customer: 'eve', entered: true, cause: 'definition' },
      { customer: 'eve', entered: false, cause: 'erased' },
    ]);
    const [{ count }] = await server.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM segment_members WHERE customer_id = $1`,
      [ids.get('eve')],
    );
    expect(count).toBe(0);
  });

  it('updates a rule (evaluated at once) and deletes a segment, its members leaving first', async () => {
    const segment = await create('Editable', { field: { field: 'ORDERS', operator: 'GTE', value: 3 } });
    expect(await members(segment.id)).toEqual(['bob']);
    const updated = await server.graphql<{ updateSegment: SegmentData }>(
      `mutation ($id: ID!, $input: UpdateSegmentInput!) { updateSegment(id: $id, input: $input) { name memberCount rule } }`,
      { id: segment.id, input: { name: 'Edited', rule: { field: { field: 'REVENUE', operator: 'GT', value: 40 } } } },
    );
    expect(updated.data?.updateSegment).toEqual({
      name: 'Edited',
      memberCount: 2,
      rule: { field: { field: 'REVENUE', operator: 'GT', value: 40 } },
    });
    expect(await members(segment.id)).toEqual(['ada', 'bob']);
    const removed = await server.graphql<{ deleteSegment: boolean }>(`mutation ($id: ID!) { deleteSegment(id: $id) }`, { id: segment.id });
    expect(removed.data?.deleteSegment).toBe(true);
    // Within one statement, changes are logged in customer id order: compare entries and exits as sets.
    const changes = await changesOf(segment.id);
    expect(changes.slice(0, 2)).toEqual([
      { customer: 'bob', entered: true, cause: 'definition' },
      { customer: 'ada', entered: true, cause: 'definition' },
    ]);
    expect(changes.slice(2).sort((a, b) => a.customer.localeCompare(b.customer))).toEqual([
      { customer: 'ada', entered: false, cause: 'segment_deleted' },
      { customer: 'bob', entered: false, cause: 'segment_deleted' },
    ]);
    const gone = await server.graphql<{ segment: null }>(`query ($id: ID!) { segment(id: $id) { id } }`, { id: segment.id });
    expect(gone.data?.segment).toBeNull();
  });

  it('previews an unsaved rule: the count and the newest members, as of a given time', async () => {
    const response = await server.graphql<{ previewSegment: { count: number; sample: Array<{ externalId: string }> } }>(
      `query ($rule: SegmentRuleInput!, $asOf: DateTime) { previewSegment(rule: $rule, asOf: $asOf) { count sample { externalId } } }`,
      { rule: { or: [{ field: { field: 'ORDERS', operator: 'GTE', value: 2 } }, { field: { field: 'NPS_SCORE', operator: 'EXISTS' } }] } },
    );
    expect(response.data?.previewSegment.count).toBe(3);
    expect(response.data?.previewSegment.sample.map((customer) => customer.externalId).sort()).toEqual(['ada', 'bob', 'dee']);
    const [{ count }] = await server.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM segments WHERE name = 'preview'`);
    expect(count).toBe(0);
  });

  it('refuses a bad rule over HTTP with every problem and its path', async () => {
    const response = await server.graphql(CREATE, {
      input: {
        name: 'Bad',
        rule: {
          and: [
            { field: { field: 'ORDERS', operator: 'GTE', value: 1 } },
            { field: { field: 'STAGE', operator: 'GT', value: 1 } },
            { behaviour: { withinDays: 0 } },
          ],
        },
      },
    });
    expect(response.errors?.[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.rule.and[1].field.operator',
      issues: [
        { path: 'input.rule.and[1].field.operator', message: 'GT does not apply here; use one of EQ, NEQ, IN, CONTAINS, EXISTS' },
        { path: 'input.rule.and[2].behaviour.withinDays', message: 'must be between 1 and 36500, got 0' },
      ],
    });
    const empty = await server.graphql(CREATE, { input: { name: 'Empty', rule: {} } });
    expect(empty.errors?.[0].message).toBe(
      'the segment rule is invalid: input.rule: give exactly one of and, or, not, field, attribute, behaviour, acquisition; got none',
    );
  });

  it('refuses 10,000 conditions and 1,000 levels of nesting over HTTP cleanly', async () => {
    const condition = { field: { field: 'ORDERS', operator: 'GTE', value: 1 } };
    const wide = await server.graphql(CREATE, { input: { name: 'Wide', rule: { or: Array.from({ length: 10_000 }, () => condition) } } });
    expect(wide.errors?.[0].message).toBe('the segment rule is invalid: input.rule: the rule has 10001 groups and conditions; at most 200');
    const nested = (levels: number) => {
      let deep: unknown = condition;
      for (let level = 1; level < levels; level++) deep = { not: deep };
      return server.graphql(CREATE, { input: { name: 'Deep', rule: deep } });
    };
    // 40 levels: the rule's own limit names it.
    const deepRule = await nested(40);
    expect(deepRule.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(deepRule.errors?.[0].message).toContain('nests deeper than 16 levels');
    // 1,000 levels: refused before GraphQL reads the variables at all.
    const absurd = await nested(1000);
    expect(absurd.errors?.[0]).toEqual({
      message: 'variables.input: nested deeper than 128 levels',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('refuses a taken name and needs the admin scope to write, the read scope to list', async () => {
    await create('Unique name', { field: { field: 'ORDERS', operator: 'EXISTS' } });
    const taken = await server.graphql(CREATE, {
      input: { name: 'unique NAME', rule: { field: { field: 'ORDERS', operator: 'EXISTS' } } },
    });
    expect(taken.errors?.[0]).toMatchObject({
      message: 'input.name: another segment is already named "unique NAME"',
      extensions: { code: 'CONFLICT', field: 'input.name' },
    });
    const missing = await server.graphql(`mutation ($id: ID!) { updateSegment(id: $id, input: { name: "Other" }) { id } }`, {
      id: '99999999-9999-4999-8999-999999999999',
    });
    expect(missing.errors?.[0]).toMatchObject({
      message: 'id: no segment with id "99999999-9999-4999-8999-999999999999"',
      extensions: { code: 'NOT_FOUND', field: 'id' },
    });
    const reader = await server.createKey([Scope.READ]);
    const forbidden = await server.graphql(
      CREATE,
      { input: { name: 'x', rule: { field: { field: 'ORDERS', operator: 'EXISTS' } } } },
      reader,
    );
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const listed: GraphQLResponse<{ segments: unknown[] }> = await server.graphql(`{ segments { id } }`, {}, reader);
    expect(listed.errors).toBeUndefined();
  });

  it('loads Customer.segments for a whole page in a fixed number of statements (no N+1)', async () => {
    // Every statement of the request, on the interactive reads' connections (clm:read): the projector and the
    // scheduled jobs run on connections of their own (clm:projection, clm:background) and read the same tables meanwhile.
    let statements = 0;
    server.db.observe = (_text, kind) => {
      if (kind === 'read') statements += 1;
    };
    try {
      const query = `query ($first: Int, $filter: CustomerFilter) {
        customers(first: $first, filter: $filter) { edges { node { externalId segments { name memberCount } } } }
      }`;
      type Page = { customers: { edges: Array<{ node: { externalId: string; segments: Array<{ name: string }> } }> } };
      // The first request also verifies the key (kept afterwards) and finds the segment to page through.
      const listed = await server.graphql<{ segments: Array<{ id: string; name: string }> }>(`{ segments { id name } }`);
      const repeatBuyers = listed.data?.segments.find((segment) => segment.name === 'Repeat buyers')?.id;
      statements = 0;
      const one = await server.graphql<Page>(query, { first: 1, filter: { segment: repeatBuyers } });
      expect(one.data?.customers.edges).toHaveLength(1);
      expect(one.data?.customers.edges[0].node.segments.map((segment) => segment.name)).toContain('Repeat buyers');
      expect(statements).toBe(3); // the page, the customers' segments, the segments' member counts
      statements = 0;
      const all = await server.graphql<Page>(query, { first: 10 });
      expect(all.data?.customers.edges.length).toBeGreaterThan(1);
      expect(statements).toBe(3);
      const ada = all.data?.customers.edges.find((edge) => edge.node.externalId === 'ada');
      expect(ada?.node.segments.map((segment) => segment.name)).toContain('Repeat buyers');
    } finally {
      server.db.observe = undefined;
    }
  });

  it('streams entries and exits of one segment in order, and resumes from a cursor without missing any', async () => {
    const segment = await create('Enterprise', { attribute: { name: 'plan', operator: 'EQ', value: 'enterprise' } });
    type Event = {
      segmentMembershipChanged: { cursor: string; change: { entered: boolean; cause: string; customer: { externalId: string } } };
    };
    const subscription = `subscription ($segmentId: ID!, $after: String) {
      segmentMembershipChanged(segmentId: $segmentId, after: $after) { cursor change { entered cause customer { externalId } } } }`;
    const started = server.subscriptionsStarted();
    const live = collect<Event>(server.wsClient(), subscription, { segmentId: segment.id }, 2);
    await server.subscriptionsOpened(started);
    await server.services.customers.update(ids.get('cy') as string, { attributes: { plan: 'enterprise' } });
    await server.services.customers.update(ids.get('cy') as string, { attributes: { plan: 'free' } });
    const events = await live.done;
    expect(events.map((event) => event.segmentMembershipChanged.change)).toEqual([
      { entered: true, cause: 'ATTRIBUTES', customer: { externalId: 'cy' } },
      { entered: false, cause: 'ATTRIBUTES', customer: { externalId: 'cy' } },
    ]);
    // Resuming after the first event delivers the second (from the log), then live ones.
    const resumed = collect<Event>(
      server.wsClient(),
      subscription,
      { segmentId: segment.id, after: events[0].segmentMembershipChanged.cursor },
      2,
    );
    await server.services.customers.update(ids.get('bob') as string, { attributes: { plan: 'enterprise' } });
    const replayed = await resumed.done;
    expect(
      replayed.map((event) => [event.segmentMembershipChanged.change.entered, event.segmentMembershipChanged.change.customer.externalId]),
    ).toEqual([
      [false, 'cy'],
      [true, 'bob'],
    ]);
    expect(replayed[0].segmentMembershipChanged.cursor).toBe(events[1].segmentMembershipChanged.cursor);
  });
  it('follows the inactivity sweep (cause transition)', async () => {
    // sam's only purchase was 200 days ago: the classic model's sweep churns him; nobody else is past a threshold.
    await record([{ id: 's1', customer: 'sam', type: 'purchase', days: 200, value: 1 }]);
    const segment = await create('Churned', { field: { field: 'STAGE', operator: 'EQ', value: 'churned' } });
    expect(await members(segment.id)).toEqual([]);
    await server.services.lifecycle.runInactivitySweep();
    await server.services.projector.catchUp();
    expect(await members(segment.id)).toEqual(['sam']);
    expect(await changesOf(segment.id)).toEqual([{ customer: 'sam', entered: true, cause: 'transition' }]);
  });
});
