import type pg from 'pg';
import { copyChunks, copyIn, copyLine } from '../shared/copy.js';
import { CAMPAIGN_KEYS as CAMPAIGNS, CURRENCIES, receivedAt, touchpointProperties } from '../shared/vocabulary.js';
import { CHANNELS, TOUCHPOINT_TYPES } from './dataset.js';
import type { Dataset } from './dataset.js';

/**
 * Loads a generated dataset into clm's own tables (already migrated, empty
 * or not: they are truncated) with COPY … FREEZE in one transaction, sets the
 * identity sequences past the loaded ids and runs VACUUM ANALYZE.
 */
export async function copyDataset(client: pg.Client, dataset: Dataset): Promise<void> {
  const rank = ranks(dataset.touchpointOrder);
  await client.query('BEGIN');
  try {
    // Newer tables (acquisitions, segment members, read models) reference customers: they go too (empty here).
    await client.query('TRUNCATE customers, touchpoints, stage_transitions CASCADE');
    const indexes = await dropSecondaryIndexes(client);
    await copyIn(client, CUSTOMERS_COPY, copyChunks(customerLines(dataset)));
    await copyIn(client, TOUCHPOINTS_COPY, copyChunks(touchpointLines(dataset)));
    await copyIn(client, TRANSITIONS_COPY, copyChunks(transitionLines(dataset, rank)));
    for (const definition of indexes) await client.query(definition);
    await client.query(`SELECT setval(pg_get_serial_sequence('touchpoints', 'id'), $1)`, [dataset.spec.touchpoints]);
    await client.query(`SELECT setval(pg_get_serial_sequence('stage_transitions', 'id'), $1)`, [Math.max(1, dataset.transitions.length)]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await client.query('VACUUM (ANALYZE) customers, touchpoints, stage_transitions');
}

/**
 * Drops the indexes of the three tables that back no constraint and returns
 * their definitions: building them once after the load is several times
 * faster than maintaining them row by row.
 */
async function dropSecondaryIndexes(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = ANY ('{customers,touchpoints,stage_transitions}'::regclass[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const row of result.rows) await client.query(`DROP INDEX ${row.name}`);
  return result.rows.map((row) => row.definition);
}

const CUSTOMERS_COPY = `COPY customers (id, external_id, email, name, attributes, stage, stage_entered_at, funnel_stage, type_counts,
  first_seen_at, last_seen_at, orders, revenue, created_at, updated_at) FROM STDIN WITH (FREEZE)`;
const TOUCHPOINTS_COPY = `COPY touchpoints (id, message_id, customer_id, type, channel, occurred_at, received_at, value, currency, campaign,
  properties) FROM STDIN WITH (FREEZE)`;
const TRANSITIONS_COPY = `COPY stage_transitions (id, customer_id, from_stage, to_stage, occurred_at, recorded_at, cause, touchpoint_id,
  rule_id) FROM STDIN WITH (FREEZE)`;

const iso = (ms: number) => new Date(ms).toISOString();

/** Customers in creation order, as clm inserts them. */
function* customerLines(dataset: Dataset): Generator<string> {
  const byCreation = [...dataset.customers].sort((a, b) => a.createdAt - b.createdAt);
  for (const c of byCreation) {
    yield copyLine([
      c.id,
      c.externalId,
      c.email,
      c.name,
      c.attributes,
      c.stage,
      iso(c.stageEnteredAt),
      c.funnelStage,
      c.typeCounts,
      iso(c.firstSeenAt),
      iso(c.lastSeenAt),
      c.orders,
      (c.revenueCents / 100).toFixed(2),
      iso(c.createdAt),
      iso(c.updatedAt),
    ]);
  }
}

/** Touchpoints in event-time order; the k-th gets id k + 1. */
function* touchpointLines(dataset: Dataset): Generator<string> {
  const t = dataset.touchpoints;
  for (let k = 0; k < dataset.touchpointOrder.length; k++) {
    const i = dataset.touchpointOrder[k];
    const type = TOUCHPOINT_TYPES[t.type[i]];
    const channel = CHANNELS[t.channel[i]];
    const detail = t.detail[i];
    const purchase = type === 'purchase';
    yield copyLine([
      k + 1,
      `msg-${String(k + 1).padStart(8, '0')}`,
      dataset.customers[t.customer[i]].id,
      type,
      channel,
      iso(t.time[i]),
      iso(receivedAt(t.time[i], i)),
      purchase ? (t.valueCents[i] / 100).toFixed(2) : null,
      purchase ? CURRENCIES[(detail >>> 8) % CURRENCIES.length] : null,
      campaignOf(type, channel, detail),
      JSON.stringify(touchpointProperties(type, detail, k + 1)),
    ]);
  }
}

/** Transitions in event-time order; the k-th gets id k + 1 and names its touchpoint by id. */
function* transitionLines(dataset: Dataset, rank: Int32Array): Generator<string> {
  for (let k = 0; k < dataset.transitions.length; k++) {
    const row = dataset.transitions[k];
    yield copyLine([
      k + 1,
      dataset.customers[row.customer].id,
      row.from,
      row.to,
      iso(row.at),
      iso(row.recordedAt),
      row.cause,
      row.touchpoint < 0 ? null : rank[row.touchpoint] + 1,
      row.ruleId,
    ]);
  }
}

function campaignOf(type: string, channel: string, detail: number): string | null {
  if (type === 'email_open' || type === 'email_click' || (type === 'signup' && channel === 'ads'))
    return CAMPAIGNS[detail % CAMPAIGNS.length];
  if (type === 'purchase' && (detail >>> 20) % 4 === 0) return CAMPAIGNS[(detail >>> 4) % CAMPAIGNS.length];
  return null;
}

/** rank[i] = position of generation index i in `order`. */
function ranks(order: Uint32Array): Int32Array {
  const rank = new Int32Array(order.length);
  order.forEach((index, position) => (rank[index] = position));
  return rank;
}
