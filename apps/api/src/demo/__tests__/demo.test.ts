import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { loadConfig } from '../../config';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';
import { startDemo } from '../demo';
import type { Demo } from '../demo';
import type { DemoLoadResult } from '../demo-loader';
import { DEMO_SEED, demoWindows, planDemo } from '../demo-plan';
import type { DemoPlan } from '../demo-plan';
import { demoVisitorOf } from '../demo-story';
import type { DemoTouchpoint } from '../demo-story';

const DAY_MS = 86_400_000;
const TODAY = new Date('2026-06-15T12:00:00.000Z');

/** A pino logger whose lines are kept for the test to read. */
function collectingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function tally<T>(items: readonly T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[String(item)] = (counts[String(item)] ?? 0) + 1;
  return counts;
}

const ofType = (plan: DemoPlan, type: string) => plan.touchpoints.filter((touchpoint) => touchpoint.type === type);
const score = (touchpoint: DemoTouchpoint) => Number(touchpoint.properties.score);

describe('CLM_DEMO', () => {
  it('is on by default on the embedded database and off with a DATABASE_URL', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://clm@db/clm' }).demo).toBe(false);
  });

  it('CLM_DEMO=0 turns it off; CLM_DEMO=1 forces it on an external database', () => {
    expect(loadConfig({ CLM_DEMO: '0' }).demo).toBe(false);
    expect(loadConfig({ CLM_DEMO: 'false' }).demo).toBe(false);
    expect(loadConfig({ CLM_DEMO: '1', DATABASE_URL: 'postgres://clm@db/clm' }).demo).toBe(true);
    expect(loadConfig({ CLM_DEMO: 'yes', DATABASE_URL: 'postgres://clm@db/clm' }).demo).toBe(true);
    // Empty means "not set", as for every variable.
    expect(loadConfig({ CLM_DEMO: '' }).demo).toBe(true);
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => loadConfig({ CLM_DEMO: 'maybe' })).toThrow(/CLM_DEMO: /);
  });
});

describe('the demo plan', () => {
  const small = () => planDemo({ seed: 42, customers: 20, today: TODAY });

  it('is the same for the same seed, size and day, and different for another seed', () => {
    expect(small()).toEqual(small());
    expect(planDemo({ seed: 43, customers: 20, today: TODAY }).touchpoints).not.toEqual(small().touchpoints);
  });

  it('has, for seed 42 and 20 customers, exactly these touchpoints and stages', () => {
    const plan = small();
    expect(plan.customers).toHaveLength(20);
    expect(plan.touchpoints).toHaveLength(SMALL_PLAN.touchpoints);
    expect(tally(plan.touchpoints.map((touchpoint) => touchpoint.type))).toEqual(SMALL_PLAN.types);
    expect(tally(plan.customers.map((customer) => customer.expectedStage))).toEqual(SMALL_PLAN.stages);
    expect(plan.campaigns.map((campaign) => campaign.key)).toEqual([
      'brand-search',
      'weekly-newsletter',
      'refer-a-friend',
      'display-retargeting',
      'summer-social',
      'influencer-launch',
      'autumn-sale',
      'we-miss-you',
    ]);
  });

  it("keeps each customer's touchpoints in time order, before today, with unique message ids", () => {
    const plan = planDemo({ seed: 7, customers: 300, today: TODAY });
    expect(new Set(plan.touchpoints.map((touchpoint) => touchpoint.messageId)).size).toBe(plan.touchpoints.length);
    const last = new Map<string, number>();
    for (const touchpoint of plan.touchpoints) {
      const at = touchpoint.occurredAt.getTime();
      expect(at).toBeLessThan(TODAY.getTime());
      expect(at).toBeGreaterThan(TODAY.getTime() - 366 * DAY_MS);
      expect(at).toBeGreaterThan(last.get(touchpoint.storyOf) ?? -Infinity);
      last.set(touchpoint.storyOf, at);
    }
  });

  it('sums orders and revenue from the purchases it plans', () => {
    const plan = planDemo({ seed: 7, customers: 300, today: TODAY });
    const purchases = ofType(plan, 'purchase');
    expect(plan.customers.reduce((sum, customer) => sum + customer.orders, 0)).toBe(purchases.length);
    expect(plan.customers.reduce((sum, customer) => sum + customer.revenue, 0)).toBe(
      purchases.reduce((sum, touchpoint) => sum + (touchpoint.value ?? 0), 0),
    );
  });

  it('cuts the load into windows ending today, in batches of at most the given size (1,000 by default), each customer in time order', () => {
    const plan = planDemo({ seed: 7, customers: 300, today: TODAY });
    const windows = demoWindows(plan, 7, 100);
    expect(windows[windows.length - 1].sweepAt).toEqual(TODAY);
    const fed = windows.flatMap((window) => window.batches.flat());
    expect(fed).toHaveLength(plan.touchpoints.length);
    let previousSweep = -Infinity;
    const last = new Map<string, number>();
    for (const window of windows) {
      expect(window.sweepAt.getTime() - previousSweep === 7 * DAY_MS || previousSweep === -Infinity).toBe(true);
      for (const batch of window.batches) {
        expect(batch.length).toBeLessThanOrEqual(100);
        for (const touchpoint of batch) {
          const at = touchpoint.occurredAt.getTime();
          expect(at).toBeLessThan(window.sweepAt.getTime());
          expect(at).toBeGreaterThanOrEqual(window.sweepAt.getTime() - 7 * DAY_MS);
          expect(at).toBeGreaterThan(last.get(touchpoint.storyOf) ?? -Infinity);
          last.set(touchpoint.storyOf, at);
        }
      }
      previousSweep = window.sweepAt.getTime();
    }
    expect(demoWindows(planDemo({ seed: 7, customers: 5000, today: TODAY })).every((w) => w.batches.every((b) => b.length <= 1000))).toBe(
      true,
    );
  });
});

