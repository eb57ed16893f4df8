import type { JsonValue } from '@clm/schema';
import { columnsOf, prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import type { TimelineTable } from '../../database/timeline';
import type { LogSource } from '../../log';
import type { JourneyEvent } from '../lifecycle';
import { Touchpoint } from './touchpoint.type';
import type { ValidTouchpoint } from './touchpoint-validation';

/**
 * The `touchpoints` table (append-only) and `deleted_message_ids` (the
 * messageIds of touchpoints deleted with their customer, kept so a replay
 * stays a duplicate forever): rows, the one mapper, statements.
 */
export type TouchpointRow = {
  id: string;
  message_id: string;
  customer_id: string;
  type: string;
  channel: string;
  occurred_at: Date;
  received_at: Date;
  value: string | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, JsonValue>;
};

/**
 * The touchpoint log as a relation, for the modules that use touchpoints
 * (segments' behaviour conditions, the metrics): one row per touchpoint with
 * the columns of TouchpointRow.
 */
export const TOUCHPOINTS_TABLE = 'touchpoints';

/** The select list of a TouchpointRow from the table aliased `alias`. */
function columns(alias: string): string {
  return `${alias}.id::text AS id, ${alias}.message_id, ${alias}.customer_id, ${alias}.type, ${alias}.channel,
          ${alias}.occurred_at, ${alias}.received_at, ${alias}.value, ${alias}.currency, ${alias}.campaign, ${alias}.properties`;
}

/** A row with `id` and `customer_id` and any subset of the other columns (a page reads only what its client selected). */
export type TouchpointRowPart = Pick<TouchpointRow, 'id' | 'customer_id'> & Partial<TouchpointRow>;

/** The one mapper from a touchpoints row (whole or in part) to a Touchpoint; fields whose column was not read stay unset. */
export function toTouchpoint(row: TouchpointRowPart): Touchpoint {
  const touchpoint = Object.assign(new Touchpoint(), { id: row.id, customerId: row.customer_id });
  if (row.message_id !== undefined) touchpoint.messageId = row.message_id;
  if (row.type !== undefined) touchpoint.type = row.type;
  if (row.channel !== undefined) touchpoint.channel = row.channel;
  if (row.occurred_at !== undefined) touchpoint.occurredAt = row.occurred_at;
  if (row.received_at !== undefined) touchpoint.receivedAt = row.received_at;
  if (row.value !== undefined) touchpoint.value = row.value === null ? null : Number(row.value);
  if (row.currency !== undefined) touchpoint.currency = row.currency;
  if (row.campaign !== undefined) touchpoint.campaign = row.campaign;
  if (row.properties !== undefined) touchpoint.properties = row.properties;
  return touchpoint;
}

const INSERT_NEW = prepared(
  `INSERT INTO touchpoints (message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties)
   SELECT t.message_id, t.customer_id, t.type, t.channel, t.occurred_at, t.value, t.currency, t.campaign, t.properties::jsonb
     FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::numeric[], $7::text[], $8::text[], $9::text[])
          WITH ORDINALITY AS t(message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties, n)
    WHERE NOT EXISTS (SELECT 1 FROM deleted_message_ids d WHERE d.message_id = t.message_id)
    ORDER BY t.n
   ON CONFLICT (message_id) DO NOTHING
   RETURNING id::text, message_id`,
);

/**
 * Inserts the touchpoints whose messageId is new (never stored, never
 * deleted) and returns their ids by messageId. The rows travel as one typed
 * array per column (cheaper to send and to read than a JSON document) and go
 * in the given order (kept by ORDER BY n), so concurrent batches sorted the
 * same way meet on the unique index in one order.
 */
export async function insertNewTouchpoints(
  db: Queryable,
  rows: ReadonlyArray<{ touchpoint: ValidTouchpoint; customerId: string }>,
): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const columns = columnsOf(rows, 9, ({ touchpoint, customerId }) => [
    touchpoint.messageId,
    customerId,
    touchpoint.type,
    touchpoint.channel,
    touchpoint.occurredAt.toISOString(),
    touchpoint.value === null ? null : String(touchpoint.value),
    touchpoint.currency,
    touchpoint.campaign,
    JSON.stringify(touchpoint.properties),
  ]);
  const inserted = await db.query<{ id: string; message_id: string }>(INSERT_NEW, columns);
  return new Map(inserted.map((row) => [row.message_id, row.id]));
}

const STORED_BY_MESSAGE_ID = prepared(`SELECT id::text, message_id, customer_id FROM touchpoints WHERE message_id = ANY ($1::text[])`);

