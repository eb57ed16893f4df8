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
export function applyCustomerEvents(model: LifecycleModel, row: CustomerStateRow, events: readonly CustomerEvent[]): { state: CustomerStateRow; transitions: PlannedTransition[] } {
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
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[])`,
    [
      transitions.map((transition) => transition.customerId),
      transitions.map((transition) => transition.from),
      transitions.map((transition) => transition.to),
      transitions.map((transition) => transition.at.toISOString()),
      transitions.map((transition) => transition.cause),
      transitions.map((transition) => transition.touchpointId),
      transitions.map((transition) => transition.ruleId),
      transitions.map((transition) => transition.actor ?? null),
      transitions.map((transition) => transition.reason ?? null),
    ],
  );
}

/** Writes the lifecycle fields and rollups of customers in one statement. */
export async function writeCustomerStates(manager: EntityManager, rows: readonly CustomerStateRow[]): Promise<void> {
  if (rows.length === 0) return;
  await manager.query(
    `UPDATE customers c SET
        external_id = coalesce(c.external_id, u.external_id),
        stage = u.stage, stage_entered_at = u.stage_entered_at, funnel_stage = u.funnel_stage,
        type_counts = u.type_counts, first_seen_at = u.first_seen_at, last_seen_at = u.last_seen_at,
        orders = u.orders, revenue = c.revenue + u.revenue_delta, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::jsonb[], $7::timestamptz[], $8::timestamptz[], $9::int[], $10::numeric[])
         AS u(id, external_id, stage, stage_entered_at, funnel_stage, type_counts, first_seen_at, last_seen_at, orders, revenue_delta)
      WHERE c.id = u.id`,
    [
      rows.map((row) => row.id),
      rows.map((row) => row.external_id),
      rows.map((row) => row.stage),
      rows.map((row) => row.stage_entered_at?.toISOString() ?? null),
      rows.map((row) => row.funnel_stage),
      rows.map((row) => JSON.stringify(row.type_counts)),
      rows.map((row) => row.first_seen_at?.toISOString() ?? null),
      rows.map((row) => row.last_seen_at?.toISOString() ?? null),
      rows.map((row) => row.orders),
      rows.map((row) => row.revenue_delta ?? 0),
    ],
  );
}
