import type { JsonValue } from '@clm/schema';
import { decodeCursor, encodeCursor, isTimestampText } from '../../core/cursor';
import { invalidCursor } from '../../core/errors';
import { isUuid, textProblem } from '../../core/ids';
import type { PageWindow } from '../../core/pagination';
import { columnsOf, prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import { customerFilter } from './customer-filter';
import type { CustomerRelations, ResolvedCustomerFilter } from './customer-filter';
import { Customer } from './customer.type';

/**
 * The customers relation, for the modules that use customers (lifecycle reads
 * it and writes its lifecycle columns; segments evaluate rules over it): one
 * row per customer with the columns of CustomerRow.
 */
export const CUSTOMERS_TABLE = 'customers';
/** The creation log: one row per customer created, in commit order (written by a trigger on customers; segments follow it). */
export const CUSTOMER_CREATIONS_TABLE = 'customer_creations';

/**
 * The `customers` table: its row, its one mapper, and every statement on it
 * except the lifecycle columns (stage, stage_entered_at, funnel_stage,
 * type_counts, first/last seen, orders, revenue), which only the journey
 * writer in lifecycle/ writes.
 */
export type CustomerRow = {
  id: string;
  external_id: string | null;
  email: string | null;
  name: string | null;
  attributes: Record<string, JsonValue>;
  stage: string | null;
  stage_entered_at: Date | null;
  funnel_stage: string | null;
  type_counts: Record<string, number>;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
  orders: number;
  /** numeric as PostgreSQL's text, exact (amounts keep 4 decimals). */
  revenue: string;
  created_at: Date;
  updated_at: Date;
};

/** Every column, in the order of CustomerRow. */
export const CUSTOMER_COLUMNS =
  'id, external_id, email, name, attributes, stage, stage_entered_at, funnel_stage, type_counts, first_seen_at, last_seen_at, orders, revenue, created_at, updated_at';

/** The column behind each Customer field a client can select. */
const FIELD_COLUMNS: Record<string, keyof CustomerRow> = {
  externalId: 'external_id',
  email: 'email',
  name: 'name',
  attributes: 'attributes',
  stage: 'stage',
  stageEnteredAt: 'stage_entered_at',
  firstSeenAt: 'first_seen_at',
  lastSeenAt: 'last_seen_at',
  orders: 'orders',
  revenue: 'revenue',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** The columns that answer these Customer fields (`id` always); all of them when the fields are not known. */
export function customerColumns(fields: ReadonlySet<string> | null): Array<keyof CustomerRow> {
  if (fields === null) return CUSTOMER_COLUMNS.split(', ') as Array<keyof CustomerRow>;
  return ['id', ...new Set([...fields].flatMap((field) => FIELD_COLUMNS[field] ?? []))];
}

/** A row with `id` and any subset of the other columns (a list reads only what its client selected). */
export type CustomerRowPart = Pick<CustomerRow, 'id'> & Partial<CustomerRow>;

/** The one mapper from a customers row (whole or in part) to a Customer; fields whose column was not read stay unset. */
export function toCustomer(row: CustomerRowPart): Customer {
  const customer = Object.assign(new Customer(), { id: row.id });
  if (row.external_id !== undefined) customer.externalId = row.external_id;
  if (row.email !== undefined) customer.email = row.email;
  if (row.name !== undefined) customer.name = row.name;
  if (row.attributes !== undefined) customer.attributes = row.attributes;
  if (row.stage !== undefined) customer.stage = row.stage;
  if (row.stage_entered_at !== undefined) customer.stageEnteredAt = row.stage_entered_at;
  if (row.first_seen_at !== undefined) customer.firstSeenAt = row.first_seen_at;
  if (row.last_seen_at !== undefined) customer.lastSeenAt = row.last_seen_at;
  if (row.orders !== undefined) customer.orders = row.orders;
  if (row.revenue !== undefined) customer.revenue = Number(row.revenue);
  if (row.created_at !== undefined) customer.createdAt = row.created_at;
  if (row.updated_at !== undefined) customer.updatedAt = row.updated_at;
  return customer;
}

/** A customer row serialised by `to_jsonb(c)` (dates as text), as the transition log reads it. */
export type CustomerJson = Omit<
  CustomerRow,
  'stage_entered_at' | 'first_seen_at' | 'last_seen_at' | 'created_at' | 'updated_at' | 'revenue'
> & {
  stage_entered_at: string | null;
  first_seen_at: string | null;
  last_seen_at: string | null;
  created_at: string;
  updated_at: string;
  revenue: number | string;
};

export function customerFromJson(json: CustomerJson): Customer {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return toCustomer({
    ...json,
    stage_entered_at: date(json.stage_entered_at),
    first_seen_at: date(json.first_seen_at),
    last_seen_at: date(json.last_seen_at),
    created_at: new Date(json.created_at),
    updated_at: new Date(json.updated_at),
    revenue: String(json.revenue),
  });
}

// ------------------------------------------------------------------ lookups

const BY_ID = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1`);
const BY_IDS = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = ANY ($1::uuid[])`);
const BY_EXTERNAL_ID = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE external_id = $1`);
const BY_EMAIL = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE email = $1`);

