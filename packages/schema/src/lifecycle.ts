/**
 * The lifecycle model: an ordered funnel of stages, the rules that move a
 * customer forward through it, and the policies for the two off-path states
 * (at-risk, churned). A model is plain data so it can be stored, edited at
 * run time and shared by the API and the dashboard.
 */

/** A JSON value, as carried by touchpoint properties and rule conditions. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The two states outside the funnel; every model has them. */
export const AT_RISK = 'at-risk';
export const CHURNED = 'churned';
export const OFF_PATH_STAGES: readonly string[] = [AT_RISK, CHURNED];

/** One funnel stage. `key` is the stable identifier used in rules, filters and transitions. */
export type Stage = {
  key: string;
  name: string;
  description: string;
};

export const CONDITION_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'contains'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/**
 * A condition on one touchpoint property. `property` is a dot path into the
 * touchpoint's `properties` (for example `rating` or `survey.score`).
 */
export type PropertyCondition = {
  property: string;
  operator: ConditionOperator;
  value?: JsonValue;
};

/**
 * What a touchpoint must look like for a rule to fire. Every given part must
 * hold. `minCount` counts the customer's touchpoints whose type is one of
 * `types`, this one included: `{ types: ['purchase'], minCount: 2 }` is
 * "the second purchase (or any later one)".
 */
export type TouchpointMatch = {
  types?: string[];
  channels?: string[];
  conditions?: PropertyCondition[];
  minCount?: number;
};

/**
 * Moves a customer to `to` when a touchpoint matches `when`. Rules only move
 * customers forward through the funnel; `from`, when given, limits the rule
 * to customers currently in one of those stages (off-path states included).
 */
export type TransitionRule = {
  id: string;
  description: string;
  to: string;
  when: TouchpointMatch;
  from?: string[];
};

/**
 * Inactivity: a customer in `fromStage` or any later funnel stage with no
 * touchpoint for `atRiskAfterDays` becomes at-risk, and for
 * `churnedAfterDays` churned.
 */
export type InactivityPolicy = {
  fromStage: string;
  atRiskAfterDays: number;
  churnedAfterDays: number;
};

/**
 * Win-back: a touchpoint matching `when` by an at-risk or churned customer
 * moves them to `to`, or back to the funnel stage they held before when `to`
 * is null.
 */
export type WinBackPolicy = {
  when: TouchpointMatch;
  to: string | null;
};

export type LifecycleModel = {
  name: string;
  description: string;
  stages: Stage[];
  /**
   * The funnel stage that counts as "acquired": entering it makes someone a
   * customer (new-customer counts, CAC, acquisition channel and campaign).
   * In every preset it is the first stage a purchase reaches.
   */
  acquiredStage: string;
  rules: TransitionRule[];
  inactivity: InactivityPolicy;
  winBack: WinBackPolicy;
};

/** A model as stored before `acquiredStage` existed, or as a client may submit it. */
export type LifecycleModelDraft = Omit<LifecycleModel, 'acquiredStage'> & { acquiredStage?: string | null };

/**
 * The acquired stage of a model that does not name one: the first funnel
 * stage, in funnel order, that a rule whose `when.types` includes `purchase`
 * moves to; else the last funnel stage ('' for a model without stages, which
 * validation refuses anyway).
 */
export function defaultAcquiredStage(model: Pick<LifecycleModel, 'stages' | 'rules'>): string {
  const purchaseTargets = new Set(model.rules.filter((rule) => rule.when.types?.includes('purchase')).map((rule) => rule.to));
  const first = model.stages.find((stage) => purchaseTargets.has(stage.key));
  return first?.key ?? model.stages.at(-1)?.key ?? '';
}

/** `model` with its acquired stage, defaulted (see defaultAcquiredStage) when it names none. */
export function withAcquiredStage(model: LifecycleModelDraft): LifecycleModel {
  const { acquiredStage, ...rest } = model;
  return { ...rest, acquiredStage: acquiredStage ?? defaultAcquiredStage(model) };
}

/** Every stage key a customer can hold under `model`: the funnel, then the off-path states. */
export function allStageKeys(model: LifecycleModel): string[] {
  return [...model.stages.map((stage) => stage.key), ...OFF_PATH_STAGES];
}
