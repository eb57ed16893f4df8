import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/*
 * The bi views over a fixture small enough to follow by hand, built through
 * the GraphQL API (classic preset). UTC throughout.
 *
 *   A: 03-01 page_view (enters awareness), 03-02 09:00 signup (→ acquisition),
 *      03-02 15:00 login (→ engagement)
 *   B: 03-01 purchase 30 (enters straight in acquisition), 03-03 purchase 20 (second purchase → retention)
 *   D: 03-01 page_view (enters awareness), deleted today
 *   C: created today through createCustomer (enters awareness), moved by hand to advocacy today
 */

const RECORD = `mutation ($touchpoints: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $touchpoints) { results { status } } }`;

describe('the bi views', () => {
  let server: TestServer;
  let today: string;

  beforeAll(async () => {
    server = await startTestServer();
    const touchpoint = (messageId: string, customer: string, type: string, occurredAt: string, value?: number) => ({
      messageId,
      customer: { externalId: customer },
      type,
      channel: 'web',
      occurredAt,
      ...(value === undefined ? {} : { value, currency: 'EUR' }),
    });
    const recorded = await server.graphql<{ recordTouchpoints: { results: Array<{ status: string }> } }>(RECORD, {
      touchpoints: [
        touchpoint('a1', 'A', 'page_view', '2026-03-01T10:00:00Z'),
        touchpoint('b1', 'B', 'purchase', '2026-03-01T12:00:00Z', 30),
        touchpoint('d1', 'D', 'page_view', '2026-03-01T13:00:00Z'),
        touchpoint('a2', 'A', 'signup', '2026-03-02T09:00:00Z'),
        touchpoint('a3', 'A', 'login', '2026-03-02T15:00:00Z'),
        touchpoint('b2', 'B', 'purchase', '2026-03-03T08:00:00Z', 20),
      ],
    });
    expect(recorded.data?.recordTouchpoints.results.map((result) => result.status)).toEqual(Array(6).fill('ACCEPTED'));
    const created = await server.graphql<{ createCustomer: { id: string } }>(
      `mutation { createCustomer(input: { externalId: "C", name: "Cy" }) { id } }`,
    );
    const cy = created.data?.createCustomer.id as string;
    expect(
      (
        await server.graphql(`mutation ($id: ID!) { moveCustomer(id: $id, to: "advocacy", reason: "spoke at our meetup") { stage } }`, {
          id: cy,
        })
      ).errors,
    ).toBeUndefined();
    // The projection must have counted D before the deletion for its exit to be recorded as one.
    await server.services.projector.catchUp();
    const [d] = await server.db.query<{ id: string }>(`SELECT id::text FROM customers WHERE external_id = 'D'`);
    expect((await server.graphql(`mutation ($id: ID!) { deleteCustomer(id: $id) }`, { id: d.id })).errors).toBeUndefined();
    await server.services.projector.catchUp();
    [{ today }] = await server.db.query<{ today: string }>(`SELECT ((now() AT TIME ZONE 'UTC')::date)::text AS today`);
  });

  afterAll(async () => {
    await server.close();
  });

  it('daily_transitions counts each move on the day it happened, by cause, and the deletion as an exit', async () => {
    const rows = await server.db.query(
      `SELECT day::text, from_stage, to_stage, cause, transitions::int FROM bi.daily_transitions ORDER BY day, from_stage NULLS FIRST, to_stage NULLS FIRST`,
    );
    expect(rows).toEqual([
      // A and D are first seen (page views); B enters straight in acquisition with its purchase.
      { day: '2026-03-01', from_stage: null, to_stage: 'acquisition', cause: 'touchpoint', transitions: 1 },
      { day: '2026-03-01', from_stage: null, to_stage: 'awareness', cause: 'touchpoint', transitions: 2 },
      { day: '2026-03-02', from_stage: 'acquisition', to_stage: 'engagement', cause: 'touchpoint', transitions: 1 },
      { day: '2026-03-02', from_stage: 'awareness', to_stage: 'acquisition', cause: 'touchpoint', transitions: 1 },
      { day: '2026-03-03', from_stage: 'acquisition', to_stage: 'retention', cause: 'touchpoint', transitions: 1 },
      { day: today, from_stage: null, to_stage: 'awareness', cause: 'created', transitions: 1 },
      { day: today, from_stage: 'awareness', to_stage: null, cause: 'erased', transitions: 1 },
      { day: today, from_stage: 'awareness', to_stage: 'advocacy', cause: 'manual', transitions: 1 },
    ]);
  });

  it('daily_stage_counts holds each stage at the end of every day from the first move to today', async () => {
    const rows = await server.db.query<{ day: string; stage: string; customers: number }>(
      `SELECT day::text, stage, customers::int FROM bi.daily_stage_counts ORDER BY day, stage`,
    );
    const byDay = new Map<string, Record<string, number>>();
    for (const row of rows) byDay.set(row.day, { ...byDay.get(row.day), [row.stage]: row.customers });
    const days = [...byDay.keys()];
    const daysSinceMarch = Math.round((Date.parse(today) - Date.parse('2026-03-01')) / 86_400_000);
    expect(days.length).toBe(daysSinceMarch + 1);
    expect(days[0]).toBe('2026-03-01');
    expect(days[days.length - 1]).toBe(today);
    // 03-01: A and D in awareness, B in acquisition.
    expect(byDay.get('2026-03-01')).toEqual({ awareness: 2, acquisition: 1, engagement: 0, retention: 0, advocacy: 0 });
    // 03-02: A went through acquisition (+1 −1) into engagement.
    expect(byDay.get('2026-03-02')).toEqual({ awareness: 1, acquisition: 1, engagement: 1, retention: 0, advocacy: 0 });
    // 03-03: B's second purchase: acquisition → retention. Nothing moves again until today.
    const march3 = { awareness: 1, acquisition: 0, engagement: 1, retention: 1, advocacy: 0 };
    expect(byDay.get('2026-03-03')).toEqual(march3);
    expect(byDay.get(days[days.length - 2])).toEqual(march3);
    // Today: C enters awareness (+1) and leaves it for advocacy (−1); D is deleted from awareness (−1).
    expect(byDay.get(today)).toEqual({ awareness: 0, acquisition: 0, engagement: 1, retention: 1, advocacy: 1 });
  });

  it('daily_stage_counts today equals the stages customers are in', async () => {
    const current = await server.db.query(`SELECT stage, count(*)::int AS customers FROM customers GROUP BY stage ORDER BY stage`);
    const counted = await server.db.query(
      `SELECT stage, customers::int FROM bi.daily_stage_counts WHERE day = $1::date AND customers > 0 ORDER BY stage`,
      [today],
    );
    expect(counted).toEqual(current);
  });

  it('daily_metrics and daily_touchpoints add up the fixture per day', async () => {
    const metrics = await server.db.query(
      `SELECT day::text, new_customers::int, entered_lifecycle::int, purchases::int, revenue::text, page_views::int, signups::int,
              touchpoints::int, active_customers::int, visitors::int, engaged_customers::int, transitions::int
         FROM bi.daily_metrics WHERE day <= '2026-03-04' OR day = $1::date ORDER BY day`,
      [today],
    );
    const quiet = { new_customers: 0, entered_lifecycle: 0, purchases: 0, revenue: '0', page_views: 0, signups: 0, touchpoints: 0 };
    expect(metrics).toEqual([
      // B is acquired by its purchase (30); A, B, D enter the lifecycle and are active; A and D visit.
      {
        day: '2026-03-01',
        ...quiet,
        new_customers: 1,
        entered_lifecycle: 3,
        purchases: 1,
        revenue: '30.0000',
        page_views: 2,
        touchpoints: 3,
        active_customers: 3,
        visitors: 2,
        engaged_customers: 0,
        transitions: 3,
      },
      // A signs up (acquired) and logs in (an engagement type).
      {
        day: '2026-03-02',
        ...quiet,
        new_customers: 1,
        signups: 1,
        touchpoints: 2,
        active_customers: 1,
        visitors: 0,
        engaged_customers: 1,
        transitions: 2,
      },
      {
        day: '2026-03-03',
        ...quiet,
        purchases: 1,
        revenue: '20.0000',
        touchpoints: 1,
        active_customers: 1,
        visitors: 0,
        engaged_customers: 0,
        transitions: 1,
      },
      { day: '2026-03-04', ...quiet, active_customers: 0, visitors: 0, engaged_customers: 0, transitions: 0 },
      // Today: C created and moved (2 transitions; D's deletion is not a move).
      { day: today, ...quiet, entered_lifecycle: 1, active_customers: 0, visitors: 0, engaged_customers: 0, transitions: 2 },
    ]);
    const touchpoints = await server.db.query(
      `SELECT day::text, type, channel, campaign, touchpoints::int, value_sum::text FROM bi.daily_touchpoints ORDER BY day, type`,
    );
    expect(touchpoints).toEqual([
      { day: '2026-03-01', type: 'page_view', channel: 'web', campaign: null, touchpoints: 2, value_sum: '0' },
      { day: '2026-03-01', type: 'purchase', channel: 'web', campaign: null, touchpoints: 1, value_sum: '30.0000' },
      { day: '2026-03-02', type: 'login', channel: 'web', campaign: null, touchpoints: 1, value_sum: '0' },
      { day: '2026-03-02', type: 'signup', channel: 'web', campaign: null, touchpoints: 1, value_sum: '0' },
      { day: '2026-03-03', type: 'purchase', channel: 'web', campaign: null, touchpoints: 1, value_sum: '20.0000' },
    ]);
  });

  it('customers shows each customer with its acquisition, as GraphQL does', async () => {
    const viewed = await server.db.query(
      `SELECT external_id, stage, orders, revenue::text, acquired_at, acquisition_channel, segments FROM bi.customers ORDER BY external_id`,
    );
    const listed = await server.graphql<{ customers: { edges: Array<{ node: { externalId: string; stage: string; orders: number } }> } }>(
      `{ customers(first: 10) { edges { node { externalId stage orders } } } }`,
    );
    expect(viewed).toEqual([
      {
        external_id: 'A',
        stage: 'engagement',
        orders: 0,
        revenue: '0.0000',
        acquired_at: new Date('2026-03-02T09:00:00Z'),
        acquisition_channel: 'web',
        segments: [],
      },
      {
        external_id: 'B',
        stage: 'retention',
        orders: 2,
        revenue: '50.0000',
        acquired_at: new Date('2026-03-01T12:00:00Z'),
        acquisition_channel: 'web',
        segments: [],
      },
      { external_id: 'C', stage: 'advocacy', orders: 0, revenue: '0.0000', acquired_at: null, acquisition_channel: null, segments: [] },
    ]);
    expect(
      listed.data?.customers.edges
        .map(({ node }) => ({ external_id: node.externalId, stage: node.stage, orders: node.orders }))
        .sort((a, b) => a.external_id.localeCompare(b.external_id)),
    ).toEqual(viewed.map((row) => ({ external_id: row.external_id, stage: row.stage, orders: row.orders })));
  });
});
