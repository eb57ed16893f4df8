import type { LifecycleModel } from '@clm/schema';
import { toTenThousandths } from '../../core/money';
import type { CustomerRow } from '../customers';
import { applyTouchpoints, enterLifecycle, newCustomerState } from './rule-engine';
import type { LifecycleEvent, LifecycleState, PlannedTransition } from './rule-engine';

/*
 * A customer's journey as the writers see it: the lifecycle state the rule
 * engine works on, plus the rollups kept beside it (first seen, orders,
 * revenue). Pure: no I/O.
 */

export type Journey = {
  customerId: string;
  lifecycle: LifecycleState;
  firstSeenAt: Date | null;
  orders: number;
  /** Revenue to add to the stored amount, exact, in ten-thousandths (see core/money.ts); PostgreSQL adds it. */
  revenueDelta: bigint;
};

/** A new touchpoint as the journey sees it. */
export type JourneyEvent = LifecycleEvent & { value: number | null };

/** A transition to append, with who and why for manual moves. */
export type TransitionToWrite = PlannedTransition & { customerId: string; actor: string | null; reason: string | null };

/** One customer's change: the journey to store and the transitions that led there. */
export type JourneyChange = { journey: Journey; transitions: TransitionToWrite[] };

export function journeyOf(row: CustomerRow): Journey {
  return {
    customerId: row.id,
    lifecycle: {
      stage: row.stage,
      stageEnteredAt: row.stage_entered_at,
      funnelStage: row.funnel_stage,
      typeCounts: row.type_counts,
      lastSeenAt: row.last_seen_at,
    },
    firstSeenAt: row.first_seen_at,
    orders: row.orders,
    revenueDelta: 0n,
  };
}

/** A change made by the engine alone (manual moves, inactivity, entry): no rollup changes. */
export function changeOf(
  journey: Journey,
  result: { state: LifecycleState; transitions: PlannedTransition[] },
  who: { actor: string | null; reason: string | null } = { actor: null, reason: null },
): JourneyChange {
  return {
    journey: { ...journey, lifecycle: result.state },
    transitions: result.transitions.map((transition) => ({ ...transition, customerId: journey.customerId, ...who })),
  };
}

/**
 * Runs the rule engine over one customer's new touchpoints and updates the
 * rollups: first seen (earliest event), orders (purchases) and revenue
 * (purchase values minus refund values).
 */
export function applyTouchpointEvents(model: LifecycleModel, journey: Journey, events: readonly JourneyEvent[]): JourneyChange {
  const result = applyTouchpoints(model, journey.lifecycle, events);
  let firstSeenAt = journey.firstSeenAt;
  let orders = journey.orders;
  let revenueDelta = journey.revenueDelta;
  for (const event of events) {
    if (firstSeenAt === null || event.occurredAt < firstSeenAt) firstSeenAt = event.occurredAt;
    if (event.type === 'purchase') {
      orders += 1;
      revenueDelta += toTenThousandths(event.value ?? 0);
    } else if (event.type === 'refund') {
      revenueDelta -= toTenThousandths(Math.abs(event.value ?? 0));
    }
  }
  return changeOf({ ...journey, firstSeenAt, orders, revenueDelta }, result);
}

/** A stored amount (numeric text, up to 4 decimals) in ten-thousandths, exact. */
export function tenThousandthsOf(amount: string): bigint {
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const units = BigInt(whole || '0') * 10_000n + BigInt((fraction + '0000').slice(0, 4));
  return amount.startsWith('-') ? -units : units;
}

/**
 * A customer's journey recomputed from its whole history (after a merge
 * moved another customer's touchpoints to it, or an unmerge took them
 * back): the rule engine over every touchpoint from the start, the rollups
 * from scratch. A customer created through the API (in the lifecycle before
 * any touchpoint) stays in it. When the stage differs from the stored one,
 * that change is one transition of `cause` (merge or unmerge), dated when the
 * recomputed stage was entered; the rest of the recomputed path is history
 * already in the transition log.
 */
export function replayJourney(
  model: LifecycleModel,
  row: CustomerRow,
  events: readonly JourneyEvent[],
  cause: 'merge' | 'unmerge',
): JourneyChange {
  const start: Journey = { customerId: row.id, lifecycle: newCustomerState(), firstSeenAt: null, orders: 0, revenueDelta: 0n };
  const entered =
    row.stage !== null && events.length === 0 ? enterLifecycle(model, start.lifecycle, row.created_at, 'created').state : start.lifecycle;
  const replayed = applyTouchpointEvents(model, { ...start, lifecycle: entered }, events).journey;
  const journey = { ...replayed, revenueDelta: replayed.revenueDelta - tenThousandthsOf(row.revenue) };
  const { stage, stageEnteredAt } = journey.lifecycle;
  const moved = stage !== row.stage && stage !== null;
  const transitions: TransitionToWrite[] = moved
    ? [
        {
          customerId: row.id,
          from: row.stage,
          to: stage,
          at: stageEnteredAt ?? row.created_at,
          cause,
          touchpointId: null,
          ruleId: null,
          actor: null,
          reason: null,
        },
      ]
    : [];
  return { journey, transitions };
}
