import type { Queryable, Sql } from '../../../database/db';
import { Attribution } from '../metric-sources';
import { Bucket } from '../metric-windows';
import { MetricsService } from '../metrics.service';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

describe('metrics over GraphQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const DISTRIBUTION = `query ($from: String!, $to: String!) {
    metrics(range: { from: $from, to: $to }, bucket: MONTH) {
      stageDistribution { bucket at stages { stage customers } }
      newCustomers { total series { bucket value } }
    }
  }`;

  type Distribution = {
    metrics: {
      stageDistribution: Array<{ bucket: string; at: string; stages: Array<{ stage: string; customers: number }> }>;
      newCustomers: { total: number; series: Array<{ bucket: string; value: number }> };
    };
  };

  it('counts customers per stage at the end of each bucket, and lets a deleted customer go on the day of deletion', async () => {
    await server.services.ingest.record(
      [
        { messageId: 'a1', customer: { externalId: 'ada' }, type: 'page_view', channel: 'web', occurredAt: '2026-01-10T10:00:00Z' },
        {
          messageId: 'a2',
          customer: { externalId: 'ada' },
          type: 'purchase',
          channel: 'web',
          occurredAt: '2026-02-03T10:00:00Z',
          value: 30,
        },
        { messageId: 'b1', customer: { externalId: 'bob' }, type: 'page_view', channel: 'web', occurredAt: '2026-02-20T10:00:00Z' },
      ],
      (index) => `touchpoints[${index}]`,
    );
    await server.services.projector.catchUp();
    const before = await server.graphql<Distribution>(DISTRIBUTION, { from: '2026-01-01', to: '2026-02-28' });
    const counts = (result: typeof before, bucket: number) =>
      Object.fromEntries(
        result.data!.metrics.stageDistribution[bucket].stages.filter((s) => s.customers > 0).map((s) => [s.stage, s.customers]),
      );
    // End of January: Ada seen (awareness). End of February: Ada bought (acquisition), Bob seen (awareness).
    expect(counts(before, 0)).toEqual({ awareness: 1 });
    expect(counts(before, 1)).toEqual({ acquisition: 1, awareness: 1 });
    expect(before.data!.metrics.newCustomers).toEqual({
      total: 1,
      series: [
        { bucket: '2026-01-01', value: 0 },
        { bucket: '2026-02-01', value: 1 },
      ],
    });

    const [bob] = await server.db.query<{ id: string }>(`SELECT id FROM customers WHERE external_id = 'bob'`);
    const deleted = await server.graphql(`mutation ($id: ID!) { deleteCustomer(id: $id) }`, { id: bob.id });
    expect(deleted.errors).toBeUndefined();
    await server.services.projector.catchUp();
    const today = new Date().toISOString().slice(0, 10);
    const after = await server.graphql<Distribution>(DISTRIBUTION, { from: '2026-01-01', to: today });
    const last = after.data!.metrics.stageDistribution.length - 1;
    // History keeps Bob in February; from the day he was deleted, he is gone.
    expect(counts(after, 1)).toEqual({ acquisition: 1, awareness: 1 });
    expect(counts(after, last)).toEqual({ acquisition: 1 });
  });

  it.each([
    [{ from: '2026-02-30', to: '2026-03-01' }, 'range.from: must be a calendar day YYYY-MM-DD (years 0001–9999)'],
    [{ from: '0000-01-01', to: '2026-03-01' }, 'range.from: must be a calendar day YYYY-MM-DD (years 0001–9999)'],
    [{ from: '2026-03-01', to: '2026-01-01' }, 'range.to: must not be before range.from'],
    [{ from: '2000-01-01', to: '2026-01-01' }, 'range: must cover at most 3660 days'],
  ])('refuses the range %j naming the field', async (range, message) => {
    const result = await server.graphql(
      `query ($from: String!, $to: String!) { metrics(range: { from: $from, to: $to }) { sales { total } } }`,
      range,
    );
    expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('answers null, never 0 or NaN, for a rate with nothing to divide by', async () => {
    const result = await server.graphql<{ metrics: { cac: { total: number | null }; nps: { total: number | null; responses: number } } }>(
      `{ metrics(range: { from: '2030-01-01', to: '2030-01-31' }) { cac { total } nps { total responses } } }`.replace(/'/g, '"'),
    );
    expect(result.data!.metrics).toEqual({ cac: { total: null }, nps: { total: null, responses: 0 } });
  });

  it('answers the series metrics of one request with one statement, and each table metric with one more', async () => {
    // A service of its own over the same database, counting its statements (the projector and the others share server.db).
    const statements: Sql[] = [];
    const counting: Queryable = {
      query: (sql, parameters) => {
        statements.push(sql);
        return server.db.query(sql, parameters);
      },
      execute: (sql, parameters) => {
        statements.push(sql);
        return server.db.execute(sql, parameters);
      },
    };
    const metrics = new MetricsService(counting, () => server.services.models.current());
    const request = await metrics.query({
      from: '2026-01-01',
      to: '2026-12-31',
      bucket: Bucket.WEEK,
      filter: {},
      attribution: Attribution.FIRST_TOUCH,
      compareToPrevious: true,
    });
    // As GraphQL resolves the sibling fields of one `metrics`: all asked at once.
    await Promise.all([
      ...(['newCustomers', 'conversionRate', 'cac', 'retentionRate', 'churnRate', 'historicalClv', 'referralRate', 'sales'] as const).map(
        (name) => metrics.metric(name, request),
      ),
      metrics.metric('salesGrowth', request),
      metrics.metric('csat', request),
      metrics.metric('nps', request),
      metrics.metric('activeCustomers', request),
      metrics.metric('funnel', request),
      metrics.metric('stageDistribution', request),
    ]);
    // Twelve series metrics (with activeCustomers' DAU/WAU/MAU and salesGrowth's earlier periods): one statement.
    // CSAT's distribution, the funnel and the stage distribution: one each.
    expect(statements).toHaveLength(4);
  });
});
