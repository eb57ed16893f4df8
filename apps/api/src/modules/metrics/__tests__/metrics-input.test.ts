import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { Attribution } from '../metric-sources';
import { Bucket } from '../metric-windows';
import { METRIC_NAMES } from '../registry';
import type { MetricName } from '../registry';

/*
 * Every metrics request is answered or refused with a client error that names
 * the argument; none ends in INTERNAL_SERVER_ERROR, over GraphQL and the CSV
 * export alike. (The edges: a window ends on the day after its last, so a
 * range may end on 9999-12-30 at the latest; a previous period must begin in
 * year 1 or later; text that PostgreSQL cannot store is refused.)
 */

/** A small selection of each metric, enough to compute it. */
const SELECTION: Record<MetricName, string> = {
  pageViews: '{ total }',
  uniqueVisitors: '{ total }',
  socialEngagements: '{ total }',
  socialShares: '{ total }',
  brandMentions: '{ total }',
  newCustomers: '{ total previous series { bucket value } }',
  conversionRate: '{ total previous }',
  cac: '{ total previous }',
  sales: '{ total previous }',
  salesGrowth: '{ total series { value } }',
  salesByCurrency: '{ currency purchases amount }',
  engagementRate: '{ total }',
  activeCustomers: '{ total dau wau mau }',
  csat: '{ total distribution { score } }',
  retentionRate: '{ total }',
  churnRate: '{ total }',
  historicalClv: '{ total }',
  repeatPurchaseRate: '{ total }',
  nps: '{ total responses }',
  referralRate: '{ total }',
  funnel: '{ stage reached }',
  timeInStage: '{ stage stays }',
  stageDistribution: '{ bucket at }',
  cohortRetention: '{ cohort retention }',
  campaigns: '{ campaign }',
  channels: '{ channel }',
};

const QUERY = (metrics: readonly MetricName[]) => `query ($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput,
    $compare: Boolean!, $attribution: Attribution!, $lookback: Int!) {
  metrics(range: $range, bucket: $bucket, filter: $filter, compareToPrevious: $compare, attribution: $attribution, lookbackDays: $lookback) {
    ${metrics.map((name) => `${name} ${SELECTION[name]}`).join('\n    ')}
  }
}`;

type Variables = {
  range: { from: string; to: string };
  bucket: 'DAY' | 'WEEK' | 'MONTH';
  filter: { segment?: string; channel?: string; campaign?: string } | null;
  compare: boolean;
  attribution: 'FIRST_TOUCH' | 'ACQUIRING_TOUCH' | 'LAST_TOUCH';
  lookback: number;
};

/** The refusals a metrics request may get: a bad argument, an unknown segment, a price above the key's limit, too many at once. */
const CLIENT_CODES = /^(BAD_USER_INPUT|NOT_FOUND|COST_LIMIT_EXCEEDED|TOO_MANY_EXPENSIVE_OPERATIONS)$/;

type GraphQLError = { message: string; extensions?: { code?: string; field?: string } };

