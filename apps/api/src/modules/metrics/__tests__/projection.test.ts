import fc from 'fast-check';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';
import { sql } from '../../../database/sql';
import type { SqlFragment } from '../../../database/sql';
import { Attribution, MetricSources } from '../metric-sources';
import { Bucket } from '../metric-windows';
import type { RelationName } from '../metric-sources';
import { ENGAGEMENT_TYPES } from '../vocabulary';

/*
 * (With a customer deleted, the projection keeps their history in its
 * aggregates while the base tables lose it, so only the stage counts compare.)
 *
 * The metrics projection folds the logs batch by batch, in commit order, with
 * late events and repeated scores. Whatever the order and the batching, each of
 * its relations must equal the same relation computed from the base tables in
 * one go (the scan the metrics fall back to for segments).
 */

/** A measure's running totals where they move (a day whose changes summed to nothing may have a row or not). */
function runningTotals(relation: SqlFragment, measure: string): SqlFragment {
  return sql`SELECT key, day::text, total::text AS total
               FROM (SELECT *, lag(total, 1, 0::numeric) OVER (PARTITION BY key ORDER BY day) AS before FROM ${relation} WHERE measure = ${measure}) x
              WHERE total <> before ORDER BY 1, 2`;
}

/** Each relation as a canonical, comparable list: grouped on its keys, zero rows dropped. */
const CANONICAL: Record<RelationName, (relation: SqlFragment) => SqlFragment> = {
  tp_daily: (
    r: SqlFragment,
  ) => sql`SELECT day::text, type, channel, campaign, sum(touchpoints)::int AS n, sum(value_sum)::text AS v FROM ${r}
              GROUP BY 1, 2, 3, 4 HAVING sum(touchpoints) <> 0 ORDER BY 1, 2, 3, 4`,
  tr_daily: (r: SqlFragment) => sql`SELECT day::text, from_stage, to_stage, cause, sum(transitions)::int AS n FROM ${r}
              GROUP BY 1, 2, 3, 4 HAVING sum(transitions) <> 0 ORDER BY 1, 2, 3, 4`,
  stage_totals: (r: SqlFragment) => runningTotals(r, 'stage'),
  acquired_totals: (r: SqlFragment) => runningTotals(r, 'acquired'),
  sales_totals: (r: SqlFragment) => runningTotals(r, 'sales'),
  gaps: (r: SqlFragment) =>
    sql`SELECT kind, day::text, prev_day::text, sum(customers)::int AS n, max(customers_upto)::int AS upto FROM ${r}
         GROUP BY 1, 2, 3 HAVING sum(customers) <> 0 ORDER BY 1, 2, 3`,
  acq_daily: (r: SqlFragment) => sql`SELECT day::text, channel, campaign, first_channel, first_campaign, sum(customers)::int AS n FROM ${r}
               GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
  acq_credited: (
    r: SqlFragment,
  ) => sql`SELECT day::text, channel, campaign, first_channel, first_campaign, sum(customers)::int AS n FROM ${r}
               GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
  funnel_daily: (r: SqlFragment) =>
    sql`SELECT cohort_day::text, stage, sum(customers)::int AS n FROM ${r} GROUP BY 1, 2 HAVING sum(customers) <> 0 ORDER BY 1, 2`,
  entries: (r: SqlFragment) => sql`SELECT customer_id, stage, cohort_day::text, seconds_from_entry FROM ${r} ORDER BY 1, 2`,
  entry_bins: (r: SqlFragment) =>
    sql`SELECT cohort_day::text, stage, bin, sum(entries)::int AS n FROM ${r} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  stays: (r: SqlFragment) => sql`SELECT day::text, stage, seconds FROM ${r} ORDER BY 1, 2, 3`,
  scores_daily: (r: SqlFragment) =>
    sql`SELECT kind, day::text, score, sum(responses)::int AS n FROM ${r} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  score_chain: (r: SqlFragment) => sql`SELECT kind, day::text, next_day::text, score, sum(customers)::int AS n FROM ${r}
                 GROUP BY 1, 2, 3, 4 HAVING sum(customers) <> 0 ORDER BY 1, 2, 3, 4`,
  purchasers: (r: SqlFragment) => sql`SELECT p.customer_id, p.first_purchase_at, p.second_purchase_at FROM ${r} p ORDER BY 1`,
  customer_gaps: (
    r: SqlFragment,
  ) => sql`SELECT kind, day::text, prev_day::text, sum(customers)::int AS n, max(customers_upto)::int AS upto FROM ${r}
                   GROUP BY 1, 2, 3 HAVING sum(customers) <> 0 ORDER BY 1, 2, 3`,
  customer_tp_daily: (
    r: SqlFragment,
  ) => sql`SELECT day::text, type, channel, campaign, sum(touchpoints)::int AS n, sum(value_sum)::text AS v FROM ${r}
                       GROUP BY 1, 2, 3, 4 HAVING sum(touchpoints) <> 0 ORDER BY 1, 2, 3, 4`,
};

function isRelationName(name: string): name is RelationName {
  return Object.hasOwn(CANONICAL, name);
}

const TYPES = ['page_view', 'purchase', 'signup', 'login', 'referral', 'survey_response', 'feedback', 'social_share', 'review'];

type Event = {
  customer: number;
  type: string;
  day: number;
  hour: number;
  score: number;
  value: number;
  channel: string;
  campaign: string | null;
};

