import type { JsonValue, LifecycleModel } from '@clm/schema';
import type { EntityManager } from 'typeorm';
import { applyTouchpoints } from '../lifecycle/rule-engine';
import type { LifecycleEvent, LifecycleState, PlannedTransition } from '../lifecycle/rule-engine';

/**
 * A customer row as the write paths read and write it (snake_case, as
 * PostgreSQL returns it). `revenue` stays a numeric string; additions are
 * done by PostgreSQL through `revenue_delta`.
 */
export type CustomerStateRow = {
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
  revenue: string;
  revenue_delta?: number;
};

export const customerStateColumns =
  'id, external_id, email, name, attributes, stage, stage_entered_at, funnel_stage, type_counts, first_seen_at, last_seen_at, orders, revenue';

/** A transition ready to be written. */
export type TransitionRow = PlannedTransition & { customerId: string; actor?: string | null; reason?: string | null };

export type CustomerEvent = LifecycleEvent & { value: number | null };

export function toLifecycleState(row: CustomerStateRow): LifecycleState {
  return {
    stage: row.stage,
    stageEnteredAt: row.stage_entered_at,
    funnelStage: row.funnel_stage,
    typeCounts: row.type_counts,
    lastSeenAt: row.last_seen_at,
  };
}

export function withLifecycleState(row: CustomerStateRow, state: LifecycleState): CustomerStateRow {
  return {
    ...row,
    stage: state.stage,
    stage_entered_at: state.stageEnteredAt,
    funnel_stage: state.funnelStage,
    type_counts: state.typeCounts,
    last_seen_at: state.lastSeenAt,
  };
}

/**
 * Runs the rule engine over new touchpoints of one customer and updates the
 * rollups: first/last seen, orders (purchases) and revenue (purchases minus
 * refunds).
 */
export function applyCustomerEvents(
  model: LifecycleModel,
  row: CustomerStateRow,
  events: readonly CustomerEvent[],
): { state: CustomerStateRow; transitions: PlannedTransition[] } {
  const result = applyTouchpoints(model, toLifecycleState(row), events);
  let firstSeen = row.first_seen_at;
  let orders = row.orders;
  let revenueDelta = row.revenue_delta ?? 0;
  for (const event of events) {
    if (firstSeen === null || event.occurredAt < firstSeen) firstSeen = event.occurredAt;
    if (event.type === 'purchase') {
      orders += 1;
      revenueDelta += event.value ?? 0;
    } else if (event.type === 'refund') {
      revenueDelta -= Math.abs(event.value ?? 0);
    }
  }
  return {
    state: { ...withLifecycleState(row, result.state), first_seen_at: firstSeen, orders, revenue_delta: revenueDelta },
    transitions: result.transitions,
  };
}

/** Appends transitions in one statement. */
export async function writeTransitions(manager: EntityManager, transitions: readonly TransitionRow[]): Promise<void> {
  if (transitions.length === 0) return;
  await manager.query(
    `INSERT INTO stage_transitions (customer_id, from_stage, to_stage, occurred_at, cause, touchpoint_id, rule_id, actor, reason)
     SELECT * FROM json_to_recordset($1::json)
         AS t(customer_id uuid, from_stage text, to_stage text, occurred_at timestamptz, cause text, touchpoint_id bigint, rule_id text, actor text, reason text)`,
    [
      JSON.stringify(
        transitions.map((transition) => ({
          customer_id: transition.customerId,
          from_stage: transition.from,
          to_stage: transition.to,
          occurred_at: transition.at.toISOString(),
          cause: transition.cause,
          touchpoint_id: transition.touchpointId,
          rule_id: transition.ruleId,
          actor: transition.actor ?? null,
          reason: transition.reason ?? null,
        })),
      ),
    ],
  );
}

/** Writes the lifecycle fields and rollups of customers in one statement. */
export async function writeCustomerStates(manager: EntityManager, rows: readonly CustomerStateRow[]): Promise<void> {
  if (rows.length === 0) return;
  // `c.id = ANY (...)` lets the planner fetch the rows by primary key instead of scanning the table.
  await manager.query(
    `UPDATE customers c SET
        external_id = coalesce(c.external_id, u.external_id),
        stage = u.stage, stage_entered_at = u.stage_entered_at, funnel_stage = u.funnel_stage,
        type_counts = u.type_counts, first_seen_at = u.first_seen_at, last_seen_at = u.last_seen_at,
        orders = u.orders, revenue = c.revenue + u.revenue_delta, updated_at = now()
       FROM json_to_recordset($1::json)
         AS u(id uuid, external_id text, stage text, stage_entered_at timestamptz, funnel_stage text, type_counts jsonb,
              first_seen_at timestamptz, last_seen_at timestamptz, orders int, revenue_delta numeric)
      WHERE c.id = u.id AND c.id = ANY ($2::uuid[])`,
    [
      JSON.stringify(
        rows.map((row) => ({
          id: row.id,
          external_id: row.external_id,
          stage: row.stage,
          stage_entered_at: row.stage_entered_at?.toISOString() ?? null,
          funnel_stage: row.funnel_stage,
          type_counts: row.type_counts,
          first_seen_at: row.first_seen_at?.toISOString() ?? null,
          last_seen_at: row.last_seen_at?.toISOString() ?? null,
          orders: row.orders,
          revenue_delta: row.revenue_delta ?? 0,
        })),
      ),
      rows.map((row) => row.id),
    ],
  );
}
