import type { JsonValue } from '@clm/schema';
import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import type { LogSource } from '../../log';
import type { CustomerJson } from './customer.sql';
import type { IdentityKind } from './identity';
import { CustomerMerge, CustomerMergeChange, MergeCause } from './dto/merge.types';

/**
 * The merge tables (migration 1765400000001): `customer_merges` (the
 * record), `customer_merge_log` (merges and unmerges in commit order),
 * `customer_merge_arrivals` (events placed through an identity a merge
 * moved) and `customer_never_merge` (pairs an admin keeps apart).
 */

/** An identity as a merge record keeps it. */
export type IdentityJson = {
  kind: IdentityKind;
  value: string;
  first_seen_at: string;
  /** The earlier merge that gave it to its holder, if any (restored by an unmerge, so that merge can be undone in turn). */
  merge_id?: string | null;
};

/** What a merge moved to the survivor: module name → what that module moved (ids), handed back to the unmerge. */
export type MovedRows = Record<string, JsonValue>;

export type MergeRow = {
  id: string;
  into_id: string;
  from_id: string;
  cause: 'manual' | 'identify' | 'touchpoint';
  actor: string | null;
  reason: string;
  merged_at: Date;
  into_before: CustomerJson;
  from_before: { customer: CustomerJson; identities: IdentityJson[]; attributesAdded: string[] };
  moved: MovedRows;
  unmerged_at: Date | null;
  unmerged_by: string | null;
};

const MERGE_COLUMNS = 'id, into_id, from_id, cause, actor, reason, merged_at, into_before, from_before, moved, unmerged_at, unmerged_by';

/** The one mapper from a merge row to a CustomerMerge. */
export function toCustomerMerge(row: MergeRow): CustomerMerge {
  const moved = (name: string) => (Array.isArray(row.moved[name]) ? row.moved[name].length : 0);
  return Object.assign(new CustomerMerge(), {
    id: row.id,
    intoId: row.into_id,
    fromId: row.from_id,
    cause: CAUSES[row.cause],
    actor: row.actor,
    reason: row.reason,
    mergedAt: row.merged_at,
    unmergedAt: row.unmerged_at,
    unmergedBy: row.unmerged_by,
    touchpointsMoved: moved('touchpoints'),
    transitionsMoved: moved('transitions'),
    identitiesMoved: row.from_before.identities.map((identity) => identity.value),
    attributesAdded: row.from_before.attributesAdded,
  });
}

const CAUSES: Record<MergeRow['cause'], MergeCause> = {
  manual: MergeCause.MANUAL,
  identify: MergeCause.IDENTIFY,
  touchpoint: MergeCause.TOUCHPOINT,
};

const SNAPSHOT = prepared(
  `SELECT to_jsonb(c) AS customer,
          coalesce((SELECT jsonb_agg(jsonb_build_object('kind', i.kind, 'value', i.value, 'first_seen_at', i.first_seen_at, 'merge_id', i.merge_id) ORDER BY i.kind, i.value)
                      FROM customer_identities i WHERE i.customer_id = c.id), '[]'::jsonb) AS identities
     FROM customers c WHERE c.id = $1`,
);

/** A customer's row and identities as JSON, as a merge record keeps them. */
export async function snapshotCustomer(db: Queryable, id: string): Promise<{ customer: CustomerJson; identities: IdentityJson[] } | null> {
  const [row] = await db.query<{ customer: CustomerJson; identities: IdentityJson[] }>(SNAPSHOT, [id]);
  return row ?? null;
}

const INSERT_MERGE = prepared(
  `INSERT INTO customer_merges (id, into_id, from_id, cause, actor, reason, into_before, from_before, moved)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{}') RETURNING ${MERGE_COLUMNS}`,
);

export async function insertMerge(
  db: Queryable,
  merge: Pick<MergeRow, 'id' | 'into_id' | 'from_id' | 'cause' | 'actor' | 'reason' | 'into_before' | 'from_before'>,
): Promise<void> {
  await db.execute(INSERT_MERGE, [
    merge.id,
    merge.into_id,
    merge.from_id,
    merge.cause,
    merge.actor,
    merge.reason,
    JSON.stringify(merge.into_before),
    JSON.stringify(merge.from_before),
  ]);
}

const SET_MOVED = prepared(`UPDATE customer_merges SET moved = $2 WHERE id = $1 RETURNING ${MERGE_COLUMNS}`);

export async function setMoved(db: Queryable, id: string, moved: MovedRows): Promise<MergeRow> {
  const [row] = await db.query<MergeRow>(SET_MOVED, [id, JSON.stringify(moved)]);
  return row;
}

const MOVE_IDENTITIES = prepared(`UPDATE customer_identities SET customer_id = $2, merge_id = $3 WHERE customer_id = $1`);

