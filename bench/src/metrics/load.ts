import type pg from 'pg';
import { log } from '../shared/cli.js';
import { copyChunks, copyIn, copyLine } from '../shared/copy.js';
import { createRandom } from '../shared/prng.js';
import { CURRENCIES, receivedAt, touchpointProperties } from '../shared/vocabulary.js';
import {
  CAMPAIGNS,
  CAUSES,
  CHANNELS,
  CUSTOMERS_COPY,
  DATASET_END,
  DATASET_START,
  emptyLogs,
  generateCustomers,
  RULES,
  STAGES,
  touchpointOrder,
  transitionOrder,
  TYPES,
} from './dataset.js';
import type { GeneratedLogs, MetricsDatasetSpec } from './dataset.js';

/** What was loaded. */
export type LoadSummary = {
  customers: number;
  touchpoints: number;
  transitions: number;
  byStage: Record<string, number>;
  seconds: { generateAndCopy: number; indexes: number; vacuum: number };
};

const TOUCHPOINTS_COPY = `COPY touchpoints (id, message_id, customer_id, type, channel, occurred_at, received_at, value, currency, campaign,
  properties, tx_id) FROM STDIN WITH (FREEZE)`;
const TRANSITIONS_COPY = `COPY stage_transitions (id, customer_id, from_stage, to_stage, occurred_at, recorded_at, cause, touchpoint_id,
  rule_id, tx_id) FROM STDIN WITH (FREEZE)`;
/**
 * The logs as ingest would have written them: one transaction per batch of
 * this many touchpoints, in time order, with the transitions they caused
 * (and the sweep's, and creations, in the batch of their time). One tx_id for
 * all ten million rows would be unlike anything clm writes, and slow for the
 * wrong reason: a btree scan bounded by (tx_id, id) <= (x, n) only stops at a
 * greater tx_id, so with a single one every batch would read the rest of the
 * log's index.
 */
const INGEST_BATCH = 500;
/** The first normal transaction id; the synthetic ones count up from here and must stay below every snapshot's xmin. */
const FIRST_TX = 3;
const BASE_TABLES = ['customers', 'touchpoints', 'stage_transitions'];

/**
 * Loads the dataset into a migrated clm database with COPY … FREEZE in one
 * transaction: everything derived (projections, acquisitions, segment
 * members) is emptied first, the base tables' secondary indexes and foreign
 * keys are dropped and rebuilt after the load (far faster than maintaining
 * them row by row), the campaigns and their daily spend are inserted, then
 * VACUUM ANALYZE. Every row is in one transaction, so the logs hold a single
 * tx_id; the projection reads them in (tx_id, id) order all the same.
 */