/** The stored touchpoint (id and customer) of each of these messageIds. */
export async function storedTouchpoints(db: Queryable, messageIds: string[]): Promise<Map<string, { id: string; customerId: string }>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.query<{ id: string; message_id: string; customer_id: string }>(STORED_BY_MESSAGE_ID, [messageIds]);
  return new Map(rows.map((row) => [row.message_id, { id: row.id, customerId: row.customer_id }]));
}

const KNOWN_MESSAGE_IDS = prepared(
  `SELECT message_id FROM touchpoints WHERE message_id = ANY ($1::text[])
   UNION ALL SELECT message_id FROM deleted_message_ids WHERE message_id = ANY ($1::text[])`,
);

/** Which of these messageIds were ever stored (deleted ones included). */
export async function knownMessageIds(db: Queryable, messageIds: string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db.query<{ message_id: string }>(KNOWN_MESSAGE_IDS, [messageIds]);
  return new Set(rows.map((row) => row.message_id));
}

/** Keeps a customer's messageIds before the customer (and so their touchpoints) is deleted. */
export async function keepMessageIdsOf(db: Queryable, customerId: string): Promise<void> {
  await db.execute(
    `INSERT INTO deleted_message_ids (message_id) SELECT message_id FROM touchpoints WHERE customer_id = $1 ON CONFLICT DO NOTHING`,
    [customerId],
  );
}

/** Customers' touchpoints, newest first (the Customer.touchpoints connection). */
export const TOUCHPOINT_TIMELINE: TimelineTable<TouchpointRowPart, Touchpoint> = {
  table: 'touchpoints',
  fieldColumns: {
    messageId: 't.message_id',
    type: 't.type',
    channel: 't.channel',
    occurredAt: 't.occurred_at',
    receivedAt: 't.received_at',
    value: 't.value',
    currency: 't.currency',
    campaign: 't.campaign',
    properties: 't.properties',
  },
  toNode: toTouchpoint,
};

/** The touchpoint log. */
export const TOUCHPOINT_LOG: LogSource<TouchpointRow, Touchpoint> = {
  table: 'touchpoints',
  select: columns('e'),
  toValue: toTouchpoint,
};

// ------------------------------------------------------------------ merges

const MOVE_ALL = prepared(`UPDATE touchpoints SET customer_id = $2 WHERE customer_id = $1 RETURNING id::text`);
const MOVE_BACK = prepared(
  `UPDATE touchpoints SET customer_id = $2 WHERE customer_id = $3 AND (id = ANY ($1::bigint[]) OR message_id = ANY ($4::text[]))`,
);

/**
 * Moves every touchpoint of one customer to another (a merge); returns the
 * ids moved. They keep their place in the log (delivered under the first
 * customer's id); the merge record says where they went.
 */
export async function moveTouchpoints(db: Queryable, fromId: string, intoId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(MOVE_ALL, [fromId, intoId]);
  return rows.map((row) => row.id);
}

/**
 * An unmerge: moves back from `intoId` to `fromId` the touchpoints a merge
 * moved (`ids`) and those recorded since under an identity of `fromId`
 * (`messageIds`).
 */
export async function moveTouchpointsBack(
  db: Queryable,
  moved: { ids: readonly string[]; messageIds: readonly string[] },
  intoId: string,
  fromId: string,
): Promise<void> {
  await db.execute(MOVE_BACK, [moved.ids, fromId, intoId, moved.messageIds]);
}

const HISTORY = prepared(
  `SELECT id::text, customer_id, type, channel, occurred_at, value::float8 AS value, properties FROM touchpoints
    WHERE customer_id = ANY ($1::uuid[]) ORDER BY occurred_at, id`,
);

/** Every touchpoint of these customers as the journey writer takes them, oldest first (to recompute journeys). */
export async function journeyHistories(db: Queryable, customerIds: readonly string[]): Promise<Map<string, JourneyEvent[]>> {
  const rows = await db.query<{
    id: string;
    customer_id: string;
    type: string;
    channel: string;
    occurred_at: Date;
    value: number | null;
    properties: Record<string, JsonValue>;
  }>(HISTORY, [customerIds]);
  const histories = new Map<string, JourneyEvent[]>(customerIds.map((id) => [id, []]));
  for (const row of rows)
    histories.get(row.customer_id)?.push({
      touchpointId: row.id,
      type: row.type,
      channel: row.channel,
      occurredAt: row.occurred_at,
      value: row.value,
      properties: row.properties,
    });
  return histories;
}