/** Gives every identity of `fromId` to `intoId`, marked with the merge that moved it. */
export async function moveIdentities(db: Queryable, fromId: string, intoId: string, mergeId: string): Promise<void> {
  await db.execute(MOVE_IDENTITIES, [fromId, intoId, mergeId]);
}

const ADD_ATTRIBUTES = prepared(
  `UPDATE customers SET name = coalesce(name, $2), attributes = $3::jsonb || attributes, updated_at = now() WHERE id = $1`,
);

/** The survivor takes the merged customer's name when it has none, and each attribute key it lacks. */
export async function addMergedDetails(
  db: Queryable,
  intoId: string,
  name: string | null,
  attributes: Record<string, JsonValue>,
): Promise<void> {
  await db.execute(ADD_ATTRIBUTES, [intoId, name, JSON.stringify(attributes)]);
}

const DELETE_MERGED = prepared(`DELETE FROM customers WHERE id = $1`);

/** Deletes the merged customer's row (its rows elsewhere have moved; the merge record keeps it). */
export async function deleteMergedCustomer(db: Queryable, id: string): Promise<void> {
  await db.execute(DELETE_MERGED, [id]);
}

const APPEND_LOG = prepared(`INSERT INTO customer_merge_log (merge_id, kind, into_id, from_id) VALUES ($1, $2, $3, $4)`);

/** Appends a merge or unmerge to the merge log (the caller marks its unit of work as having appended). */
export async function appendMergeLog(
  db: Queryable,
  merge: Pick<MergeRow, 'id' | 'into_id' | 'from_id'>,
  kind: 'merged' | 'unmerged',
): Promise<void> {
  await db.execute(APPEND_LOG, [merge.id, kind, merge.into_id, merge.from_id]);
}

const LOCK_MERGE = prepared(`SELECT ${MERGE_COLUMNS} FROM customer_merges WHERE id = $1 FOR UPDATE`);

export async function lockMerge(db: Queryable, id: string): Promise<MergeRow | null> {
  const [row] = await db.query<MergeRow>(LOCK_MERGE, [id]);
  return row ?? null;
}

const MARK_UNMERGED = prepared(`UPDATE customer_merges SET unmerged_at = now(), unmerged_by = $2 WHERE id = $1`);

export async function markUnmerged(db: Queryable, id: string, actor: string | null): Promise<void> {
  await db.execute(MARK_UNMERGED, [id, actor]);
}

const TAKE_BACK_IDENTITIES = prepared(
  `DELETE FROM customer_identities WHERE merge_id = $1 RETURNING kind, value, first_seen_at::text AS first_seen_at`,
);

/** Takes from the survivor the identities this merge gave it (those it still holds). */
export function takeBackIdentities(db: Queryable, mergeId: string): Promise<IdentityJson[]> {
  return db.query<IdentityJson>(TAKE_BACK_IDENTITIES, [mergeId]);
}

const RESTORE_CUSTOMER = prepared(
  `INSERT INTO customers (id, external_id, email, name, attributes, created_at, updated_at)
   SELECT r.id, r.external_id, r.email, r.name, r.attributes, r.created_at, now() FROM jsonb_populate_record(NULL::customers, $1) r`,
);

const RESTORE_IDENTITIES = prepared(
  `INSERT INTO customer_identities (kind, value, customer_id, first_seen_at, merge_id)
   SELECT i.kind, i.value, $2, i.first_seen_at, i.merge_id
     FROM jsonb_to_recordset($1) AS i(kind text, value text, first_seen_at timestamptz, merge_id uuid)
   ORDER BY i.kind, i.value
   ON CONFLICT (kind, value) DO UPDATE SET first_seen_at = EXCLUDED.first_seen_at, merge_id = EXCLUDED.merge_id
    WHERE customer_identities.customer_id = EXCLUDED.customer_id`,
);

/**
 * Brings a merged customer back: its row with the identity and details it
 * had (the journey writer then recomputes its lifecycle columns), and these
 * identities with their first-seen times.
 */
export async function restoreCustomer(db: Queryable, customer: CustomerJson, identities: readonly IdentityJson[]): Promise<void> {
  await db.execute(RESTORE_CUSTOMER, [JSON.stringify(customer)]);
  await db.execute(RESTORE_IDENTITIES, [JSON.stringify(identities), customer.id]);
}

const REMOVE_ADDED = prepared(`UPDATE customers SET attributes = attributes - $2::text[], updated_at = now() WHERE id = $1`);

/** Takes from the survivor the attribute keys the merge added (when it still has the value the merge gave). */
export async function removeMergedAttributes(db: Queryable, intoId: string, added: Record<string, JsonValue>): Promise<void> {
  const [row] = await db.query<{ attributes: Record<string, JsonValue> }>(`SELECT attributes FROM customers WHERE id = $1`, [intoId]);
  if (!row) return;
  const unchanged = Object.keys(added).filter((key) => JSON.stringify(row.attributes[key]) === JSON.stringify(added[key]));
  if (unchanged.length > 0) await db.execute(REMOVE_ADDED, [intoId, unchanged]);
}

