import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { log } from '../shared/cli.js';
import { copyIn, copyLine } from '../shared/copy.js';
import { runPool } from '../shared/pool.js';
import { checkpoint, queryValue, withClient } from '../shared/postgres.js';
import { chunk } from '../shared/stats.js';
import type { Batch, WorkloadRow } from './workload.js';

/** How long the raw COPY of the same rows took, both ways. */
export type BaselineTimes = { perBatchSeconds: number; singleSeconds: number };

const COPY_SQL = 'COPY touchpoints (message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties) FROM STDIN';

/**
 * The baseline on database `url` (migrated, empty): the customers are
 * inserted first (untimed), then the same rows are copied into `touchpoints`
 * once per batch over `concurrency` connections and once as a single stream.
 */
export async function runBaseline(
  url: string,
  rows: readonly WorkloadRow[],
  batches: readonly Batch[],
  concurrency: number,
): Promise<BaselineTimes> {
  const customerIds = await insertCustomers(url, rows);
  const buffers = batches.map((batch) => copyBuffer(batch.rows, customerIds));
  const perBatchSeconds = await copyPerBatch(url, buffers, concurrency);
  await expectRows(url, rows.length, 'per batch');
  await withClient(url, (client) => client.query('TRUNCATE touchpoints'));
  const singleSeconds = await copyOneStream(url, buffers);
  await expectRows(url, rows.length, 'one stream');
  return { perBatchSeconds, singleSeconds };
}

async function insertCustomers(url: string, rows: readonly WorkloadRow[]): Promise<Map<string, string>> {
  const customerIds = new Map<string, string>();
  for (const row of rows) if (!customerIds.has(row.externalId)) customerIds.set(row.externalId, randomUUID());
  await withClient(url, async (client) => {
    for (const part of chunk([...customerIds], 5000)) {
      await client.query(`INSERT INTO customers (id, external_id) SELECT * FROM unnest($1::uuid[], $2::text[])`, [
        part.map(([, id]) => id),
        part.map(([externalId]) => externalId),
      ]);
    }
    await client.query('VACUUM ANALYZE customers');
  });
  return customerIds;
}

function copyBuffer(rows: readonly WorkloadRow[], customerIds: ReadonlyMap<string, string>): Buffer {
  let text = '';
  for (const row of rows) {
    text += copyLine([
      row.messageId,
      customerIds.get(row.externalId),
      row.type,
      row.channel,
      row.occurredAt,
      row.value,
      row.currency,
      row.campaign,
      JSON.stringify(row.properties),
    ]);
  }
  return Buffer.from(text);
}

/** One COPY (its own transaction) per batch, the same concurrency as the API run. */
async function copyPerBatch(url: string, buffers: readonly Buffer[], concurrency: number): Promise<number> {
  const clients: pg.Client[] = [];
  for (let i = 0; i < concurrency; i++) {
    const client = new pg.Client({ connectionString: url, application_name: 'clm-bench' });
    await client.connect();
    clients.push(client);
  }
  await checkpoint(url);
  log(`baseline: COPY per batch, ${concurrency} connections`);
  const started = performance.now();
  await runPool(buffers, concurrency, (buffer, slot) => copyIn(clients[slot], COPY_SQL, [buffer]));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.end()));
  return seconds;
}

/** Every row in a single COPY on one connection. */
async function copyOneStream(url: string, buffers: readonly Buffer[]): Promise<number> {
  await checkpoint(url);
  log('baseline: one COPY stream');
  const started = performance.now();
  await withClient(url, (client) => copyIn(client, COPY_SQL, buffers));
  return (performance.now() - started) / 1000;
}

async function expectRows(url: string, expected: number, label: string): Promise<void> {
  const count = Number(await withClient(url, (client) => queryValue(client, 'SELECT count(*) FROM touchpoints')));
  if (count !== expected) throw new Error(`baseline (${label}) did not store every row`);
}
