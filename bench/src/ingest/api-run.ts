import type pg from 'pg';
import { GraphqlError, postGraphql } from '../shared/graphql.js';
import { at, field } from '../shared/json.js';
import { runPool } from '../shared/pool.js';
import { queryValue, withClient } from '../shared/postgres.js';
import type { Batch } from './workload.js';

/** Whole-batch failures that were resent. */
export type RetryStats = { retries: number; retried: number[] };

/** What the API stored for the benchmark, read back from its database. */
export type ApiCounts = {
  touchpoints: number;
  customers: number;
  transitionsByCause: Record<string, number>;
  customersByStage: Record<string, number>;
};

/**
 * Posts one prepared batch; throws unless every item came back ACCEPTED. A
 * mutation that failed as a whole rolled back, so it is resent (up to
 * `retries` times) and checked the same way.
 */
export async function postBatch(url: string, key: string, batch: Batch, retries: number, stats: RetryStats): Promise<void> {
  let data: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      data = await postGraphql(url, key, batch.body);
      break;
    } catch (error) {
      if (!(error instanceof GraphqlError) || !error.wholeRequestFailed || attempt >= retries) throw error;
      stats.retries += 1;
      stats.retried.push(batch.index);
    }
  }
  checkAllAccepted(batch, field(data, 'recordTouchpoints'));
}

function checkAllAccepted(batch: Batch, result: unknown): void {
  const results = field(result, 'results');
  const items = Array.isArray(results) ? results : [];
  const bad = items.filter((item) => field(item, 'status') !== 'ACCEPTED');
  if (field(result, 'accepted') !== batch.size || items.length !== batch.size || bad.length > 0) {
    throw new Error(
      `batch ${batch.index}: ${String(field(result, 'accepted'))}/${batch.size} accepted (${String(field(result, 'duplicates'))} duplicates, ` +
        `${String(field(result, 'rejected'))} rejected); first problems: ${JSON.stringify(bad.slice(0, 3))}`,
    );
  }
}

/** Posts every batch with `concurrency` in flight; returns each batch's latency in ms, ascending. */
export async function postAll(
  url: string,
  key: string,
  batches: readonly Batch[],
  concurrency: number,
  retries: number,
  stats: RetryStats,
): Promise<number[]> {
  const latencies: number[] = [];
  await runPool(batches, concurrency, async (batch) => {
    const started = performance.now();
    await postBatch(url, key, batch, retries, stats);
    latencies.push(performance.now() - started);
  });
  return latencies.sort((a, b) => a - b);
}

/** The lifecycle model's name and rule count, as the API reports them. */
export async function lifecycleModel(url: string, key: string): Promise<{ name: string; rules: number }> {
  const data = await postGraphql(url, key, JSON.stringify({ query: '{ lifecycleModel { name rules { id } } }' }));
  const rules = at(data, 'lifecycleModel', 'rules');
  return { name: String(at(data, 'lifecycleModel', 'name')), rules: Array.isArray(rules) ? rules.length : 0 };
}

/** Touchpoints, customers, transitions by cause and customers by stage of the benchmark's rows. */
export async function countApiRows(url: string, seed: number): Promise<ApiCounts> {
  return withClient(url, async (client) => ({
    touchpoints: Number(await queryValue(client, `SELECT count(*) FROM touchpoints WHERE message_id LIKE $1`, [`bench-s${seed}-%`])),
    customers: Number(await queryValue(client, `SELECT count(*) FROM customers WHERE external_id LIKE 'c-%'`)),
    transitionsByCause: await countsBy(
      client,
      `SELECT st.cause AS key, count(*)::int AS n FROM stage_transitions st JOIN customers c ON c.id = st.customer_id
        WHERE c.external_id LIKE 'c-%' GROUP BY st.cause ORDER BY st.cause`,
    ),
    customersByStage: await countsBy(
      client,
      `SELECT coalesce(stage, '(none)') AS key, count(*)::int AS n FROM customers WHERE external_id LIKE 'c-%' GROUP BY 1 ORDER BY 2 DESC`,
    ),
  }));
}

async function countsBy(client: pg.Client, sql: string): Promise<Record<string, number>> {
  const result = await client.query<{ key: string; n: number }>(sql);
  return Object.fromEntries(result.rows.map((row) => [row.key, row.n]));
}

/** Commits, rollbacks and deadlocks of database `name` (read after its connections closed, so they are flushed). */
export async function databaseStats(
  serverUrl: string,
  name: string,
): Promise<{ commits: number; rollbacks: number; deadlocks: number } | null> {
  return withClient(serverUrl, async (client) => {
    const result = await client.query<{ commits: number; rollbacks: number; deadlocks: number }>(
      'SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks, deadlocks::int FROM pg_stat_database WHERE datname = $1',
      [name],
    );
    return result.rows[0] ?? null;
  });
}
