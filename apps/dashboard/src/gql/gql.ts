/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "subscription TransitionPulse {\n  stageTransitions {\n    cursor\n  }\n}": typeof types.TransitionPulseDocument,
    "query CohortRetention($range: DayRangeInput!, $filter: MetricFilterInput) {\n  metrics(range: $range, bucket: MONTH, filter: $filter) {\n    from\n    to\n    cohortRetention {\n      cohort\n      customers\n      retention\n    }\n  }\n}": typeof types.CohortRetentionDocument,
    "fragment LiveTransition on StageTransition {\n  id\n  from\n  to\n  occurredAt\n  cause\n  ruleId\n  customer {\n    id\n    name\n    email\n    externalId\n  }\n}\n\nquery StageOverview {\n  stageOverview {\n    cursor\n    total\n    stages {\n      stage\n      name\n      count\n      offPath\n    }\n  }\n}\n\nquery RecentTransitions($first: Int!) {\n  recentTransitions(first: $first) {\n    cursor\n    transitions {\n      ...LiveTransition\n    }\n  }\n}\n\nquery StageFlows($from: DateTime, $to: DateTime) {\n  stageOverview(from: $from, to: $to) {\n    stages {\n      stage\n      name\n      offPath\n    }\n    transitions {\n      from\n      to\n      count\n    }\n  }\n}\n\nsubscription LiveTransitions($after: String) {\n  stageTransitions(after: $after) {\n    cursor\n    transition {\n      ...LiveTransition\n    }\n  }\n}": typeof types.LiveTransitionFragmentDoc,
    "fragment Series on MetricSeriesType {\n  total\n  previous\n  change\n  series {\n    bucket\n    value\n  }\n}\n\nquery MetricsPage($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput) {\n  metrics(\n    range: $range\n    bucket: $bucket\n    filter: $filter\n    compareToPrevious: true\n  ) {\n    from\n    to\n    newCustomers {\n      ...Series\n    }\n    conversionRate {\n      ...Series\n    }\n    cac {\n      ...Series\n    }\n    retentionRate {\n      ...Series\n    }\n    churnRate {\n      ...Series\n    }\n    historicalClv {\n      ...Series\n    }\n    nps {\n      total\n      previous\n      change\n      responses\n      series {\n        bucket\n        value\n      }\n    }\n    activeCustomers {\n      total\n      previous\n      change\n      series {\n        bucket\n        value\n      }\n    }\n    referralRate {\n      ...Series\n    }\n    sales {\n      ...Series\n    }\n    funnel {\n      stage\n      reached\n      conversionFromPrevious\n      medianSecondsToReach\n    }\n  }\n  lifecycleModel {\n    stages {\n      key\n      name\n    }\n  }\n}\n\nquery MetricsPickers {\n  segments {\n    id\n    name\n  }\n  campaigns {\n    key\n    name\n    channel\n  }\n}": typeof types.SeriesFragmentDoc,
};
const documents: Documents = {
    "subscription TransitionPulse {\n  stageTransitions {\n    cursor\n  }\n}": types.TransitionPulseDocument,
    "query CohortRetention($range: DayRangeInput!, $filter: MetricFilterInput) {\n  metrics(range: $range, bucket: MONTH, filter: $filter) {\n    from\n    to\n    cohortRetention {\n      cohort\n      customers\n      retention\n    }\n  }\n}": types.CohortRetentionDocument,
    "fragment LiveTransition on StageTransition {\n  id\n  from\n  to\n  occurredAt\n  cause\n  ruleId\n  customer {\n    id\n    name\n    email\n    externalId\n  }\n}\n\nquery StageOverview {\n  stageOverview {\n    cursor\n    total\n    stages {\n      stage\n      name\n      count\n      offPath\n    }\n  }\n}\n\nquery RecentTransitions($first: Int!) {\n  recentTransitions(first: $first) {\n    cursor\n    transitions {\n      ...LiveTransition\n    }\n  }\n}\n\nquery StageFlows($from: DateTime, $to: DateTime) {\n  stageOverview(from: $from, to: $to) {\n    stages {\n      stage\n      name\n      offPath\n    }\n    transitions {\n      from\n      to\n      count\n    }\n  }\n}\n\nsubscription LiveTransitions($after: String) {\n  stageTransitions(after: $after) {\n    cursor\n    transition {\n      ...LiveTransition\n    }\n  }\n}": types.LiveTransitionFragmentDoc,
    "fragment Series on MetricSeriesType {\n  total\n  previous\n  change\n  series {\n    bucket\n    value\n  }\n}\n\nquery MetricsPage($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput) {\n  metrics(\n    range: $range\n    bucket: $bucket\n    filter: $filter\n    compareToPrevious: true\n  ) {\n    from\n    to\n    newCustomers {\n      ...Series\n    }\n    conversionRate {\n      ...Series\n    }\n    cac {\n      ...Series\n    }\n    retentionRate {\n      ...Series\n    }\n    churnRate {\n      ...Series\n    }\n    historicalClv {\n      ...Series\n    }\n    nps {\n      total\n      previous\n      change\n      responses\n      series {\n        bucket\n        value\n      }\n    }\n    activeCustomers {\n      total\n      previous\n      change\n      series {\n        bucket\n        value\n      }\n    }\n    referralRate {\n      ...Series\n    }\n    sales {\n      ...Series\n    }\n    funnel {\n      stage\n      reached\n      conversionFromPrevious\n      medianSecondsToReach\n    }\n  }\n  lifecycleModel {\n    stages {\n      key\n      name\n    }\n  }\n}\n\nquery MetricsPickers {\n  segments {\n    id\n    name\n  }\n  campaigns {\n    key\n    name\n    channel\n  }\n}": types.SeriesFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription TransitionPulse {\n  stageTransitions {\n    cursor\n  }\n}"): (typeof documents)["subscription TransitionPulse {\n  stageTransitions {\n    cursor\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CohortRetention($range: DayRangeInput!, $filter: MetricFilterInput) {\n  metrics(range: $range, bucket: MONTH, filter: $filter) {\n    from\n    to\n    cohortRetention {\n      cohort\n      customers\n      retention\n    }\n  }\n}"): (typeof documents)["query CohortRetention($range: DayRangeInput!, $filter: MetricFilterInput) {\n  metrics(range: $range, bucket: MONTH, filter: $filter) {\n    from\n    to\n    cohortRetention {\n      cohort\n      customers\n      retention\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment LiveTransition on StageTransition {\n  id\n  from\n  to\n  occurredAt\n  cause\n  ruleId\n  customer {\n    id\n    name\n    email\n    externalId\n  }\n}\n\nquery StageOverview {\n  stageOverview {\n    cursor\n    total\n    stages {\n      stage\n      name\n      count\n      offPath\n    }\n  }\n}\n\nquery RecentTransitions($first: Int!) {\n  recentTransitions(first: $first) {\n    cursor\n    transitions {\n      ...LiveTransition\n    }\n  }\n}\n\nquery StageFlows($from: DateTime, $to: DateTime) {\n  stageOverview(from: $from, to: $to) {\n    stages {\n      stage\n      name\n      offPath\n    }\n    transitions {\n      from\n      to\n      count\n    }\n  }\n}\n\nsubscription LiveTransitions($after: String) {\n  stageTransitions(after: $after) {\n    cursor\n    transition {\n      ...LiveTransition\n    }\n  }\n}"): (typeof documents)["fragment LiveTransition on StageTransition {\n  id\n  from\n  to\n  occurredAt\n  cause\n  ruleId\n  customer {\n    id\n    name\n    email\n    externalId\n  }\n}\n\nquery StageOverview {\n  stageOverview {\n    cursor\n    total\n    stages {\n      stage\n      name\n      count\n      offPath\n    }\n  }\n}\n\nquery RecentTransitions($first: Int!) {\n  recentTransitions(first: $first) {\n    cursor\n    transitions {\n      ...LiveTransition\n    }\n  }\n}\n\nquery StageFlows($from: DateTime, $to: DateTime) {\n  stageOverview(from: $from, to: $to) {\n    stages {\n      stage\n      name\n      offPath\n    }\n    transitions {\n      from\n      to\n      count\n    }\n  }\n}\n\nsubscription LiveTransitions($after: String) {\n  stageTransitions(after: $after) {\n    cursor\n    transition {\n      ...LiveTransition\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment Series on MetricSeriesType {\n  total\n  previous\n  change\n  series {\n    bucket\n    value\n  }\n}\n\nquery MetricsPage($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput) {\n  metrics(\n    range: $range\n    bucket: $bucket\n    filter: $filter\n    compareToPrevious: true\n  ) {\n    from\n    to\n    newCustomers {\n      ...Series\n    }\n    conversionRate {\n      ...Series\n    }\n    cac {\n      ...Series\n    }\n    retentionRate {\n      ...Series\n    }\n    churnRate {\n      ...Series\n    }\n    historicalClv {\n      ...Series\n    }\n    nps {\n      total\n      previous\n      change\n      responses\n      series {\n        bucket\n        value\n      }\n    }\n    activeCustomers {\n      total\n      previous\n      change\n      series {\n        bucket\n        value\n      }\n    }\n    referralRate {\n      ...Series\n    }\n    sales {\n      ...Series\n    }\n    funnel {\n      stage\n      reached\n      conversionFromPrevious\n      medianSecondsToReach\n    }\n  }\n  lifecycleModel {\n    stages {\n      key\n      name\n    }\n  }\n}\n\nquery MetricsPickers {\n  segments {\n    id\n    name\n  }\n  campaigns {\n    key\n    name\n    channel\n  }\n}"): (typeof documents)["fragment Series on MetricSeriesType {\n  total\n  previous\n  change\n  series {\n    bucket\n    value\n  }\n}\n\nquery MetricsPage($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput) {\n  metrics(\n    range: $range\n    bucket: $bucket\n    filter: $filter\n    compareToPrevious: true\n  ) {\n    from\n    to\n    newCustomers {\n      ...Series\n    }\n    conversionRate {\n      ...Series\n    }\n    cac {\n      ...Series\n    }\n    retentionRate {\n      ...Series\n    }\n    churnRate {\n      ...Series\n    }\n    historicalClv {\n      ...Series\n    }\n    nps {\n      total\n      previous\n      change\n      responses\n      series {\n        bucket\n        value\n      }\n    }\n    activeCustomers {\n      total\n      previous\n      change\n      series {\n        bucket\n        value\n      }\n    }\n    referralRate {\n      ...Series\n    }\n    sales {\n      ...Series\n    }\n    funnel {\n      stage\n      reached\n      conversionFromPrevious\n      medianSecondsToReach\n    }\n  }\n  lifecycleModel {\n    stages {\n      key\n      name\n    }\n  }\n}\n\nquery MetricsPickers {\n  segments {\n    id\n    name\n  }\n  campaigns {\n    key\n    name\n    channel\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;