export type CustomerKey = { id: string } | { externalId: string } | { email: string };

export async function findCustomer(db: Queryable, key: CustomerKey): Promise<CustomerRow | null> {
  const [statement, value] = 'id' in key ? [BY_ID, key.id] : 'externalId' in key ? [BY_EXTERNAL_ID, key.externalId] : [BY_EMAIL, key.email];
  const rows = await db.query<CustomerRow>(statement, [value]);
  return rows[0] ?? null;
}

export function findCustomers(db: Queryable, ids: readonly string[]): Promise<CustomerRow[]> {
  return db.query<CustomerRow>(BY_IDS, [ids]);
}

// ------------------------------------------------------------------ the connection

/** Fields customers can be sorted by: the column, its SQL type, and whether it can be NULL (empty values sort last). */
export const CUSTOMER_SORTS = {
  CREATED_AT: { column: 'created_at', type: 'timestamptz', nullable: false },
  UPDATED_AT: { column: 'updated_at', type: 'timestamptz', nullable: false },
  LAST_SEEN_AT: { column: 'last_seen_at', type: 'timestamptz', nullable: true },
  FIRST_SEEN_AT: { column: 'first_seen_at', type: 'timestamptz', nullable: true },
  STAGE_ENTERED_AT: { column: 'stage_entered_at', type: 'timestamptz', nullable: true },
  REVENUE: { column: 'revenue', type: 'numeric', nullable: false },
  ORDERS: { column: 'orders', type: 'int', nullable: false },
  NAME: { column: 'name', type: 'text', nullable: true },
  EMAIL: { column: 'email', type: 'text', nullable: true },
} as const;

export type CustomerSortField = keyof typeof CUSTOMER_SORTS;
export type SortDirection = 'ASC' | 'DESC';
export type CustomerSort = { field: CustomerSortField; direction: SortDirection };

/** A page row: the columns asked for and the text of the sort value (the cursor's content). */
export type CustomerPageRow = CustomerRowPart & { sort_value: string | null };

/**
 * One page of customers in one statement. The ORDER BY matches an index of
 * migration 2 (or the primary key) for every sort: NOT NULL columns carry no
 * NULLS clause, and nullable ones put empty values last both ways.
 */
export function readCustomerPage(
  db: Queryable,
  filter: ResolvedCustomerFilter,
  relations: Pick<CustomerRelations, 'segmentMembers'>,
  sort: CustomerSort,
  window: PageWindow,
  columns: ReadonlyArray<keyof CustomerRow>,
): Promise<CustomerPageRow[]> {
  const { column, type, nullable } = CUSTOMER_SORTS[sort.field];
  const walk = window.backwards ? flip(sort.direction) : sort.direction;
  const where = [customerFilter(filter, relations)];
  if (window.cursor !== null) {
    const field = window.backwards ? 'before' : 'after';
    const [value, id] = decodeCursor(window.cursor, cursorTag(sort), 3, field);
    if (id === null || !isUuid(id) || !sortValueFits(CUSTOMER_SORTS[sort.field], value)) throw invalidCursor(field);
    where.push(keysetCondition({ column, type, nullable }, walk, window.backwards, value, id));
  }
  const nulls = nullable ? (window.backwards ? ' NULLS FIRST' : ' NULLS LAST') : '';
  const selected = sql.raw(columns.map((name) => `c.${name}`).join(', '));
  const order = sql.raw(`c.${column} ${walk}${nulls}, c.id ${walk}`);
  return db.query<CustomerPageRow>(
    prepared(sql`SELECT ${selected}, ${sql.raw(`c.${column}`)}::text AS sort_value FROM customers c
        WHERE ${sql.join(where, ' AND ')}
        ORDER BY ${order}
        LIMIT ${window.size + 1}`),
  );
}

