import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startTestServer, TEST_LIMITS } from '../../../testing';
import type { TestServer } from '../../../testing';
import { METRIC_NAMES } from '../registry';
import { FIXTURE_RANGE, loadFixtureBusiness } from './fixture-business';
import type { CustomerKey, FixtureBusiness } from './fixture-business';

/*
 * The customers behind the numbers (`customers(filter: {metric: …})`), on the
 * fixture business (fixture-business.ts). Each expected list is read off that
 * page by the metric's definition; metrics-fixture.test.ts derives the same
 * counts, and the lists here name the customers it counted.
 */

type MetricFilterInput = {
  membership: string;
  from?: string;
  to?: string;
  segment?: string | null;
  channel?: string | null;
  campaign?: string | null;
  attribution?: string | null;
  lookbackDays?: number | null;
  stage?: string | null;
  fromStage?: string | null;
  cohort?: string | null;
  month?: number | null;
};

type CustomersAnswer = { customers: { totalCount: number; edges: Array<{ node: { externalId: string } }> } };

describe('the customers behind a metric', () => {
  let server: TestServer;
  let fixture: FixtureBusiness;

  beforeAll(async () => {
    // The property asks for thirteen lists behind numbers in one operation, each priced by the days of its range (up to
    // 1 + 2 × 182 × 3): above the default cost limit, whose refusals operation-limits.test.ts covers.
    server = await startTestServer({ operationLimits: { ...TEST_LIMITS, maxCost: 100_000 } });
    fixture = await loadFixtureBusiness(server);
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  /** The external ids (c01 … c12) of the customers a membership names, sorted, and the list's totalCount. */
  async function members(metric: MetricFilterInput): Promise<{ keys: string[]; totalCount: number }> {
    const response = await server.graphql<CustomersAnswer>(
      `query ($filter: CustomerFilter) {
        customers(first: 100, filter: $filter) { totalCount edges { node { externalId } } }
      }`,
      { filter: { metric: { ...FIXTURE_RANGE, ...metric } } },
    );
    expect(response.errors).toBeUndefined();
    const { totalCount, edges } = response.data!.customers;
    return { keys: edges.map((edge) => edge.node.externalId).sort(), totalCount };
  }
  const keysOf = async (metric: MetricFilterInput) => (await members(metric)).keys;
  const list = (...keys: CustomerKey[]) => [...keys].sort();

  it('lists the new customers of the range, credited by the attribution', async () => {
    // Acquired in Q1: c04 01-06, c05 01-08, c08 01-12, c09 02-14, c06 03-03, c07 03-06, c12 03-18 (newCustomers = 7).
    expect(await members({ membership: 'NEW_CUSTOMERS' })).toEqual({
      keys: list('c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c12'),
      totalCount: 7,
    });
    // The previous period: c01 10-06, c02 11-01, c03 12-12.
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', from: '2025-10-03', to: '2025-12-31' })).toEqual(list('c01', 'c02', 'c03'));
    // First touch web: c07, c08, c12 (its late social page view was not known at its acquisition); acquiring touch web: c08, c12.
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', channel: 'web' })).toEqual(list('c07', 'c08', 'c12'));
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', channel: 'web', attribution: 'ACQUIRING_TOUCH' })).toEqual(list('c08', 'c12'));
    // spring-search: first touch c06; acquiring touch c06, c07; last touch within 30 days adds c12, within 1 day does not.
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', campaign: 'spring-search' })).toEqual(list('c06'));
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', campaign: 'spring-search', attribution: 'ACQUIRING_TOUCH' })).toEqual(
      list('c06', 'c07'),
    );
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', campaign: 'spring-search', attribution: 'LAST_TOUCH' })).toEqual(
      list('c06', 'c07', 'c12'),
    );
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', campaign: 'spring-search', attribution: 'LAST_TOUCH', lookbackDays: 1 })).toEqual(
      list('c06', 'c07'),
    );
    // Segment pro (c03, c04, c06, c09): c04, c06, c09; c03 was acquired in December.
    expect(await keysOf({ membership: 'NEW_CUSTOMERS', segment: fixture.proSegment })).toEqual(list('c04', 'c06', 'c09'));
  });

  it('lists the active customers: anyone with a touchpoint of the channel in the range', async () => {
    // Everyone but c02 (last seen 2025-11-03) = 11.
    expect(await members({ membership: 'ACTIVE_CUSTOMERS' })).toEqual({
      keys: list('c01', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10', 'c11', 'c12'),
      totalCount: 11,
    });
    // January: c03, c04, c05, c08, c09 (01-31 23:30Z), c10, c11.
    expect(await keysOf({ membership: 'ACTIVE_CUSTOMERS', to: '2026-01-31' })).toEqual(
      list('c03', 'c04', 'c05', 'c08', 'c09', 'c10', 'c11'),
    );
    // Touchpoints through social: c09, c10, c11, c12.
    expect(await keysOf({ membership: 'ACTIVE_CUSTOMERS', channel: 'social' })).toEqual(list('c09', 'c10', 'c11', 'c12'));
  });

  it('lists who reached each funnel step and who dropped there', async () => {
    // Furthest stage of the Q1 cohort: awareness c10, c11; acquisition c05, c07, c09, c12; engagement c06, c08; advocacy c04.
    const cohort = list('c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10', 'c11', 'c12');
    expect(await keysOf({ membership: 'FUNNEL_REACHED', stage: 'awareness' })).toEqual(cohort);
    expect(await keysOf({ membership: 'FUNNEL_REACHED', stage: 'acquisition' })).toEqual(
      list('c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c12'),
    );
    expect(await keysOf({ membership: 'FUNNEL_REACHED', stage: 'engagement' })).toEqual(list('c04', 'c06', 'c08'));
    expect(await keysOf({ membership: 'FUNNEL_REACHED', stage: 'retention' })).toEqual(list('c04'));
    expect(await keysOf({ membership: 'FUNNEL_DROPPED', stage: 'awareness' })).toEqual(list('c10', 'c11'));
    expect(await keysOf({ membership: 'FUNNEL_DROPPED', stage: 'acquisition' })).toEqual(list('c05', 'c07', 'c09', 'c12'));
    expect(await keysOf({ membership: 'FUNNEL_DROPPED', stage: 'engagement' })).toEqual(list('c06', 'c08'));
    // c04 went on from retention to advocacy: nobody stopped at retention; the last step keeps all who reached it.
    expect(await keysOf({ membership: 'FUNNEL_DROPPED', stage: 'retention' })).toEqual([]);
    expect(await keysOf({ membership: 'FUNNEL_DROPPED', stage: 'advocacy' })).toEqual(list('c04'));
    // Segment pro: c04, c06, c09 reached acquisition.
    expect(await keysOf({ membership: 'FUNNEL_REACHED', stage: 'acquisition', segment: fixture.proSegment })).toEqual(
      list('c04', 'c06', 'c09'),
    );
  });

  it('lists a cohort and the members of a cohort active in a later month', async () => {
    // 2026-01: c04, c05, c08; active in February (month 1) and March (month 2): c04, c08.
    expect(await keysOf({ membership: 'COHORT', cohort: '2026-01' })).toEqual(list('c04', 'c05', 'c08'));
    expect(await keysOf({ membership: 'COHORT', cohort: '2026-01', month: 0 })).toEqual(list('c04', 'c05', 'c08'));
    expect(await keysOf({ membership: 'COHORT', cohort: '2026-01', month: 1 })).toEqual(list('c04', 'c08'));
    expect(await keysOf({ membership: 'COHORT', cohort: '2026-01', month: 2 })).toEqual(list('c04', 'c08'));
    // 2026-02: c09, active in March; 2026-03: c06, c07, c12.
    expect(await keysOf({ membership: 'COHORT', cohort: '2026-02', month: 1 })).toEqual(list('c09'));
    expect(await keysOf({ membership: 'COHORT', cohort: '2026-03' })).toEqual(list('c06', 'c07', 'c12'));
  });

  it('lists the customers of a flow between stages, as the stage overview counts it', async () => {
    // Q1 entries: c04 01-04, c05 01-05, c08 01-10, c10 01-20, c11 01-25, c09 01-31 23:30Z, c07 02-20, c06 03-02;
    // c12 entered straight at acquisition (03-18).
    expect(await keysOf({ membership: 'FLOW', stage: 'awareness' })).toEqual(list('c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10', 'c11'));
    expect(await keysOf({ membership: 'FLOW', stage: 'acquisition' })).toEqual(list('c12'));
    expect(await keysOf({ membership: 'FLOW', fromStage: 'awareness', stage: 'acquisition' })).toEqual(
      list('c04', 'c05', 'c06', 'c07', 'c08', 'c09'),
    );
    // The sweep: c02 (01-02) and c05 (03-09) went at-risk from acquisition; c01 (02-17) and c02 (03-03) churned.
    expect(await keysOf({ membership: 'FLOW', fromStage: 'acquisition', stage: 'at-risk' })).toEqual(list('c02', 'c05'));
    expect(await keysOf({ membership: 'FLOW', fromStage: 'at-risk', stage: 'churned' })).toEqual(list('c01', 'c02'));
    // Every flow of the overview over Q1 has as many members as moves (nobody made the same move twice).
    const overview = await server.graphql<{ stageOverview: { transitions: Array<{ from: string | null; to: string; count: number }> } }>(
      `{ stageOverview(from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { transitions { from to count } } }`,
    );
    const flows = overview.data!.stageOverview.transitions;
    expect(flows.length).toBeGreaterThan(5);
    for (const flow of flows) {
      const { totalCount } = await members({ membership: 'FLOW', fromStage: flow.from, stage: flow.to });
      expect([flow.from, flow.to, totalCount]).toEqual([flow.from, flow.to, flow.count]);
    }
  });

  it('refuses a bad membership naming the field under filter.metric', async () => {
    const refusal = async (metric: MetricFilterInput) => {
      const response = await server.graphql(`query ($filter: CustomerFilter) { customers(filter: $filter) { totalCount } }`, {
        filter: { metric: { ...FIXTURE_RANGE, ...metric } },
      });
      return response.errors?.map((error) => [error.extensions?.code, error.message]);
    };
    expect(await refusal({ membership: 'FUNNEL_REACHED' })).toEqual([
      [
        'BAD_USER_INPUT',
        'filter.metric.stage: must be a funnel stage of the lifecycle model (awareness, acquisition, engagement, retention, advocacy)',
      ],
    ]);
    expect(await refusal({ membership: 'FUNNEL_DROPPED', stage: 'churned' })).toEqual([
      [
        'BAD_USER_INPUT',
        'filter.metric.stage: must be a funnel stage of the lifecycle model (awareness, acquisition, engagement, retention, advocacy)',
      ],
    ]);
    expect(await refusal({ membership: 'FLOW', fromStage: 'limbo', stage: 'churned' })).toEqual([
      [
        'BAD_USER_INPUT',
        'filter.metric.fromStage: must be a stage of the lifecycle model (awareness, acquisition, engagement, retention, advocacy, at-risk, churned), or none for an entry',
      ],
    ]);
    expect(await refusal({ membership: 'NEW_CUSTOMERS', from: '2026-02-30' })).toEqual([
      ['BAD_USER_INPUT', 'filter.metric.from: must be a calendar day YYYY-MM-DD (years 0001–9999)'],
    ]);
    expect(await refusal({ membership: 'NEW_CUSTOMERS', attribution: 'FIRST' })).toEqual([
      ['BAD_USER_INPUT', 'filter.metric.attribution: must be one of FIRST_TOUCH, ACQUIRING_TOUCH, LAST_TOUCH'],
    ]);
    expect(await refusal({ membership: 'NEW_CUSTOMERS', segment: 'pro' })).toEqual([
      ['BAD_USER_INPUT', 'filter.metric.segment: must be a segment id'],
    ]);
    expect(await refusal({ membership: 'COHORT', cohort: '2025-12' })).toEqual([
      ['BAD_USER_INPUT', 'filter.metric.cohort: must be a month YYYY-MM within the range'],
    ]);
    // March is the range's last month: 2026-02 has months 0 and 1 only.
    expect(await refusal({ membership: 'COHORT', cohort: '2026-02', month: 2 })).toEqual([
      ['BAD_USER_INPUT', 'filter.metric.month: must be a whole number of months from 0 to the range’s last month'],
    ]);
  });

  it('gives every metric its written definition (metricDefinitions), as the registry holds it', async () => {
    const response = await server.graphql<{ metricDefinitions: Array<{ name: string; family: string; description: string }> }>(
      `{ metricDefinitions { name family description } }`,
    );
    const definitions = response.data!.metricDefinitions;
    expect(definitions.map((definition) => definition.name)).toEqual([...METRIC_NAMES]);
    expect(definitions.find((definition) => definition.name === 'cac')).toEqual({
      name: 'cac',
      family: 'acquisition',
      description: 'CAC (cost per acquisition): campaign spend in the window ÷ new customers in the window.',
    });
  });

  it('counts exactly what the metric counts, for any range, filter and attribution', async () => {
    type Case = { from: string; to: string; channel: string | null; campaign: string | null; attribution: string; pro: boolean };
    const day = fc.date({ min: new Date('2025-10-01T00:00:00Z'), max: new Date('2026-03-31T00:00:00Z'), noInvalidDate: true });
    const cases = fc.record({
      days: fc.tuple(day, day).map(([a, b]) => (a <= b ? [a, b] : [b, a]).map((date) => date.toISOString().slice(0, 10))),
      channel: fc.constantFrom(null, 'web', 'email', 'social', 'paid_search'),
      campaign: fc.constantFrom(null, 'winter-email', 'spring-search'),
      attribution: fc.constantFrom('FIRST_TOUCH', 'ACQUIRING_TOUCH', 'LAST_TOUCH'),
      pro: fc.boolean(),
    });
    const stages = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'];
    const check = async ({ from, to, channel, campaign, attribution, pro }: Case) => {
      const segment = pro ? fixture.proSegment : null;
      const metric = { from, to, channel, campaign, attribution, segment };
      const count = (membership: string, stage?: string) => `customers(filter: {metric: {membership: ${membership},
          from: $from, to: $to, segment: $segment, channel: $channel, campaign: $campaign, attribution: $attribution
          ${stage ? `, stage: "${stage}"` : ''}}}) { totalCount }`;
      const response = await server.graphql<
        Record<string, { totalCount: number }> & {
          metrics: { newCustomers: { total: number }; activeCustomers: { total: number }; funnel: Array<{ reached: number }> };
        }
      >(
        `query ($from: String!, $to: String!, $segment: ID, $channel: String, $campaign: String, $attribution: String!,
                $filter: MetricFilterInput, $mode: Attribution!) {
          metrics(range: {from: $from, to: $to}, bucket: MONTH, filter: $filter, attribution: $mode) {
            newCustomers { total } activeCustomers { total } funnel { reached }
          }
          newCustomers: ${count('NEW_CUSTOMERS')}
          activeCustomers: ${count('ACTIVE_CUSTOMERS')}
          ${stages.map((stage) => `reached_${stage}: ${count('FUNNEL_REACHED', stage)} dropped_${stage}: ${count('FUNNEL_DROPPED', stage)}`).join('\n')}
        }`,
        { ...metric, filter: { segment, channel, campaign }, mode: attribution },
      );
      expect(response.errors).toBeUndefined();
      const data = response.data!;
      expect(data.newCustomers.totalCount).toBe(data.metrics.newCustomers.total);
      expect(data.activeCustomers.totalCount).toBe(data.metrics.activeCustomers.total);
      const reached = data.metrics.funnel.map((step) => step.reached);
      expect(stages.map((stage) => data[`reached_${stage}`].totalCount)).toEqual(reached);
      expect(stages.map((stage) => data[`dropped_${stage}`].totalCount)).toEqual(
        reached.map((value, index) => value - (reached[index + 1] ?? 0)),
      );
    };
    await fc.assert(
      fc.asyncProperty(cases, ({ days: [from, to], ...rest }) => check({ from, to, ...rest })),
      { numRuns: 25 },
    );
  }, 120_000);
});
