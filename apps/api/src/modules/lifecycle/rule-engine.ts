import { AT_RISK, CHURNED, OFF_PATH_STAGES } from '@clm/schema';
import type { JsonValue, LifecycleModel, PropertyCondition, TouchpointMatch } from '@clm/schema';
import { jsonEquals, jsonNumber, readJsonPath } from '../../core/json-values';
import { unknownStage } from './lifecycle.errors';

/*
 * The lifecycle rule engine: pure functions from (model, customer state,
 * event) to (new state, transitions). No I/O; the services feed it rows and
 * write back what it returns.
 *
 * Invariants:
 * - a funnel customer only moves forward (to a stage later in `model.stages`);
 * - at-risk and churned are left only by win-back, a rule whose `from` names
 *   them, or a manual move;
 * - a transition never predates the stage it leaves (`at >= stageEnteredAt`),
 *   so a late event can move a customer forward but never rewinds one past a
 *   stage entered later;
 * - a property path and a numeric-looking value mean what they mean in a
 *   segment rule (`core/json-values.ts`): `tags.0` is a list's first element,
 *   a missing element is absent, and `neq` is exactly `not eq`.
 */

/** Why a customer moved; the GraphQL enum `TransitionCause` is built from this list. */
export const TRANSITION_CAUSES = ['touchpoint', 'inactivity', 'manual', 'created', 'merge', 'unmerge'] as const;
export type TransitionCause = (typeof TRANSITION_CAUSES)[number];

/** What the engine needs to know about a customer. */
export type LifecycleState = {
  /** Current stage; null for a customer not yet in the lifecycle. */
  stage: string | null;
  stageEnteredAt: Date | null;
  /** The last funnel stage held: equals `stage` in the funnel, kept while at-risk or churned. */
  funnelStage: string | null;
  /** Touchpoints seen so far, by type. */
  typeCounts: Record<string, number>;
  lastSeenAt: Date | null;
};

/** A touchpoint as the engine sees it. */
export type LifecycleEvent = {
  touchpointId: string;
  type: string;
  channel: string;
  occurredAt: Date;
  properties: Record<string, JsonValue>;
};

export type PlannedTransition = {
  from: string | null;
  to: string;
  at: Date;
  cause: TransitionCause;
  touchpointId: string | null;
  ruleId: string | null;
};

export type EngineResult = { state: LifecycleState; transitions: PlannedTransition[] };

export const WIN_BACK_RULE_ID = 'win-back';
export const AT_RISK_RULE_ID = 'inactivity-at-risk';
export const CHURNED_RULE_ID = 'inactivity-churned';

const DAY_MS = 86_400_000;

export function newCustomerState(): LifecycleState {
  return { stage: null, stageEnteredAt: null, funnelStage: null, typeCounts: {}, lastSeenAt: null };
}

export function isOffPath(stage: string | null): boolean {
  return stage !== null && OFF_PATH_STAGES.includes(stage);
}

/** Applies touchpoints in event-time order (stable for equal times). */
export function applyTouchpoints(model: LifecycleModel, state: LifecycleState, events: readonly LifecycleEvent[]): EngineResult {
  const ordered = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  let current = state;
  const transitions: PlannedTransition[] = [];
  for (const event of ordered) {
    const result = applyTouchpoint(model, current, event);
    current = result.state;
    transitions.push(...result.transitions);
  }
  return { state: current, transitions };
}

/** Applies one touchpoint: counts it, then moves the customer if a rule fires. */
export function applyTouchpoint(model: LifecycleModel, state: LifecycleState, event: LifecycleEvent): EngineResult {
  const typeCounts = { ...state.typeCounts, [event.type]: (state.typeCounts[event.type] ?? 0) + 1 };
  const lastSeenAt = state.lastSeenAt && state.lastSeenAt > event.occurredAt ? state.lastSeenAt : event.occurredAt;
  const counted: LifecycleState = { ...state, typeCounts, lastSeenAt };

  const target = chooseTarget(model, counted, event);
  if (target === null) return { state: counted, transitions: [] };
  return moveTo(counted, target.stage, event.occurredAt, 'touchpoint', event.touchpointId, target.ruleId);
}

/**
 * The inactivity sweep for one customer as of `now`: a customer in the
 * policy's stages whose last touchpoint is older than the thresholds goes
 * at-risk, then churned. Each transition is dated at the moment its threshold
 * was crossed (last seen + N days), not at the sweep.
 */
export function applyInactivity(model: LifecycleModel, state: LifecycleState, now: Date): EngineResult {
  const { inactivity } = model;
  if (state.stage === null || state.lastSeenAt === null || state.stage === CHURNED) return { state, transitions: [] };
  const lastSeen = state.lastSeenAt.getTime();
  const atRiskAt = new Date(lastSeen + inactivity.atRiskAfterDays * DAY_MS);
  const churnedAt = new Date(lastSeen + inactivity.churnedAfterDays * DAY_MS);

  let current = state;
  const transitions: PlannedTransition[] = [];
  if (current.stage !== AT_RISK) {
    if (current.stage === null || !isAtOrAfter(model, current.stage, inactivity.fromStage) || atRiskAt > now) return { state, transitions };
    const step = moveTo(current, AT_RISK, atRiskAt, 'inactivity', null, AT_RISK_RULE_ID);
    current = step.state;
    transitions.push(...step.transitions);
  }
  if (churnedAt <= now) {
    const step = moveTo(current, CHURNED, churnedAt, 'inactivity', null, CHURNED_RULE_ID);
    current = step.state;
    transitions.push(...step.transitions);
  }
  return { state: current, transitions };
}

