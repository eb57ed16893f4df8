import { caseFoldKey } from '../../core/case-fold';
import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { LogSource } from '../../log';
import { CUSTOMERS_TABLE, customerFromJson } from '../customers';
import type { CustomerJson } from '../customers';
import { compileSegmentRule } from './rule-compiler';
import type { SegmentRelations } from './rule-compiler';
import { Segment, SegmentMembershipChange } from './segment.type';
import type { SegmentChangeCause } from './segment.type';
import type { SegmentRule } from './segment-rule';

/**
 * The `segments`, `segment_members` and `segment_membership_changes`
 * tables: rows, their one mapper each, and every statement on them. The
 * membership of a segment changes only through `refreshMembers`,
 * `recordErasure` and `exitEveryone`, which append each entry and exit to the
 * log in the same statement.
 */
export type SegmentRow = {
  id: string;
  name: string;
  description: string | null;
  /** Validated when written; read back as stored. */
  rule: SegmentRule;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = 's.id, s.name, s.description, s.rule, s.created_at, s.updated_at';

export function toSegment(row: SegmentRow): Segment {
  return Object.assign(new Segment(), {
    id: row.id,
    name: row.name,
    description: row.description,
    rule: row.rule,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** The segments, for modules that name one in what they write (webhooks): columns `id uuid`, `name text`. */
export const SEGMENTS_TABLE = 'segments';

/** Every membership, for set-based reads across segments (webhook filters): columns `segment_id uuid`, `customer_id uuid`. */
export const SEGMENT_MEMBERS_TABLE = 'segment_members';

/**
 * A segment's members as a relation of one column, `customer_id`, for the
 * modules that filter by segment (customers' lists and export, metrics).
 */
export function segmentMembers(segmentId: string): SqlFragment {
  return sql`SELECT m.customer_id FROM segment_members m WHERE m.segment_id = ${segmentId}::uuid`;
}

// ------------------------------------------------------------------ segments

const LIST = prepared(`SELECT ${COLUMNS} FROM segments s ORDER BY lower(s.name), s.id`);
const BY_ID = prepared(`SELECT ${COLUMNS} FROM segments s WHERE s.id = $1`);
const LOCK_BY_ID = prepared(`SELECT ${COLUMNS} FROM segments s WHERE s.id = $1 FOR UPDATE`);

export function listSegments(db: Queryable): Promise<SegmentRow[]> {
  return db.query<SegmentRow>(LIST);
}

export async function findSegment(db: Queryable, id: string, lock = false): Promise<SegmentRow | null> {
  const rows = await db.query<SegmentRow>(lock ? LOCK_BY_ID : BY_ID, [id]);
  return rows[0] ?? null;
}

export async function insertSegment(
  db: Queryable,
  segment: { name: string; description: string | null; rule: SegmentRule; actor: string },
): Promise<SegmentRow> {
  const [row] = await db.query<SegmentRow>(
    `INSERT INTO segments AS s (name, name_key, description, rule, created_by, updated_by) VALUES ($1, $5, $2, $3, $4, $4) RETURNING ${COLUMNS}`,
    [segment.name, segment.description, JSON.stringify(segment.rule), segment.actor, caseFoldKey(segment.name)],
  );
  return row;
}

export async function updateSegmentRow(
  db: Queryable,
  id: string,
  changes: { name?: string; description?: string | null; rule?: SegmentRule; actor: string },
): Promise<SegmentRow> {
  const [row] = await db.query<SegmentRow>(
    `UPDATE segments s SET name = coalesce($2, s.name), name_key = coalesce($7, s.name_key),
            description = CASE WHEN $3::boolean THEN $4 ELSE s.description END,
            rule = coalesce($5::jsonb, s.rule), updated_by = $6, updated_at = now()
      WHERE s.id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      changes.name ?? null,
      changes.description !== undefined,
      changes.description ?? null,
      changes.rule === undefined ? null : JSON.stringify(changes.rule),
      changes.actor,
      changes.name === undefined ? null : caseFoldKey(changes.name),
    ],
  );
  return row;
}

export async function deleteSegmentRow(db: Queryable, id: string): Promise<boolean> {
  return (await db.execute(`DELETE FROM segments WHERE id = $1`, [id])) > 0;
}

// ------------------------------------------------------------------ membership

/**
 * Re-evaluates one segment for `customers` (or everyone, when null) as of
 * `asOf`, in one statement: enters those that match and are not members,
 * removes members that no longer match, and logs each entry and exit with
 * `cause`. Only rows this statement actually inserted or deleted are logged,
 * so two evaluations racing on the same customer log one change, not two.
 * Only customers not yet members are inserted (a re-evaluation that changes
 * nothing writes nothing), in id order, so the foreign-key locks they take on
 * customers come in the order ingest locks them. Returns the changes logged.
 */
export async function refreshMembers(
  db: Queryable,
  segment: { id: string; rule: SegmentRule },
  customers: readonly string[] | null,
  cause: SegmentChangeCause,
  asOf: Date,
  relations: SegmentRelations,
): Promise<number> {
  // The batch's ids, the segment and the time each travel once, wherever the statement uses them.
  const ids = customers === null ? null : sql`${sql.value(customers)}::uuid[]`;
  const segmentId = sql`${sql.value(segment.id)}::uuid`;
  const at = sql`${sql.value(asOf.toISOString())}::timestamptz`;
  const statement = sql`
    WITH target AS (${members(segment.rule, asOf, ids, relations)}
    ), entered AS (
      INSERT INTO segment_members (segment_id, customer_id, entered_at)
      SELECT ${segmentId}, target.id, ${at} FROM target
       WHERE NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_id = ${segmentId} AND m.customer_id = target.id)
       ORDER BY target.id
      ON CONFLICT DO NOTHING
      RETURNING customer_id
    ), exited AS (
      DELETE FROM segment_members m
       WHERE m.segment_id = ${segmentId} ${ids === null ? sql.empty : sql`AND m.customer_id = ANY (${ids})`}
         AND NOT EXISTS (SELECT 1 FROM target WHERE target.id = m.customer_id)
      RETURNING m.customer_id
    )
    INSERT INTO segment_membership_changes (segment_id, customer_id, entered, occurred_at, cause)
    SELECT ${segmentId}, change.customer_id, change.entered, ${at}, ${cause}::text
      FROM (SELECT customer_id, false AS entered FROM exited UNION ALL SELECT customer_id, true FROM entered) change
     ORDER BY change.entered, change.customer_id`;
  // A batch of customers recurs with every ingest batch: prepare it. A whole-table evaluation runs unnamed.
  return db.execute(ids === null ? statement : prepared(statement));
}

/**
 * The ids (`id`) of the customers `rule` selects as of `asOf`, among
 * `customers` (every customer when null): what the membership refresh
 * writes, and what the segments bench measures.
 */
export function matchingStatement(
  rule: SegmentRule,
  asOf: Date,
  customers: readonly string[] | null,
  relations: SegmentRelations,
): SqlFragment {
  return members(rule, asOf, customers === null ? null : sql`${sql.value(customers)}::uuid[]`, relations);
}

/** `matchingStatement` with the customers as a uuid[] fragment (its value shared with the rest of a statement). */
function members(rule: SegmentRule, asOf: Date, ids: SqlFragment | null, relations: SegmentRelations): SqlFragment {
  const { joins, predicate } = compileSegmentRule(rule, { asOf, customers: ids, relations });
  return sql`
      SELECT c.id FROM ${sql.raw(CUSTOMERS_TABLE)} c
      ${joins}
      WHERE ${ids === null ? sql.empty : sql`c.id = ANY (${ids}) AND `}${predicate}`;
}

const ERASE = prepared(
  `WITH gone AS (DELETE FROM segment_members WHERE customer_id = $1 RETURNING segment_id)
   INSERT INTO segment_membership_changes (segment_id, customer_id, entered, occurred_at, cause)
   SELECT gone.segment_id, $1, false, now(), 'erased' FROM gone ORDER BY gone.segment_id`,
);

/** A customer about to be deleted leaves every segment (cause `erased`). Returns the exits logged. */
export function recordErasure(db: Queryable, customerId: string): Promise<number> {
  return db.execute(ERASE, [customerId]);
}

/** Every member leaves (before the segment is deleted). Returns the exits logged. */
export function exitEveryone(db: Queryable, segmentId: string, cause: SegmentChangeCause): Promise<number> {
  return db.execute(
    `WITH gone AS (DELETE FROM segment_members WHERE segment_id = $1 RETURNING customer_id)
     INSERT INTO segment_membership_changes (segment_id, customer_id, entered, occurred_at, cause)
     SELECT $1, gone.customer_id, false, now(), $2 FROM gone ORDER BY gone.customer_id`,
    [segmentId, cause],
  );
}

const MEMBER_COUNTS = prepared(
  `SELECT segment_id, count(*)::int AS count FROM segment_members WHERE segment_id = ANY ($1::uuid[]) GROUP BY segment_id`,
);

export async function countMembers(db: Queryable, segmentIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ segment_id: string; count: number }>(MEMBER_COUNTS, [segmentIds]);
  return new Map(rows.map((row) => [row.segment_id, row.count]));
}

/**
 * Members at the end of each of the last `$3` UTC days up to the day of `$2`
 * (oldest first), for every segment in `$1`: the current count minus the net
 * entries logged after each day's end. Only the log since the first day's end
 * is read, summed per day.
 */
const MEMBER_TRENDS = prepared(
  `WITH bounds AS (SELECT ($2::timestamptz AT TIME ZONE 'UTC')::date AS today),
        ids AS (SELECT DISTINCT unnest($1::uuid[]) AS segment_id),
        current AS (
          SELECT ids.segment_id, (SELECT count(*) FROM segment_members m WHERE m.segment_id = ids.segment_id) AS members FROM ids
        ),
        later AS (
          SELECT c.segment_id, (c.occurred_at AT TIME ZONE 'UTC')::date AS day, sum(CASE WHEN c.entered THEN 1 ELSE -1 END) AS delta
            FROM segment_membership_changes c, bounds
           WHERE c.segment_id = ANY ($1::uuid[]) AND c.occurred_at >= ((bounds.today - ($3::int - 2))::timestamp AT TIME ZONE 'UTC')
           GROUP BY 1, 2
        ),
        days AS (SELECT bounds.today - k AS day FROM bounds, generate_series(0, $3::int - 1) k)
   SELECT cur.segment_id, to_char(d.day, 'YYYY-MM-DD') AS day,
          (cur.members - COALESCE((SELECT sum(l.delta) FROM later l WHERE l.segment_id = cur.segment_id AND l.day > d.day), 0))::int AS members
     FROM current cur CROSS JOIN days d
    ORDER BY cur.segment_id, d.day`,
);

export type TrendPoint = { day: string; members: number };

export async function memberTrends(
  db: Queryable,
  segmentIds: readonly string[],
  days: number,
  asOf: Date,
): Promise<Map<string, TrendPoint[]>> {
  const rows = await db.query<{ segment_id: string; day: string; members: number }>(MEMBER_TRENDS, [segmentIds, asOf, days]);
  const trends = new Map<string, TrendPoint[]>();
  for (const row of rows) {
    const points = trends.get(row.segment_id) ?? [];
    points.push({ day: row.day, members: row.members });
    trends.set(row.segment_id, points);
  }
  return trends;
}

const SEGMENTS_OF = prepared(
  `SELECT m.customer_id, ${COLUMNS} FROM segment_members m JOIN segments s ON s.id = m.segment_id
    WHERE m.customer_id = ANY ($1::uuid[]) ORDER BY lower(s.name), s.id`,
);

/** The segments of each of these customers, by name, in one statement. */
export async function segmentsOfCustomers(db: Queryable, customerIds: readonly string[]): Promise<Map<string, SegmentRow[]>> {
  const rows = await db.query<SegmentRow & { customer_id: string }>(SEGMENTS_OF, [customerIds]);
  const byCustomer = new Map<string, SegmentRow[]>();
  for (const row of rows) byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row]);
  return byCustomer;
}

// ------------------------------------------------------------------ preview

/**
 * The statement of a preview: how many customers `rule` selects as of
 * `asOf`, and the ids of the newest `sampleSize`. The matches are a
 * materialized CTE so the LIMIT of the sample cannot lead the planner into a
 * nested loop over them (the count needs every match anyway).
 */
export function previewStatement(rule: SegmentRule, asOf: Date, sampleSize: number, relations: SegmentRelations): SqlFragment {
  const { joins, predicate } = compileSegmentRule(rule, { asOf, customers: null, relations });
  return sql`WITH matches AS MATERIALIZED (
      SELECT c.id, c.created_at FROM ${sql.raw(CUSTOMERS_TABLE)} c
      ${joins}
      WHERE ${predicate}
    )
    SELECT (SELECT count(*) FROM matches)::int AS total, sample.id
      FROM (SELECT id, created_at FROM matches ORDER BY created_at DESC, id DESC LIMIT ${sampleSize}::int) sample
     ORDER BY sample.created_at DESC, sample.id DESC`;
}

/** How many customers `rule` selects as of `asOf`, and the ids of the newest `sampleSize`, in one statement. */
export async function previewRule(
  db: Queryable,
  rule: SegmentRule,
  asOf: Date,
  sampleSize: number,
  relations: SegmentRelations,
): Promise<{ count: number; ids: string[] }> {
  const rows = await db.query<{ id: string; total: number }>(previewStatement(rule, asOf, sampleSize, relations));
  return { count: rows[0]?.total ?? 0, ids: rows.map((row) => row.id) };
}

// ------------------------------------------------------------------ the membership log

type ChangeRow = {
  id: string;
  segment_id: string;
  customer_id: string;
  entered: boolean;
  occurred_at: Date;
  cause: SegmentChangeCause;
  customer: CustomerJson | null;
};

/** The membership log, each entry with its customer's record as of the read (null once deleted). */
export const SEGMENT_CHANGE_LOG: LogSource<ChangeRow, SegmentMembershipChange> = {
  table: 'segment_membership_changes',
  select: `e.id::text AS id, e.segment_id, e.customer_id, e.entered, e.occurred_at, e.cause, to_jsonb(c) AS customer`,
  joins: `LEFT JOIN ${CUSTOMERS_TABLE} c ON c.id = e.customer_id`,
  toValue: (row) =>
    Object.assign(new SegmentMembershipChange(), {
      id: row.id,
      segmentId: row.segment_id,
      customerId: row.customer_id,
      entered: row.entered,
      occurredAt: row.occurred_at,
      cause: row.cause,
      customer: row.customer === null ? null : customerFromJson(row.customer),
    }),
};
