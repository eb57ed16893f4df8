import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { CUSTOMER_COLUMNS } from './customer.sql';
import type { CustomerRow } from './customer.sql';
import { CustomerIdentity, IdentityKindName } from './customer.type';
import type { IdentityKind, StoredIdentity } from './identity';

/**
 * The `customer_identities` table: which customer holds each externalId,
 * email and anonymousId, and since when (migration 1765400000000). The
 * externalId and email rows follow the customers row through triggers;
 * anonymousIds are written here. Identity resolution reads this table, so an
 * identity keeps finding its customer after a merge moved it.
 */
export const CUSTOMER_IDENTITIES_TABLE = 'customer_identities';

export type IdentityRow = { kind: IdentityKind; value: string; customer_id: string; first_seen_at: Date };

const KIND_NAMES: Record<IdentityKind, IdentityKindName> = {
  external_id: IdentityKindName.EXTERNAL_ID,
  email: IdentityKindName.EMAIL,
  anonymous_id: IdentityKindName.ANONYMOUS_ID,
};

/** The one mapper from an identities row to a CustomerIdentity. */
export function toCustomerIdentity(row: IdentityRow): CustomerIdentity {
  return Object.assign(new CustomerIdentity(), { kind: KIND_NAMES[row.kind], value: row.value, firstSeenAt: row.first_seen_at });
}

/** Identities to look up, by kind (values normalised: emails lowercase). */
export type IdentitySet = {
  ids: readonly string[];
  externalIds: readonly string[];
  emails: readonly string[];
  anonymousIds: readonly string[];
};

/*
 * The identities wanted, as rows (kind, value), from arrays per kind ($n
 * externalIds, $n+1 emails, $n+2 anonymousIds): joined to the primary key,
 * one index probe per identity. Customers are then read by
 * `id = ANY (ARRAY(...))`, an index scan of their primary key (an
 * `id IN (subquery) OR ...` condition made PostgreSQL scan every customer).
 */
const wanted = (first: number) => `(SELECT 'external_id'::text AS kind, unnest($${first}::text[]) AS value
    UNION ALL SELECT 'email', unnest($${first + 1}::text[]) UNION ALL SELECT 'anonymous_id', unnest($${first + 2}::text[])) w`;
const HOLDERS = `SELECT i.customer_id FROM customer_identities i JOIN ${wanted(2)} ON i.kind = w.kind AND i.value = w.value`;
const INVOLVED = `id = ANY (ARRAY(SELECT unnest($1::uuid[]) UNION ${HOLDERS}))`;

const OWNERS = prepared(
  `SELECT i.kind, i.value, i.customer_id, i.merge_id FROM customer_identities i JOIN ${wanted(1)} ON i.kind = w.kind AND i.value = w.value`,
);

/** Who holds each of these identities now. */
export async function findIdentityOwners(db: Queryable, identities: IdentitySet): Promise<StoredIdentity[]> {
  const rows = await db.query<Omit<IdentityRow, 'first_seen_at'> & { merge_id: string | null }>(OWNERS, [
    identities.externalIds,
    identities.emails,
    identities.anonymousIds,
  ]);
  return rows.map((row) => ({ kind: row.kind, value: row.value, customerId: row.customer_id, mergeId: row.merge_id }));
}

const LOCK_BY_IDENTITY = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE ${INVOLVED} ORDER BY id FOR NO KEY UPDATE`);

/**
 * Locks (in id order, so batches cannot deadlock on them) and returns the
 * customers holding any of these identities. FOR NO KEY UPDATE: ingest then
 * never waits for a projection that is merely referencing a customer (the
 * KEY SHARE lock of a foreign-key check when it writes an acquisition or a
 * segment member); linking an externalId (a key) takes the stronger lock for
 * that one row when it updates it.
 */
export function lockCustomersByIdentity(db: Queryable, identities: IdentitySet): Promise<CustomerRow[]> {
  return db.query<CustomerRow>(LOCK_BY_IDENTITY, [identities.ids, identities.externalIds, identities.emails, identities.anonymousIds]);
}

const LOCK_BY_IDS = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = ANY ($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`);

/** Locks these customers in id order (as lockCustomersByIdentity does) and returns those that exist. */
export function lockCustomersById(db: Queryable, ids: readonly string[]): Promise<CustomerRow[]> {
  return db.query<CustomerRow>(LOCK_BY_IDS, [ids]);
}

const FIND_BY_IDENTITY = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE ${INVOLVED}`);

/** The customers holding any of these identities, unlocked (to decide whom to create before a batch's transaction). */
export function findCustomersByIdentity(db: Queryable, identities: IdentitySet): Promise<CustomerRow[]> {
  return db.query<CustomerRow>(FIND_BY_IDENTITY, [identities.ids, identities.externalIds, identities.emails, identities.anonymousIds]);
}

const ATTACH_ANONYMOUS = prepared(
  `INSERT INTO customer_identities (kind, value, customer_id)
   SELECT 'anonymous_id', a.value, a.customer_id FROM unnest($1::text[], $2::uuid[]) AS a(value, customer_id) ORDER BY a.value
   ON CONFLICT DO NOTHING RETURNING value`,
);

/**
 * Gives customers these anonymousIds (anonymousId → customer id); one held
 * already stays with its holder. Returns the anonymousIds that another
 * customer than the one asked for holds now.
 */
export async function attachAnonymousIds(db: Queryable, owners: ReadonlyMap<string, string>): Promise<string[]> {
  if (owners.size === 0) return [];
  const entries = [...owners];
  const attached = await db.query<{ value: string }>(ATTACH_ANONYMOUS, [
    entries.map(([value]) => value),
    entries.map(([, customerId]) => customerId),
  ]);
  const taken = new Set(attached.map((row) => row.value));
  const held = entries.filter(([value]) => !taken.has(value));
  if (held.length === 0) return [];
  const holders = await findIdentityOwners(db, { ids: [], externalIds: [], emails: [], anonymousIds: held.map(([value]) => value) });
  const holder = new Map(holders.map((identity) => [identity.value, identity.customerId]));
  return held.filter(([value, customerId]) => holder.get(value) !== customerId).map(([value]) => value);
}

const OF_CUSTOMERS = prepared(
  `SELECT kind, value, customer_id, first_seen_at FROM customer_identities WHERE customer_id = ANY ($1::uuid[])
    ORDER BY customer_id, first_seen_at, kind, value`,
);

/** Every identity of these customers, oldest first (for per-request loaders). */
export function identitiesOfCustomers(db: Queryable, customerIds: readonly string[]): Promise<IdentityRow[]> {
  return db.query<IdentityRow>(OF_CUSTOMERS, [customerIds]);
}

const OWNER = prepared(`SELECT customer_id FROM customer_identities WHERE kind = $1 AND value = $2`);

/** The customer holding an identity (after merges, the survivor), or null. */
export async function ownerOfIdentity(db: Queryable, kind: IdentityKind, value: string): Promise<string | null> {
  const [row] = await db.query<{ customer_id: string }>(OWNER, [kind, value]);
  return row?.customer_id ?? null;
}

const FINDABLE = prepared(`SELECT EXISTS (SELECT 1 FROM customer_identities WHERE customer_id = $1) AS findable`);

/** Whether an event could still find this customer: it holds an externalId, an email or an anonymousId. */
export async function isFindable(db: Queryable, customerId: string): Promise<boolean> {
  const [row] = await db.query<{ findable: boolean }>(FINDABLE, [customerId]);
  return row.findable;
}