/** Seed 42, 20 customers, today 2026-06-15T12:00Z: the plan's own counts (pinned, so a change to the generator is seen). */
const SMALL_PLAN = {
  touchpoints: 90,
  types: {
    email_open: 8,
    feature_used: 3,
    feedback: 1,
    login: 11,
    mention: 3,
    page_view: 40,
    purchase: 12,
    review: 1,
    signup: 2,
    social_engagement: 6,
    social_share: 3,
  },
  // 15 visitors never sign up or buy; demo-00002 buys twice, -00017 too and reviews it 4+ stars; -00020 signs up; -00009 bought once 120+ days ago, -00011 60+.
  stages: { acquisition: 1, advocacy: 1, 'at-risk': 1, awareness: 15, churned: 1, retention: 1 },
};

describe('a demo of 200 customers loaded through the real services', () => {
  let server: TestServer;
  let demo: Demo | null;
  let loaded: DemoLoadResult | null;
  const plan = planDemo({ seed: DEMO_SEED, customers: 200, today: TODAY });
  const log = collectingLogger();

  beforeAll(async () => {
    server = await startTestServer();
    demo = await startDemo(server.services, log.logger, { customers: 200, today: TODAY, simulateEveryMs: 0 });
    loaded = (await demo?.ready) ?? null;
    await server.services.projector.catchUp();
  });
  afterAll(async () => {
    await demo?.stop();
    await server?.close();
  });

  it('stores every planned touchpoint and customer, logging its progress about every 10%', async () => {
    expect(loaded).toMatchObject({ stopped: false, customers: 200, touchpoints: plan.touchpoints.length, campaigns: 8, segments: 3 });
    const [counts] = await server.db.query<{ customers: number; touchpoints: number }>(
      `SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM touchpoints) AS touchpoints`,
    );
    expect(counts).toEqual({ customers: 200, touchpoints: plan.touchpoints.length });
    const progress = log.lines.filter((line) => line.msg === 'demo: loading').map((line) => line.percent);
    expect(progress.length).toBeGreaterThanOrEqual(9);
    expect(progress[progress.length - 1]).toBe(100);
  });

  it("puts every customer in the stage the plan folds from the classic rules, with the plan's orders and revenue", async () => {
    // Every customer by the visitor id they arrived with; only those the plan acquires have an externalId, name and email.
    const rows = await server.db.query<{
      visitor: string;
      external_id: string | null;
      named: boolean;
      stage: string;
      orders: number;
      revenue: string;
    }>(
      `SELECT i.value AS visitor, c.external_id, c.name IS NOT NULL AND c.email IS NOT NULL AS named, c.stage, c.orders, c.revenue::text
         FROM customers c JOIN customer_identities i ON i.customer_id = c.id AND i.kind = 'anonymous_id' ORDER BY i.value`,
    );
    const actual = rows.map((row) => ({
      visitor: row.visitor,
      externalId: row.external_id,
      named: row.named,
      stage: row.stage,
      orders: row.orders,
      revenue: Number(row.revenue),
    }));
    const expected = plan.customers.map((customer) => ({
      visitor: demoVisitorOf(customer.externalId),
      externalId: customer.acquiredAt === null ? null : customer.externalId,
      named: customer.acquiredAt !== null,
      stage: customer.expectedStage,
      orders: customer.orders,
      revenue: customer.revenue,
    }));
    expect(actual).toEqual(expected);
    // The plan has every stage, churn and win-backs in it.
    expect(Object.keys(tally(expected.map((customer) => customer.stage))).sort()).toEqual(
      ['acquisition', 'advocacy', 'at-risk', 'awareness', 'churned', 'engagement', 'retention'].sort(),
    );
    expect(plan.customers.filter((customer) => customer.wonBack).length).toBeGreaterThan(0);
  });

  it('shows the win-backs as transitions by the win-back rule', async () => {
    const [row] = await server.db.query<{ customers: number }>(
      `SELECT count(DISTINCT t.customer_id)::int AS customers FROM stage_transitions t WHERE t.rule_id = 'win-back'`,
    );
    expect(row.customers).toBe(plan.customers.filter((customer) => customer.wonBack).length);
  });

  it("answers the metrics API with the plan's totals for the year", async () => {
    const range = { from: new Date(TODAY.getTime() - 366 * DAY_MS).toISOString().slice(0, 10), to: TODAY.toISOString().slice(0, 10) };
    const response = await server.graphql<{
      metrics: {
        pageViews: { total: number };
        brandMentions: { total: number };
        sales: { total: number };
        newCustomers: { total: number };
        nps: { promoters: number; passives: number; detractors: number; responses: number };
        csat: { total: number; responses: number };
        campaigns: Array<{ campaign: string; spend: number; newCustomers: number }>;
      };
    }>(
      `query ($range: DayRangeInput!) { metrics(range: $range, bucket: MONTH) {
         pageViews { total } brandMentions { total } sales { total } newCustomers { total }
         nps { promoters passives detractors responses } csat { total responses }
         campaigns { campaign spend newCustomers }
      } }`,
      { range },
    );
    expect(response.errors).toBeUndefined();
    const metrics = response.data!.metrics;
    const latest = plan.customers.map((customer) => customer.latestNps).filter((value): value is number => value !== null);
    const feedback = ofType(plan, 'feedback').map(score);
    expect(metrics.pageViews.total).toBe(ofType(plan, 'page_view').length);
    expect(metrics.brandMentions.total).toBe(ofType(plan, 'mention').length);
    expect(metrics.sales.total).toBe(ofType(plan, 'purchase').reduce((sum, touchpoint) => sum + (touchpoint.value ?? 0), 0));
    expect(metrics.newCustomers.total).toBe(plan.customers.filter((customer) => customer.acquiredAt !== null).length);
    expect(metrics.nps).toEqual({
      promoters: latest.filter((value) => value >= 9).length,
      passives: latest.filter((value) => value === 7 || value === 8).length,
      detractors: latest.filter((value) => value <= 6).length,
      responses: latest.length,
    });
    expect(metrics.csat.responses).toBe(feedback.length);
    expect(metrics.csat.total).toBeCloseTo(feedback.reduce((sum, value) => sum + value, 0) / feedback.length, 10);

    const spendCents = new Map<string, number>();
    for (const row of plan.spend) spendCents.set(row.campaign, (spendCents.get(row.campaign) ?? 0) + Math.round(row.amount * 100));
    const acquiredThrough = tally(
      plan.customers.filter((customer) => customer.acquiredAt !== null && customer.firstCampaign).map((c) => c.firstCampaign),
    );
    for (const campaign of plan.campaigns) {
      const found = metrics.campaigns.find((row) => row.campaign === campaign.key);
      expect({ campaign: campaign.key, spend: Math.round((found?.spend ?? 0) * 100), newCustomers: found?.newCustomers ?? 0 }).toEqual({
        campaign: campaign.key,
        spend: spendCents.get(campaign.key) ?? 0,
        newCustomers: acquiredThrough[campaign.key] ?? 0,
      });
    }
  });

  it("creates the demo's segments with the members the plan predicts", async () => {
    const response = await server.graphql<{ segments: Array<{ name: string; memberCount: number }> }>(`{ segments { name memberCount } }`);
    expect(response.errors).toBeUndefined();
    const counts = Object.fromEntries(response.data!.segments.map((segment) => [segment.name, segment.memberCount]));
    expect(counts).toEqual({
      'High-value customers': plan.customers.filter((customer) => customer.revenue >= 500).length,
      'At risk, bought twice': plan.customers.filter((customer) => customer.expectedStage === 'at-risk' && customer.orders >= 2).length,
      Promoters: plan.customers.filter((customer) => customer.latestNps !== null && customer.latestNps >= 9).length,
    });
  });

  it('does not load twice: a restart sees its data, and its simulator moves customers within seconds', async () => {
    // 200 customers make a quiet business: run it at a month per tick so that it moves within seconds.
    const restarted = await startDemo(server.services, log.logger, {
      customers: 200,
      simulateEveryMs: 200,
      simulator: { speed: 15_000_000, headStartMs: 365 * DAY_MS },
    });
    try {
      expect(await restarted?.ready).toBeNull();
      const [{ customers }] = await server.db.query<{ customers: number }>(`SELECT count(*)::int AS customers FROM customers`);
      expect(customers).toBeGreaterThanOrEqual(200);
      const since = new Date();
      let moved = 0;
      for (let waited = 0; moved === 0 && waited < 5000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const [row] = await server.db.query<{ moved: number }>(
          `SELECT count(*)::int AS moved FROM stage_transitions WHERE recorded_at >= $1`,
          [since.toISOString()],
        );
        moved = row.moved;
      }
      expect(moved).toBeGreaterThan(0);
    } finally {
      await restarted?.stop();
    }
    expect(restarted?.simulator()?.sent).toBeGreaterThan(0);
  });

  it('stops loading between two batches on shutdown, without starting the simulator', async () => {
    const other = await startTestServer();
    try {
      const stopping = await startDemo(other.services, log.logger, { customers: 300, today: TODAY, simulateEveryMs: 200 });
      await stopping?.stop();
      const result = await stopping?.ready;
      expect(result).toMatchObject({ stopped: true, segments: 0 });
      expect(result!.touchpoints).toBeLessThan(planDemo({ customers: 300, today: TODAY }).touchpoints.length);
      expect(stopping?.simulator()).toBeNull();
      const [{ touchpoints }] = await other.db.query<{ touchpoints: number }>(`SELECT count(*)::int AS touchpoints FROM touchpoints`);
      expect(touchpoints).toBe(result!.touchpoints);
    } finally {
      await other.close();
    }
  });

  it('stays off on a database whose customers are not the demo', async () => {
    const other = await startTestServer();
    try {
      await other.services.customers.create({ externalId: 'someone-real' });
      expect(await startDemo(other.services, log.logger, { customers: 10, simulateEveryMs: 0 })).toBeNull();
      const [{ customers }] = await other.db.query<{ customers: number }>(`SELECT count(*)::int AS customers FROM customers`);
      expect(customers).toBe(1);
    } finally {
      await other.close();
    }
  });
});