export function customerCursor(sort: CustomerSort, row: CustomerPageRow): string {
  return encodeCursor([cursorTag(sort), row.sort_value, row.id]);
}

export async function countCustomers(
  db: Queryable,
  filter: ResolvedCustomerFilter,
  relations: Pick<CustomerRelations, 'segmentMembers'>,
): Promise<number> {
  const [row] = await db.query<{ count: number }>(
    prepared(sql`SELECT count(*)::int AS count FROM customers c WHERE ${customerFilter(filter, relations)}`),
  );
  return row.count;
}

function cursorTag(sort: CustomerSort): string {
  return `customers:${sort.field}:${sort.direction}`;
}

/** PostgreSQL's text output of each sort type; a cursor holding anything else was not made by this API. */
const SORT_VALUE_PATTERNS: Record<string, RegExp | undefined> = {
  numeric: /^-?\d{1,40}(\.\d{1,4})?$/,
  int: /^-?\d{1,10}$/,
};

function sortValueFits(sort: { type: string; nullable: boolean }, value: string | null): boolean {
  if (value === null) return sort.nullable;
  if (sort.type === 'timestamptz') return isTimestampText(value);
  return SORT_VALUE_PATTERNS[sort.type]?.test(value) ?? textProblem(value) === null;
}

function flip(direction: SortDirection): SortDirection {
  return direction === 'ASC' ? 'DESC' : 'ASC';
}

/**
 * Rows strictly after (value, id) in the walk. NOT NULL columns use a row
 * comparison, which the (column, id) index answers directly; nullable ones
 * also place NULLs (last going forward, first walking back).
 */
function keysetCondition(
  sort: { column: string; type: string; nullable: boolean },
  walk: SortDirection,
  backwards: boolean,
  value: string | null,
  id: string,
): SqlFragment {
  const operator = sql.raw(walk === 'ASC' ? '>' : '<');
  const column = sql.raw(`c.${sort.column}`);
  const afterId = sql`${id}::uuid`;
  if (value === null) {
    const sameNullAfter = sql`(${column} IS NULL AND c.id ${operator} ${afterId})`;
    return backwards ? sql`(${sameNullAfter} OR ${column} IS NOT NULL)` : sameNullAfter;
  }
  const after = sql`(${column}, c.id) ${operator} (${value}::${sql.raw(sort.type)}, ${afterId})`;
  return sort.nullable && !backwards ? sql`(${column} IS NULL OR ${after})` : after;
}

// ------------------------------------------------------------------ writes (identity and attributes)