describe('metrics arguments at the edges', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.services.ingest.record(
      [
        { messageId: 'e1', customer: { externalId: 'ada' }, type: 'page_view', channel: 'web', occurredAt: '0001-01-10T10:00:00Z' },
        {
          messageId: 'e2',
          customer: { externalId: 'ada' },
          type: 'purchase',
          channel: 'web',
          occurredAt: '2026-02-03T10:00:00Z',
          value: 30,
        },
      ],
      (index) => `touchpoints[${index}]`,
    );
    await server.services.projector.catchUp();
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  const ask = (metrics: readonly MetricName[], variables: Partial<Variables>) =>
    server.graphql<{ metrics: Record<string, unknown> }>(QUERY(metrics), {
      bucket: 'MONTH',
      filter: null,
      compare: false,
      attribution: 'FIRST_TOUCH',
      lookback: 30,
      ...variables,
    });

  const csv = (parameters: Record<string, string>) =>
    fetch(`${server.httpUrl.replace(/\/graphql$/, '')}/api/metrics.csv?${new URLSearchParams(parameters).toString()}`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });

  it('refuses a range ending on 9999-12-31, naming range.to, and answers one ending the day before', async () => {
    const refused = await ask(['newCustomers', 'stageDistribution'], { range: { from: '9999-12-01', to: '9999-12-31' } });
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message: 'range.to: must be 9999-12-30 or earlier (a window ends on the day after its last)',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'range.to' }),
      }),
    ]);
    // (Nothing can happen in December 9999 yet: ingest refuses events more than a day ahead.)
    const answered = await ask(['sales', 'stageDistribution'], { range: { from: '9999-12-01', to: '9999-12-30' } });
    expect(answered.errors).toBeUndefined();
    expect(answered.data?.metrics).toEqual({
      sales: { total: 0, previous: null },
      stageDistribution: [{ bucket: '9999-12-01', at: '9999-12-31' }],
    });
    const response = await csv({ metric: 'sales', from: '9999-12-01', to: '9999-12-31' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: 'to: after 9999-12-30 (the last day a range may end on)',
          extensions: {
            code: 'BAD_USER_INPUT',
            field: 'to',
            issues: [{ field: 'to', message: 'after 9999-12-30 (the last day a range may end on)' }],
          },
        },
      ],
    });
  });

  it('refuses compareToPrevious when the previous period would begin before year 1, naming it', async () => {
    // 0001-01-01 … 0001-01-31 is 31 days: its previous period would begin 31 days before year 1.
    const refused = await ask(['pageViews'], { range: { from: '0001-01-01', to: '0001-01-31' }, compare: true });
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message:
          'compareToPrevious: the previous period of 31 days would begin before 0001-01-01; start the range on 0001-02-01 or later, or leave compareToPrevious off',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'compareToPrevious' }),
      }),
    ]);
    // February 0001 (28 days): the previous period is 0001-01-04 … 0001-01-31, with Ada's page view of 0001-01-10.
    const answered = await ask(['pageViews'], { range: { from: '0001-02-01', to: '0001-02-28' }, compare: true });
    expect(answered).toEqual({ data: { metrics: { pageViews: { total: 0 } } } });
    const metrics = server.services.metrics;
    const request = { bucket: Bucket.MONTH, filter: {}, attribution: Attribution.FIRST_TOUCH };
    const pageViews = await metrics.metric(
      'pageViews',
      await metrics.query({ ...request, from: '0001-02-01', to: '0001-02-28', compareToPrevious: true }),
    );
    expect(pageViews).toEqual({ total: 0, previous: 1, change: -1, series: [{ bucket: '0001-02-01', value: 0 }] });
    // Sales growth always compares with the period before; before year 1 there are no sales, so no growth: null.
    const growth = await metrics.metric(
      'salesGrowth',
      await metrics.query({ ...request, from: '0001-01-01', to: '0001-01-31', compareToPrevious: false }),
    );
    expect(growth).toEqual({ total: null, previous: null, change: null, series: [{ bucket: '0001-01-01', value: null }] });
  });

  it('refuses a NUL in the channel or campaign filter, naming it, over GraphQL and CSV', async () => {
    const refused = await ask(['newCustomers'], { range: { from: '2026-01-01', to: '2026-01-31' }, filter: { channel: 'web\u0000' } });
    expect(refused.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.channel' }) }),
    ]);
    expect(refused.errors?.[0].message).toMatch(/^filter\.channel: /);
    const campaign = await ask(['sales'], { range: { from: '2026-01-01', to: '2026-01-31' }, filter: { campaign: '\u0000' } });
    expect(campaign.errors?.[0].extensions).toEqual(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.campaign' }));
    const response = await csv({ metric: 'sales', from: '2026-01-01', to: '2026-01-31', channel: 'web\u0000' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: GraphQLError[] }).errors[0].extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'channel' }),
    );
  });

  /** `from` moved by `days` (as text, even past year 9999 or when `from` is not a day at all: the API must refuse it). */
  const afterDays = (from: string, days: number): string => {
    const start = new Date(`${from}T00:00:00Z`);
    if (Number.isNaN(start.getTime())) return from;
    const moved = new Date(start.getTime() + days * 86_400_000).toISOString();
    return moved.startsWith('+') ? moved.slice(1, 11) : moved.slice(0, 10);
  };

  /** A calendar day, mostly near the edges of what clm can hold, sometimes not a day at all. */
  const day = fc.oneof(
    {
      arbitrary: fc
        .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
        .map((date) => date.toISOString().slice(0, 10)),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom(
        '0001-01-01',
        '0001-01-02',
        '0001-01-20',
        '0001-02-01',
        '2026-01-01',
        '9999-11-25',
        '9999-12-30',
        '9999-12-31',
      ),
      weight: 3,
    },
    { arbitrary: fc.constantFrom('0000-12-31', '2026-02-30', '10000-01-01', '2026-1-1', ''), weight: 1 },
  );
  const text = fc.oneof(fc.constantFrom('web', 'ads', 'spring', ''), fc.string({ maxLength: 6 }), fc.constant('\u0000'));
  const request = fc.record({
    metrics: fc.subarray([...METRIC_NAMES], { minLength: 1, maxLength: 4 }),
    from: day,
    // Mostly a range that ends some days after it starts (up to past the longest allowed), sometimes any day.
    to: fc.oneof(
      { arbitrary: fc.integer({ min: -1, max: 40 }).map((span) => ({ span })), weight: 3 },
      { arbitrary: fc.integer({ min: 3600, max: 3700 }).map((span) => ({ span })), weight: 1 },
      { arbitrary: day.map((to) => ({ to })), weight: 1 },
    ),
    bucket: fc.constantFrom('DAY' as const, 'WEEK' as const, 'MONTH' as const),
    filter: fc.option(
      fc.record({ segment: fc.oneof(fc.uuid(), fc.constantFrom('not-a-uuid')), channel: text, campaign: text }, { requiredKeys: [] }),
    ),
    compare: fc.boolean(),
    attribution: fc.constantFrom('FIRST_TOUCH' as const, 'ACQUIRING_TOUCH' as const, 'LAST_TOUCH' as const),
    lookback: fc.integer({ min: -2, max: 400 }),
  });

  it('answers every request or refuses it with a coded client error, never INTERNAL_SERVER_ERROR (GraphQL and CSV)', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ metrics, from, to: end, ...rest }) => {
        const to = 'to' in end ? end.to : afterDays(from, end.span);
        const response = await ask(metrics, { range: { from, to }, ...rest });
        for (const error of response.errors ?? []) {
          expect(error.extensions?.code).toMatch(CLIENT_CODES);
        }
        if (response.errors === undefined) expect(Object.keys(response.data?.metrics ?? {}).sort()).toEqual([...metrics].sort());
        const parameters: Record<string, string> = { metric: metrics[0], from, to, bucket: rest.bucket };
        for (const [name, value] of Object.entries(rest.filter ?? {})) if (value !== undefined) parameters[name] = value;
        const exported = await csv(parameters);
        if (exported.status !== 200) {
          expect([400, 429]).toContain(exported.status);
          expect(((await exported.json()) as { errors: GraphQLError[] }).errors[0].extensions?.code).toMatch(CLIENT_CODES);
        } else {
          await exported.text();
        }
      }),
      { numRuns: 100 },
    );
  }, 240_000);
});
