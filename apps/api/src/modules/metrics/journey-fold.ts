import { isoDay } from '../../core/dates';

/**
 * The metrics projection's reading of stage transitions, as a pure fold: given
 * what it knew of some customers and their next transitions in log order, what
 * changes in its read model. No I/O, so every rule here is unit tested.
 */

/** What the metrics projection knows of one customer. */
export type MetricCustomer = {
  customerId: string;
  stage: string | null;
  stageSince: Date | null;
  enteredAt: Date | null;
  furthestStage: string | null;
  acquiredAt: Date | null;
  erased: boolean;
};

/** One stage transition, as read from the log. */
export type FoldedTransition = {
  customerId: string;
  from: string | null;
  to: string;
  occurredAt: Date;
  touchpointId: string | null;
  /** The transaction that wrote it (acquisitions read the touchpoints recorded up to it). */
  txId: string;
};

/** What the fold needs of the lifecycle model. */
export type FunnelShape = { funnel: readonly string[]; acquiredStage: string };

export type StageEntry = { customerId: string; stage: string; enteredAt: Date; cohortDay: string; secondsFromEntry: number };
export type StageStay = { day: string; stage: string; seconds: number };
export type FunnelDelta = { cohortDay: string; stage: string; delta: number };
export type Acquisition = { customerId: string; acquiredAt: Date; stage: string; touchpointId: string | null; txId: string };

export type JourneyFold = {
  customers: MetricCustomer[];
  entries: StageEntry[];
  stays: StageStay[];
  funnel: FunnelDelta[];
  acquisitions: Acquisition[];
};

/**
 * Folds transitions (in log order) into the customers' states:
 * - the first transition a customer has is their entry into the lifecycle (their funnel cohort is its day);
 * - every first entry into a stage is kept with its time since the lifecycle entry;
 * - leaving a stage ends a stay, dated the day it ended;
 * - the furthest funnel stage reached (funnel order) moves the customer between funnel rows of their cohort;
 * - the first entry into the acquired stage is the acquisition (kept once, whatever follows).
 * Transitions of erased customers change nothing.
 */
export function foldTransitions(
  known: ReadonlyMap<string, MetricCustomer>,
  transitions: readonly FoldedTransition[],
  shape: FunnelShape,
): JourneyFold {
  const funnelIndex = new Map(shape.funnel.map((stage, index) => [stage, index]));
  const states = new Map<string, MetricCustomer>();
  const entered = new Set<string>();
  const result: JourneyFold = { customers: [], entries: [], stays: [], funnel: [], acquisitions: [] };

  for (const transition of transitions) {
    let state = states.get(transition.customerId);
    if (!state) {
      const previous = known.get(transition.customerId);
      state = previous
        ? { ...previous }
        : {
            customerId: transition.customerId,
            stage: null,
            stageSince: null,
            enteredAt: null,
            furthestStage: null,
            acquiredAt: null,
            erased: false,
          };
      states.set(transition.customerId, state);
    }
    if (state.erased) continue;

    if (state.enteredAt === null) state.enteredAt = transition.occurredAt;
    const cohortDay = isoDay(state.enteredAt);
    if (state.stage !== null && state.stageSince !== null) {
      const seconds = Math.max(0, (transition.occurredAt.getTime() - state.stageSince.getTime()) / 1000);
      result.stays.push({ day: isoDay(transition.occurredAt), stage: state.stage, seconds });
    }
    state.stage = transition.to;
    state.stageSince = transition.occurredAt;

    const entryKey = `${transition.customerId}\u0000${transition.to}`;
    if (!entered.has(entryKey)) {
      entered.add(entryKey);
      result.entries.push({
        customerId: transition.customerId,
        stage: transition.to,
        enteredAt: transition.occurredAt,
        cohortDay,
        secondsFromEntry: (transition.occurredAt.getTime() - state.enteredAt.getTime()) / 1000,
      });
    }

    const index = funnelIndex.get(transition.to);
    if (index !== undefined) {
      const furthest = state.furthestStage === null ? -1 : (funnelIndex.get(state.furthestStage) ?? -1);
      if (index > furthest) {
        if (state.furthestStage !== null) result.funnel.push({ cohortDay, stage: state.furthestStage, delta: -1 });
        result.funnel.push({ cohortDay, stage: transition.to, delta: 1 });
        state.furthestStage = transition.to;
      }
    }

    if (transition.to === shape.acquiredStage && state.acquiredAt === null) {
      state.acquiredAt = transition.occurredAt;
      result.acquisitions.push({
        customerId: transition.customerId,
        acquiredAt: transition.occurredAt,
        stage: transition.to,
        touchpointId: transition.touchpointId,
        txId: transition.txId,
      });
    }
  }
  result.customers = [...states.values()];
  result.funnel = sumFunnel(result.funnel);
  return result;
}

function sumFunnel(deltas: readonly FunnelDelta[]): FunnelDelta[] {
  const sums = new Map<string, FunnelDelta>();
  for (const delta of deltas) {
    const key = `${delta.cohortDay}\u0000${delta.stage}`;
    const sum = sums.get(key);
    if (sum) sum.delta += delta.delta;
    else sums.set(key, { ...delta });
  }
  return [...sums.values()].filter((sum) => sum.delta !== 0);
}