const LOCK_BY_ID = prepared(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1 FOR UPDATE`);

export async function lockCustomer(db: Queryable, id: string): Promise<CustomerRow | null> {
  const rows = await db.query<CustomerRow>(LOCK_BY_ID, [id]);
  return rows[0] ?? null;
}

/*
 * A new customer known only by an anonymousId claims it first (in the
 * identities table, whose primary key decides between concurrent claims)
 * and is created only when the claim is won; the identity's foreign key is
 * checked at the end of the statement, when the customer exists.
 */
const INSERT_MANY = prepared(
  `WITH r AS (
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS r(id, external_id, email, name, attributes, anonymous_id, n)
   ), claimed AS (
     INSERT INTO customer_identities (kind, value, customer_id)
     SELECT 'anonymous_id', r.anonymous_id, r.id FROM r
      WHERE r.external_id IS NULL AND r.email IS NULL AND r.anonymous_id IS NOT NULL
      ORDER BY r.anonymous_id
     ON CONFLICT DO NOTHING RETURNING customer_id
   )
   INSERT INTO customers (id, external_id, email, name, attributes, created_at, updated_at)
   SELECT r.id, r.external_id, r.email, r.name, r.attributes::jsonb, now(), now() FROM r
    WHERE r.external_id IS NOT NULL OR r.email IS NOT NULL OR r.id IN (SELECT customer_id FROM claimed)
    ORDER BY r.n
   ON CONFLICT DO NOTHING RETURNING id`,
);

/**
 * Inserts new customers in the given order; a row another transaction
 * created first is skipped, and so is an anonymous one (no externalId nor
 * email) whose anonymousId (`anonymousIdOf`) another customer holds. Returns
 * the ids inserted.
 */
export async function insertCustomers(
  db: Queryable,
  rows: readonly CustomerRow[],
  anonymousIdOf: (row: CustomerRow) => string | null = () => null,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db.query<{ id: string }>(
    INSERT_MANY,
    columnsOf(rows, 6, (row) => [row.id, row.external_id, row.email, row.name, JSON.stringify(row.attributes), anonymousIdOf(row)]),
  );
  return new Set(inserted.map((row) => row.id));
}

const FILL_IDENTITIES = prepared(
  `UPDATE customers c SET external_id = coalesce(c.external_id, f.external_id), email = coalesce(c.email, f.email), updated_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS f(id, external_id, email)
    WHERE c.id = f.id`,
);

/** Gives customers the externalId or email an event brought, where they have none (nothing they have is replaced). */
export async function fillCustomerIdentities(
  db: Queryable,
  fills: ReadonlyMap<string, { externalId: string | null; email: string | null }>,
): Promise<void> {
  const entries = [...fills];
  await db.execute(FILL_IDENTITIES, [
    entries.map(([id]) => id),
    entries.map(([, fill]) => fill.externalId),
    entries.map(([, fill]) => fill.email),
  ]);
}

const ADD_DETAILS = prepared(
  `UPDATE customers c SET name = coalesce(c.name, d.name), attributes = d.attributes::jsonb || c.attributes, updated_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(id, name, attributes)
    WHERE c.id = d.id`,
);

/** Adds the name and attribute keys these rows hold and the stored customers lack (what they have stays: it wins in `||`). */
export async function addCustomerDetails(
  db: Queryable,
  rows: ReadonlyArray<Pick<CustomerRow, 'id' | 'name' | 'attributes'>>,
): Promise<void> {
  await db.execute(
    ADD_DETAILS,
    columnsOf(rows, 3, (row) => [row.id, row.name, JSON.stringify(row.attributes)]),
  );
}

export type CustomerFields = {
  externalId?: string | null;
  email?: string | null;
  name?: string | null;
  attributes?: Record<string, unknown> | null;
};

/** Inserts one customer with its identity; the journey writer then enters it into the lifecycle. */
export async function insertCustomer(db: Queryable, id: string, fields: CustomerFields): Promise<void> {
  await db.execute(`INSERT INTO customers (id, external_id, email, name, attributes) VALUES ($1, $2, $3, $4, $5)`, [
    id,
    fields.externalId ?? null,
    fields.email ?? null,
    fields.name ?? null,
    JSON.stringify(fields.attributes ?? {}),
  ]);
}

/**
 * Changes identity fields and merges attributes (a null attribute removes
 * the key). Returns false when there is no such customer.
 */
export async function updateCustomer(db: Queryable, id: string, fields: CustomerFields): Promise<boolean> {
  const sets: SqlFragment[] = [];
  if (fields.externalId !== undefined) sets.push(sql`external_id = ${fields.externalId}`);
  if (fields.email !== undefined) sets.push(sql`email = ${fields.email}`);
  if (fields.name !== undefined) sets.push(sql`name = ${fields.name}`);
  if (fields.attributes != null) {
    // Top-level nulls remove those attributes; everything else (nested nulls included) is stored as sent.
    const entries = Object.entries(fields.attributes);
    const removed = entries.filter(([, value]) => value === null).map(([key]) => key);
    const merged = Object.fromEntries(entries.filter(([, value]) => value !== null));
    sets.push(sql`attributes = (attributes - ${removed}::text[]) || ${JSON.stringify(merged)}::jsonb`);
  }
  if (sets.length === 0) return (await findCustomer(db, { id })) !== null;
  return (await db.execute(sql`UPDATE customers SET ${sql.join(sets)}, updated_at = now() WHERE id = ${id}`)) > 0;
}

/** Deletes a customer; touchpoints and transitions go with it (ON DELETE CASCADE). */
export async function deleteCustomer(db: Queryable, id: string): Promise<boolean> {
  return (await db.execute(`DELETE FROM customers WHERE id = $1`, [id])) > 0;
}