const event = fc.record({
  customer: fc.integer({ min: 0, max: 5 }),
  type: fc.constantFrom(...TYPES),
  day: fc.integer({ min: 0, max: 40 }),
  hour: fc.integer({ min: 0, max: 23 }),
  score: fc.integer({ min: -1, max: 11 }),
  value: fc.integer({ min: 0, max: 500 }),
  channel: fc.constantFrom('web', 'email', 'social'),
  campaign: fc.constantFrom(null, 'spring', 'fall'),
});

describe('the metrics projection', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  async function relations(mode: 'auto' | 'scan'): Promise<Record<string, unknown[]>> {
    const model = await context.services.models.current();
    const result: Record<string, unknown[]> = {};
    for (const name of Object.keys(CANONICAL).filter(isRelationName)) {
      const sources = new MetricSources(
        {},
        {
          funnel: model.stages.map((stage) => stage.key),
          acquiredStage: model.acquiredStage,
          engagementTypes: ENGAGEMENT_TYPES,
          attribution: Attribution.FIRST_TOUCH,
        },
        mode,
      );
      result[name] = await context.db.query(sources.statement(CANONICAL[name](sources.relation(name))));
    }
    return result;
  }

  async function funnelMedians(from: string, to: string): Promise<(number | null)[]> {
    const query = await context.services.metrics.query({
      from,
      to,
      bucket: Bucket.MONTH,
      filter: {},
      attribution: Attribution.FIRST_TOUCH,
      compareToPrevious: false,
    });
    return (await context.services.metrics.metric('funnel', query)).slice(1).map((step) => step.medianSecondsToReach);
  }

  async function sortedMedians(from: string, to: string): Promise<(number | null)[]> {
    const model = await context.services.models.current();
    const rows = await context.db.query<{ median: number | null }>(
      `SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY e.seconds_from_entry) FROM metric_stage_entries e
                WHERE e.stage = s.stage AND e.cohort_day >= $2::date AND e.cohort_day <= $3::date) AS median
         FROM unnest($1::text[]) WITH ORDINALITY s(stage, position) ORDER BY s.position`,
      [model.stages.slice(1).map((stage) => stage.key), from, to],
    );
    return rows.map((row) => row.median);
  }

  it('equals the same relations computed from the base tables, whatever the order and batching of the events', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 15 }),
        fc.boolean(),
        async (events: Event[], batchSize, erase) => {
          run += 1;
          // Holding the projection's lock keeps the projector (woken by commits) away while the tables are emptied.
          await context.db.transaction(async (uow) => {
            await uow.execute(`INSERT INTO projection_locks (projection) VALUES ('metrics') ON CONFLICT DO NOTHING`);
            await uow.query(`SELECT projection FROM projection_locks WHERE projection = 'metrics' FOR UPDATE`);
            await uow.execute(`TRUNCATE customers, touchpoints, stage_transitions, projection_positions, customer_erasures, deleted_message_ids,
          metric_touchpoints_daily, metric_transitions_daily, metric_customers, metric_stage_entries, metric_entry_bins, metric_running_totals, metric_funnel_daily, metric_stage_stays,
          metric_acquisitions_daily, metric_activity_days, metric_activity_gaps, metric_scores_daily, metric_customer_scores, metric_score_chain CASCADE`);
          });
          const touchpoints = events.map((e, index) => ({
            messageId: `r${run}-${index}`,
            customer: { externalId: `c${e.customer}` },
            type: e.type,
            channel: e.channel,
            campaign: e.campaign,
            occurredAt: new Date(Date.UTC(2026, 0, 1 + e.day, e.hour)).toISOString(),
            value: e.type === 'purchase' ? e.value : null,
            properties: e.score >= 0 ? { score: e.score } : {},
          }));
          for (let start = 0; start < touchpoints.length; start += batchSize) {
            await context.services.ingest.record(touchpoints.slice(start, start + batchSize), (index) => `touchpoints[${index}]`);
            // Apply some batches before the next arrives and some together.
            if (start % (batchSize * 2) === 0) await context.services.projector.catchUp();
          }
          // The overview's counts are exact before the projection has caught up (the log's tail is added) and after.
          const customersTable = async () => {
            const rows = await context.db.query<{ stage: string; count: number }>(
              `SELECT stage, count(*)::int AS count FROM customers GROUP BY stage`,
            );
            return Object.fromEntries(rows.map((row) => [row.stage, row.count]));
          };
          const tally = async () => Object.fromEntries((await context.services.metrics.stageCounts()).counts);
          expect(await tally()).toEqual(await customersTable());
          if (erase) {
            const [victim] = await context.db.query<{ id: string }>(`SELECT id FROM customers ORDER BY external_id LIMIT 1`);
            await context.services.customers.delete(victim.id);
            expect(await tally()).toEqual(await customersTable());
          }
          await context.services.projector.catchUp();
          expect(await tally()).toEqual(await customersTable());
          // A deleted customer's history stays in the projection's aggregates and leaves the base tables: only counts compare then.
          if (!erase) expect(await relations('auto')).toEqual(await relations('scan'));
          // The funnel's medians found through the bins are percentile_cont over the cohort's entries, in any range.
          for (const [from, to] of [
            ['2026-01-01', '2026-02-28'],
            ['2026-01-08', '2026-01-24'],
          ])
            expect(await funnelMedians(from, to)).toEqual(await sortedMedians(from, to));
        },
      ),
      { numRuns: 30 },
    );
  }, 240_000);
});
