import type { LogSource } from '../../log';
import { columnsOf, prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { TimelineTable } from '../../database/timeline';
import { CUSTOMERS_TABLE, customerFromJson } from '../customers';
import type { Customer, CustomerJson } from '../customers';
import type { TransitionToWrite } from './journey';
import type { TransitionCause } from './rule-engine';
import { StageTransition } from './stage-transition.type';

/** The `stage_transitions` table: its row, its one mapper and its statements. Append-only. */
export type TransitionRow = {
  id: string;
  customer_id: string;
  from_stage: string | null;
  to_stage: string;
  occurred_at: Date;
  recorded_at: Date;
  cause: TransitionCause;
  touchpoint_id: string | null;
  rule_id: string | null;
  actor: string | null;
  reason: string | null;
};

/**
 * The transition log as a relation, for the modules that use lifecycle (the
 * metrics read it): one row per transition with the columns of TransitionRow.
 */
export const TRANSITIONS_TABLE = 'stage_transitions';

/** The select list of a TransitionRow from the table aliased `alias`. */
function columns(alias: string): string {
  return `${alias}.id::text AS id, ${alias}.customer_id, ${alias}.from_stage, ${alias}.to_stage, ${alias}.occurred_at,
          ${alias}.recorded_at, ${alias}.cause, ${alias}.touchpoint_id::text AS touchpoint_id, ${alias}.rule_id, ${alias}.actor,
          ${alias}.reason`;
}

/** A row with `id` and `customer_id` and any subset of the other columns (a page reads only what its client selected). */
export type TransitionRowPart = Pick<TransitionRow, 'id' | 'customer_id'> & Partial<TransitionRow>;

/** The one mapper from a stage_transitions row (whole or in part) to a StageTransition; fields whose column was not read stay unset. */
export function toStageTransition(row: TransitionRowPart): StageTransition {
  const transition = Object.assign(new StageTransition(), { id: row.id, customerId: row.customer_id });
  if (row.from_stage !== undefined) transition.from = row.from_stage;
  if (row.to_stage !== undefined) transition.to = row.to_stage;
  if (row.occurred_at !== undefined) transition.occurredAt = row.occurred_at;
  if (row.recorded_at !== undefined) transition.recordedAt = row.recorded_at;
  if (row.cause !== undefined) transition.cause = row.cause;
  if (row.touchpoint_id !== undefined) transition.touchpointId = row.touchpoint_id;
  if (row.rule_id !== undefined) transition.ruleId = row.rule_id;
  if (row.actor !== undefined) transition.actor = row.actor;
  if (row.reason !== undefined) transition.reason = row.reason;
  return transition;
}

/**
 * The INSERT that appends `transitions` in their order, sent as one typed
 * array per column; for a statement that writes them together with other
 * changes.
 */
export function insertTransitions(transitions: readonly TransitionToWrite[]): SqlFragment {
  const [customers, from, to, at, cause, touchpoints, rules, actors, reasons] = columnsOf(transitions, 9, (transition) => [
    transition.customerId,
    transition.from,
    transition.to,
    transition.at.toISOString(),
    transition.cause,
    transition.touchpointId,
    transition.ruleId,
    transition.actor,
    transition.reason,
  ]);
  return sql`INSERT INTO stage_transitions (customer_id, from_stage, to_stage, occurred_at, cause, touchpoint_id, rule_id, actor, reason)
   SELECT * FROM unnest(${customers}::uuid[], ${from}::text[], ${to}::text[], ${at}::timestamptz[], ${cause}::text[],
                        ${touchpoints}::bigint[], ${rules}::text[], ${actors}::text[], ${reasons}::text[])`;
}

export type TransitionCount = { from: string | null; to: string; count: number };

/** Transitions between each pair of stages with event time in [from, to) (either end open when null). */
export function countTransitions(db: Queryable, from: Date | null, to: Date | null): Promise<TransitionCount[]> {
  return db.query<TransitionCount>(
    `SELECT from_stage AS "from", to_stage AS "to", count(*)::int AS count FROM stage_transitions
      WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ($2::timestamptz IS NULL OR occurred_at < $2)
      GROUP BY from_stage, to_stage ORDER BY count DESC, from_stage NULLS FIRST, to_stage`,
    [from?.toISOString() ?? null, to?.toISOString() ?? null],
  );
}

const RECENT = prepared(
  `SELECT ${columns('t')}, to_jsonb(c) AS customer, pg_current_snapshot()::text AS snapshot
     FROM (SELECT 1) one
     LEFT JOIN LATERAL (SELECT * FROM stage_transitions ORDER BY id DESC LIMIT $1) t ON TRUE
     LEFT JOIN ${CUSTOMERS_TABLE} c ON c.id = t.customer_id
    ORDER BY t.id DESC`,
);

/**
 * The newest `limit` transitions in the log (by id, newest first), each with its
 * customer (null once deleted), and the snapshot they were read in (one
 * statement, so a subscriber continuing from it misses nothing committed since).
 */
export async function recentTransitions(db: Queryable, limit: number): Promise<{ transitions: StageTransition[]; snapshot: string }> {
  const rows = await db.query<(TransitionRow & { customer: CustomerJson | null; snapshot: string }) | { id: null; snapshot: string }>(
    RECENT,
    [limit],
  );
  const transitions = rows.flatMap((row) =>
    row.id === null
      ? []
      : [Object.assign(toStageTransition(row as TransitionRow), { customer: row.customer ? customerFromJson(row.customer) : null })],
  );
  return { transitions, snapshot: rows[0].snapshot };
}

/** Customers' transitions, newest first (the Customer.transitions connection). */
export const TRANSITION_TIMELINE: TimelineTable<TransitionRowPart, StageTransition> = {
  table: 'stage_transitions',
  fieldColumns: {
    from: 't.from_stage',
    to: 't.to_stage',
    occurredAt: 't.occurred_at',
    recordedAt: 't.recorded_at',
    cause: 't.cause',
    touchpointId: 't.touchpoint_id::text AS touchpoint_id',
    ruleId: 't.rule_id',
    actor: 't.actor',
    reason: 't.reason',
  },
  toNode: toStageTransition,
};

/** A transition as streamed, with the customer's record as of the read (read once per instance, not per subscriber). */
export type StreamedTransition = StageTransition & { customer: Customer };

/** The transition log, each row joined with its customer. */
export const TRANSITION_LOG: LogSource<TransitionRow & { customer: CustomerJson }, StreamedTransition> = {
  table: 'stage_transitions',
  select: `${columns('e')}, to_jsonb(c) AS customer`,
  joins: `JOIN ${CUSTOMERS_TABLE} c ON c.id = e.customer_id`,
  toValue: (row) => Object.assign(toStageTransition(row), { customer: customerFromJson(row.customer) }),
};

const MOVE = prepared(`UPDATE stage_transitions SET customer_id = $2 WHERE customer_id = $1 RETURNING id::text`);
const MOVE_BACK = prepared(`UPDATE stage_transitions SET customer_id = $2 WHERE id = ANY ($1::bigint[]) AND customer_id = $3`);

/**
 * Moves every transition of one customer to another (a merge); returns the
 * ids moved. The rows keep their place in the log: they were delivered under
 * the first customer's id, and a merge record says where they went.
 */
export async function moveTransitions(db: Queryable, fromId: string, intoId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(MOVE, [fromId, intoId]);
  return rows.map((row) => row.id);
}

/** Moves these transitions back from `intoId` to `fromId` (an unmerge). */
export async function moveTransitionsBack(db: Queryable, ids: readonly string[], intoId: string, fromId: string): Promise<void> {
  await db.execute(MOVE_BACK, [ids, fromId, intoId]);
}