/** A move by hand: to any stage of the model, forward or back. */
export function applyManualMove(model: LifecycleModel, state: LifecycleState, to: string, at: Date): EngineResult {
  if (!isKnownStage(model, to)) throw unknownStage(model, to);
  if (state.stage === to) return { state, transitions: [] };
  return moveTo(state, to, at, 'manual', null, null);
}

/** Puts a customer that has no stage yet into the first stage of the funnel. */
export function enterLifecycle(model: LifecycleModel, state: LifecycleState, at: Date, cause: TransitionCause): EngineResult {
  if (state.stage !== null) return { state, transitions: [] };
  return moveTo(state, model.stages[0].key, at, cause, null, null);
}

export function isKnownStage(model: LifecycleModel, stage: string): boolean {
  return OFF_PATH_STAGES.includes(stage) || model.stages.some((candidate) => candidate.key === stage);
}

function chooseTarget(
  model: LifecycleModel,
  state: LifecycleState,
  event: LifecycleEvent,
): { stage: string; ruleId: string | null } | null {
  if (isOffPath(state.stage)) {
    const enteredAt = state.stageEnteredAt;
    // Only events dated after the customer entered this state (at-risk or churned) can move them.
    if (enteredAt !== null && event.occurredAt < enteredAt) return null;
    if (matches(model.winBack.when, state, event)) {
      return { stage: model.winBack.to ?? state.funnelStage ?? model.stages[0].key, ruleId: WIN_BACK_RULE_ID };
    }
    // Off the funnel there is no "forward": every stage a rule from here names is a candidate.
    return furthestMatchingRule(model, state, event, -1);
  }
  if (state.stage === null) return furthestMatchingRule(model, state, event, 0) ?? { stage: model.stages[0].key, ruleId: null };
  return furthestMatchingRule(model, state, event, stageIndex(model, state.stage));
}

/**
 * Of the rules open to the customer's current stage (rules without `from` are
 * open to funnel stages only) that match `event`, the one moving furthest
 * along the funnel, past `afterIndex`; the first such rule on a tie.
 */
function furthestMatchingRule(
  model: LifecycleModel,
  state: LifecycleState,
  event: LifecycleEvent,
  afterIndex: number,
): { stage: string; ruleId: string } | null {
  const offPath = isOffPath(state.stage);
  let best: { stage: string; ruleId: string; index: number } | null = null;
  for (const rule of model.rules) {
    const index = stageIndex(model, rule.to);
    if (index <= (best?.index ?? afterIndex)) continue;
    const open = rule.from === undefined ? !offPath : rule.from.includes(state.stage ?? '');
    if (open && matches(rule.when, state, event)) best = { stage: rule.to, ruleId: rule.id, index };
  }
  return best && { stage: best.stage, ruleId: best.ruleId };
}

function moveTo(
  state: LifecycleState,
  to: string,
  eventTime: Date,
  cause: TransitionCause,
  touchpointId: string | null,
  ruleId: string | null,
): EngineResult {
  const at = state.stageEnteredAt !== null && state.stageEnteredAt > eventTime ? state.stageEnteredAt : eventTime;
  const funnelStage = OFF_PATH_STAGES.includes(to) ? state.funnelStage : to;
  return {
    state: { ...state, stage: to, stageEnteredAt: at, funnelStage },
    transitions: [{ from: state.stage, to, at, cause, touchpointId, ruleId }],
  };
}

/** Whether `event` (already counted into `state`) satisfies `match`. */
export function matches(match: TouchpointMatch, state: LifecycleState, event: LifecycleEvent): boolean {
  if (match.types && !match.types.includes(event.type)) return false;
  if (match.channels && !match.channels.includes(event.channel)) return false;
  if (match.conditions && !match.conditions.every((condition) => holds(condition, event.properties))) return false;
  if (match.minCount !== undefined) {
    const seen = (match.types ?? []).reduce((sum, type) => sum + (state.typeCounts[type] ?? 0), 0);
    if (seen < match.minCount) return false;
  }
  return true;
}

function holds(condition: PropertyCondition, properties: Record<string, JsonValue>): boolean {
  const actual = readJsonPath(properties, condition.property);
  const expected = condition.value;
  switch (condition.operator) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'eq':
      return actual !== undefined && jsonEquals(actual, expected ?? null);
    case 'neq':
      return actual === undefined || !jsonEquals(actual, expected ?? null);
    case 'in':
      return actual !== undefined && Array.isArray(expected) && expected.some((option) => jsonEquals(actual, option));
    case 'contains':
      if (typeof actual === 'string' && typeof expected === 'string') return actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => jsonEquals(item, expected ?? null));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(condition.operator, actual, expected);
  }
}

function compare(operator: 'gt' | 'gte' | 'lt' | 'lte', actual: JsonValue | undefined, expected: JsonValue | undefined): boolean {
  const left = jsonNumber(actual);
  const right = jsonNumber(expected);
  if (left === null || right === null) return false;
  switch (operator) {
    case 'gt':
      return left > right;
    case 'gte':
      return left >= right;
    case 'lt':
      return left < right;
    case 'lte':
      return left <= right;
  }
}

function stageIndex(model: LifecycleModel, stage: string): number {
  return model.stages.findIndex((candidate) => candidate.key === stage);
}

function isAtOrAfter(model: LifecycleModel, stage: string, reference: string): boolean {
  const index = stageIndex(model, stage);
  return index >= 0 && index >= stageIndex(model, reference);
}