export async function loadDataset(client: pg.Client, spec: MetricsDatasetSpec): Promise<LoadSummary> {
  const started = performance.now();
  const logs = emptyLogs(spec);
  await client.query(`SET maintenance_work_mem = '512MB'`);
  // One core for the index builds: the machine is shared.
  await client.query('SET max_parallel_maintenance_workers = 0');
  await client.query('BEGIN');
  try {
    await emptyEverything(client);
    const dropped = await dropSecondaryIndexesAndForeignKeys(client);
    log(`generating ${spec.customers.toLocaleString('en-US')} customers (COPY as they are generated)`);
    await copyIn(client, CUSTOMERS_COPY, copyChunks(generateCustomers(spec, logs)));
    log(
      `sorting ${spec.touchpoints.toLocaleString('en-US')} touchpoints and ${logs.transitions.length.toLocaleString('en-US')} transitions by event time`,
    );
    const order = touchpointOrder(logs.touchpoints.time);
    const rank = new Int32Array(order.length);
    order.forEach((index, position) => (rank[index] = position));
    const times = Float64Array.from(order, (index) => logs.touchpoints.time[index]);
    log('COPY touchpoints');
    await copyIn(client, TOUCHPOINTS_COPY, copyChunks(touchpointLines(logs, order)));
    log('COPY stage_transitions');
    await copyIn(client, TRANSITIONS_COPY, copyChunks(transitionLines(logs, rank, times)));
    await insertCampaigns(client, spec.seed);
    const copied = performance.now();
    log(`loaded in ${((copied - started) / 1000).toFixed(0)} s; building ${dropped.length} indexes and constraints`);
    for (const definition of dropped) await client.query(definition);
    await client.query(`SELECT setval(pg_get_serial_sequence('touchpoints', 'id'), $1)`, [spec.touchpoints]);
    await client.query(`SELECT setval(pg_get_serial_sequence('stage_transitions', 'id'), $1)`, [logs.transitions.length]);
    await client.query('COMMIT');
    await passSyntheticTransactions(client, FIRST_TX + Math.ceil(spec.touchpoints / INGEST_BATCH));
    const indexed = performance.now();
    log(`indexes built in ${((indexed - copied) / 1000).toFixed(0)} s; VACUUM ANALYZE`);
    await client.query(`VACUUM (ANALYZE) ${BASE_TABLES.join(', ')}, campaigns, campaign_spend`);
    const vacuumed = performance.now();
    return {
      customers: spec.customers,
      touchpoints: spec.touchpoints,
      transitions: logs.transitions.length,
      byStage: Object.fromEntries(STAGES.map((stage, index) => [stage, logs.byStage[index]])),
      seconds: {
        generateAndCopy: (copied - started) / 1000,
        indexes: (indexed - copied) / 1000,
        vacuum: (vacuumed - indexed) / 1000,
      },
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The base tables, everything that references customers, every projection's tables and positions, campaigns. */
async function emptyEverything(client: pg.Client): Promise<void> {
  const derived = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND (c.relname LIKE 'metric\\_%' OR c.relname IN ('projection_positions', 'customer_erasures', 'segment_membership_changes',
                                                          'campaigns', 'campaign_spend'))`,
  );
  const tables = [...BASE_TABLES, ...derived.rows.map((row) => row.name)];
  await client.query(`TRUNCATE ${tables.join(', ')} CASCADE`);
}

/** Drops the base tables' indexes and foreign keys that back no primary key; returns the statements that put them back. */
async function dropSecondaryIndexesAndForeignKeys(client: pg.Client): Promise<string[]> {
  const tables = `'{${BASE_TABLES.join(',')}}'::regclass[]`;
  const foreignKeys = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY (${tables})`,
  );
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = ANY (${tables})
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const key of foreignKeys.rows) await client.query(`ALTER TABLE ${key.table} DROP CONSTRAINT ${key.name}`);
  for (const index of indexes.rows) await client.query(`DROP INDEX ${index.name}`);
  return [
    ...indexes.rows.map((index) => index.definition),
    ...foreignKeys.rows.map((key) => `ALTER TABLE ${key.table} ADD CONSTRAINT ${key.name} ${key.definition}`),
  ];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Touchpoints in event-time order; the k-th gets id k + 1. */
function* touchpointLines(logs: GeneratedLogs, order: Uint32Array): Generator<string> {
  const t = logs.touchpoints;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const type = TYPES[t.type[i]];
    const detail = t.detail[i];
    const purchase = type === 'purchase';
    yield copyLine([
      k + 1,
      `mt-${String(k + 1).padStart(9, '0')}`,
      logs.customerIds[t.customer[i]],
      type,
      CHANNELS[t.channel[i]],
      iso(t.time[i]),
      iso(receivedAt(t.time[i], i)),
      purchase ? (t.valueCents[i] / 100).toFixed(2) : null,
      purchase ? CURRENCIES[(detail >>> 8) % CURRENCIES.length] : null,
      t.campaign[i] === 0 ? null : CAMPAIGNS[t.campaign[i] - 1].key,
      JSON.stringify(touchpointProperties(type, detail, k + 1)),
      FIRST_TX + Math.floor(k / INGEST_BATCH),
    ]);
  }
}

/** Transitions in event-time order; the k-th gets id k + 1 and names its touchpoint by id. */
function* transitionLines(logs: GeneratedLogs, rank: Int32Array, times: Float64Array): Generator<string> {
  const tr = logs.transitions;
  const order = transitionOrder(tr);
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const touchpoint = tr.touchpoint[i];
    const cause = CAUSES[tr.cause[i]];
    const at = tr.time[i];
    const recorded =
      cause === 'touchpoint'
        ? Math.max(at, receivedAt(logs.touchpoints.time[touchpoint], touchpoint))
        : cause === 'inactivity'
          ? at + ((k * 104_729) % 3_600_000)
          : at;
    yield copyLine([
      k + 1,
      logs.customerIds[tr.customer[i]],
      tr.from[i] === 255 ? null : STAGES[tr.from[i]],
      STAGES[tr.to[i]],
      iso(at),
      iso(recorded),
      cause,
      touchpoint < 0 ? null : rank[touchpoint] + 1,
      RULES[tr.rule[i]],
      FIRST_TX + Math.floor((touchpoint < 0 ? firstAtOrAfter(times, at) : rank[touchpoint]) / INGEST_BATCH),
    ]);
  }
}

/** The position of the first of the ascending `times` at or after `time` (the batch a transition of that time was written in). */
function firstAtOrAfter(times: Float64Array, time: number): number {
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle] < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Spends transaction ids until the server's next one is past `last`: the
 * projector and the live streams read only rows of transactions older than
 * every one in flight (tx_id below the snapshot's xmin).
 */
async function passSyntheticTransactions(client: pg.Client, last: number): Promise<void> {
  let spent = 0;
  while (Number((await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid) <= last) spent += 1;
  if (spent > 0) log(`spent ${spent.toLocaleString('en-US')} transaction ids so the server's are past the dataset's synthetic ones`);
}

/** The campaigns, and spend for each day each ran within the dataset's year (its daily figure ± 30 %, seeded). */
async function insertCampaigns(client: pg.Client, seed: number): Promise<void> {
  const random = createRandom(seed ^ 0x5eed);
  const keys: string[] = [];
  const days: string[] = [];
  const amounts: string[] = [];
  for (const campaign of CAMPAIGNS) {
    await client.query(`INSERT INTO campaigns (key, name, channel, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)`, [
      campaign.key,
      campaign.name,
      campaign.channel,
      campaign.from,
      campaign.to,
    ]);
    const from = Math.max(Date.parse(campaign.from), DATASET_START);
    const to = Math.min(campaign.to ? Date.parse(campaign.to) : Infinity, DATASET_END - 86_400_000);
    for (let day = from; day <= to; day += 86_400_000) {
      keys.push(campaign.key);
      days.push(iso(day).slice(0, 10));
      amounts.push((campaign.daily * (0.7 + 0.6 * random())).toFixed(2));
    }
  }
  await client.query(`INSERT INTO campaign_spend (campaign_key, day, amount) SELECT * FROM unnest($1::text[], $2::date[], $3::numeric[])`, [
    keys,
    days,
    amounts,
  ]);
}
