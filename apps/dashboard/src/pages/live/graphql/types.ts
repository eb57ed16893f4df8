/**
 * Result and variable types of the Live page's operations, written by hand
 * until GraphQL codegen generates them from `schema.graphql`. Names follow the
 * codegen convention (`<Operation>Query`, `<Operation>Subscription`,
 * `…Variables`) so generated types can replace these without touching callers.
 */

/** An ISO-8601 date-time, as the `DateTime` scalar is serialised. */
export type DateTimeString = string;

export type StageOverviewQueryVariables = {
  from?: DateTimeString | null;
  to?: DateTimeString | null;
};

export type StageCount = {
  __typename?: string;
  /** The stage key used in transitions, e.g. `awareness`, `at-risk`. */
  stage: string;
  name: string;
  count: number;
  /** True for the states outside the funnel: at-risk and churned. */
  offPath: boolean;
};

export type TransitionCount = {
  __typename?: string;
  /** Null counts entries into the lifecycle. */
  from: string | null;
  to: string;
  count: number;
};

export type StageOverview = {
  __typename?: string;
  /** Where the counts stand in the transition log: subscribe after it to receive exactly the moves they lack. */
  cursor: string;
  total: number;
  /** The model's funnel stages in order, then at-risk and churned. */
  stages: StageCount[];
  transitions: TransitionCount[];
};

export type StageOverviewQuery = {
  stageOverview: StageOverview;
};

export type LiveTransitionsSubscriptionVariables = {
  /** Resume after this cursor; null starts from now. */
  after?: string | null;
};

export type TransitionCustomer = {
  __typename?: string;
  id: string;
  name: string | null;
  email: string | null;
  externalId: string | null;
};

export type StageTransition = {
  __typename?: string;
  id: string;
  /** Null when the customer enters the lifecycle. */
  from: string | null;
  to: string;
  occurredAt: DateTimeString;
  cause: string;
  ruleId: string | null;
  customer: TransitionCustomer;
};

export type StageTransitionEvent = {
  __typename?: string;
  cursor: string;
  transition: StageTransition;
};

export type LiveTransitionsSubscription = {
  stageTransitions: StageTransitionEvent;
};
