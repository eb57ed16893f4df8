import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SqlFragment } from '../../../database/sql';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { partsStatement, sourcesOf } from '../metric-evaluation';
import type { MetricContext, PartsSql } from '../metric-evaluation';
import { Attribution } from '../metric-sources';
import type { MetricFilter } from '../metric-sources';
import type { MetricsQuery } from '../metric-types';
import { Bucket } from '../metric-windows';
import type { DayWindow } from '../metric-windows';
import { METRIC_NAMES, METRICS } from '../registry';
import { loadFixtureBusiness } from './fixture-business';
import type { FixtureBusiness } from './fixture-business';

/*
 * A metric filtered by segment (or by channel) cannot read the projection's
 * rollups, which have no customer dimension: it computes its relations from
 * the base tables. It must do so once per statement, not once per window:
 * 365 daily buckets must not read the base tables 365 times (a segment-filtered
 * `newCustomers` over a year took 28 s at 80,000 customers when they did).
 *
 * The check counts work, not time: in the plan PostgreSQL executed
 * (EXPLAIN ANALYZE), every scan of a base table and how many times it ran
 * ("loops") — the same whether the year is cut in 12 months or 365 days.
 */

/** The tables the metrics read when they cannot read the projection (its rollups are read per window by design, and so is campaign_spend, a daily table). */
const BASE_TABLES = new Set(['touchpoints', 'stage_transitions', 'segment_members', 'customer_acquisitions', 'customers']);

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Actual Loops': number; Plans?: PlanNode[] };

/** Every scan of a base table in a plan, as `table ×loops`, sorted. */
function baseScans(plan: PlanNode): string[] {
  const scans: string[] = [];
  const visit = (node: PlanNode) => {
    if (node['Relation Name'] !== undefined && BASE_TABLES.has(node['Relation Name']))
      scans.push(`${node['Relation Name']} ×${node['Actual Loops']}`);
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan);
  return scans.sort();
}

describe('metrics filtered by segment or channel read the base tables once per statement, whatever the number of buckets', () => {
  let server: TestServer;
  let fixture: FixtureBusiness;
  beforeAll(async () => {
    server = await startTestServer();
    fixture = await loadFixtureBusiness(server);
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  /** The statements every metric of the registry runs for one request (the series ones as one statement, as a GraphQL request runs them). */
  async function statementsOf(query: MetricsQuery): Promise<Map<string, SqlFragment>> {
    const requests: Array<{ windows: readonly DayWindow[]; parts: PartsSql }> = [];
    const statements = new Map<string, SqlFragment>();
    const pending = () => new Promise<never>(() => undefined);
    for (const name of METRIC_NAMES) {
      const context: MetricContext = {
        query,
        evaluate: (windows, parts) => {
          requests.push({ windows, parts });
          return pending();
        },
        rows: (build) => {
          statements.set(name, build(sourcesOf(query)));
          return pending();
        },
      };
      void METRICS[name].compute(context);
    }
    await new Promise((resolve) => setImmediate(resolve));
    statements.set('series', partsStatement(query, requests));
    return statements;
  }

  async function scansOf(bucket: Bucket, filter: MetricFilter): Promise<Record<string, string[]>> {
    const query = await server.services.metrics.query({
      from: '2025-04-01',
      to: '2026-03-31',
      bucket,
      filter,
      attribution: Attribution.FIRST_TOUCH,
      compareToPrevious: true,
    });
    const result: Record<string, string[]> = {};
    for (const [name, statement] of await statementsOf(query)) {
      const { text, values } = statement.render();
      const [row] = await server.db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
      result[name] = baseScans(row['QUERY PLAN'][0].Plan);
    }
    return result;
  }

  it('by segment: 365 daily buckets run the same scans of the base tables, each as often, as 12 monthly ones', async () => {
    const segment = { segment: fixture.proSegment };
    const monthly = await scansOf(Bucket.MONTH, segment);
    const daily = await scansOf(Bucket.DAY, segment);
    expect(daily).toEqual(monthly);
    // (Some scans run once per customer — a lookup per member or per acquisition — never once per window.)
    expect(Object.keys(daily).sort()).toEqual([
      'campaigns',
      'channels',
      'cohortRetention',
      'csat',
      'funnel',
      'salesByCurrency',
      'series',
      'stageDistribution',
      'timeInStage',
    ]);
    expect(daily.series).toContain('segment_members ×1');
    expect(daily.series).toContain('stage_transitions ×1');
  });

  it('by channel (customers by their first touch): the same', async () => {
    const monthly = await scansOf(Bucket.MONTH, { channel: 'web' });
    const daily = await scansOf(Bucket.DAY, { channel: 'web' });
    expect(daily).toEqual(monthly);
  });
});