const MERGED_INTO = prepared(`SELECT into_id FROM customer_merges WHERE from_id = $1 AND unmerged_at IS NULL`);

/** The customer a merged id now lives on (following later merges), or null when the id was never merged. */
export async function survivorOf(db: Queryable, id: string): Promise<string | null> {
  let current = id;
  for (let hop = 0; hop < 64; hop++) {
    const [row] = await db.query<{ into_id: string }>(MERGED_INTO, [current]);
    if (!row) return current === id ? null : current;
    current = row.into_id;
  }
  return current;
}

const MERGES_OF = prepared(
  `SELECT ${MERGE_COLUMNS} FROM customer_merges WHERE into_id = ANY ($1::uuid[]) OR from_id = ANY ($1::uuid[]) ORDER BY merged_at, id`,
);

/** Every merge these customers took part in, oldest first (for per-request loaders). */
export function mergesOf(db: Queryable, customerIds: readonly string[]): Promise<MergeRow[]> {
  return db.query<MergeRow>(MERGES_OF, [customerIds]);
}

/** An event placed through an identity a merge moved, with that identity. */
export type MergeArrival = { mergeId: string; messageId: string; kind: IdentityKind; value: string };

const RECORD_ARRIVALS = prepared(
  `INSERT INTO customer_merge_arrivals (merge_id, message_id, identity_kind, identity_value)
   SELECT a.merge_id, a.message_id, a.kind, a.value FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS a(merge_id, message_id, kind, value)
    ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
);

/** Remembers events placed through an identity a merge moved, so its unmerge sends them back. */
export async function recordMergeArrivals(db: Queryable, arrivals: readonly MergeArrival[]): Promise<void> {
  if (arrivals.length === 0) return;
  await db.execute(RECORD_ARRIVALS, [
    arrivals.map((arrival) => arrival.mergeId),
    arrivals.map((arrival) => arrival.messageId),
    arrivals.map((arrival) => arrival.kind),
    arrivals.map((arrival) => arrival.value),
  ]);
}

const ARRIVALS = prepared(
  `SELECT merge_id AS "mergeId", message_id AS "messageId", identity_kind AS kind, identity_value AS value
     FROM customer_merge_arrivals WHERE merge_id = $1 ORDER BY message_id`,
);

export function arrivalsOf(db: Queryable, mergeId: string): Promise<MergeArrival[]> {
  return db.query<MergeArrival>(ARRIVALS, [mergeId]);
}

const NEVER_MERGE = prepared(
  `INSERT INTO customer_never_merge (first_id, second_id, actor, reason) VALUES (least($1::uuid, $2::uuid), greatest($1::uuid, $2::uuid), $3, $4)
   ON CONFLICT (first_id, second_id) DO UPDATE SET actor = EXCLUDED.actor, reason = EXCLUDED.reason`,
);

export async function insertNeverMerge(db: Queryable, first: string, second: string, actor: string | null, reason: string): Promise<void> {
  await db.execute(NEVER_MERGE, [first, second, actor, reason]);
}

const NEVER_MERGE_REASON = prepared(
  `SELECT reason FROM customer_never_merge WHERE first_id = least($1::uuid, $2::uuid) AND second_id = greatest($1::uuid, $2::uuid)`,
);

/** Why an admin said these two are never to be merged, or null when they did not. */
export async function neverMergeReason(db: Queryable, first: string, second: string): Promise<string | null> {
  const [row] = await db.query<{ reason: string }>(NEVER_MERGE_REASON, [first, second]);
  return row?.reason ?? null;
}

/** The merge log: merges and unmerges in commit order, for the live stream and webhooks. */
export type MergeLogRow = { merge_id: string; kind: 'merged' | 'unmerged'; into_id: string; from_id: string; occurred_at: Date };

export const CUSTOMER_MERGE_LOG_TABLE = 'customer_merge_log';

/** The merge log as a log (the live stream's source; webhooks can deliver `customer.merged` from it). */
export const CUSTOMER_MERGE_LOG: LogSource<MergeLogRow, CustomerMergeChange> = {
  table: CUSTOMER_MERGE_LOG_TABLE,
  select: 'e.merge_id, e.kind, e.into_id, e.from_id, e.occurred_at',
  toValue: (row) =>
    Object.assign(new CustomerMergeChange(), {
      mergeId: row.merge_id,
      kind: row.kind,
      intoId: row.into_id,
      fromId: row.from_id,
      occurredAt: row.occurred_at,
    }),
};
