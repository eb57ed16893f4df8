import type { LiveTransitionFragment, StageOverviewQuery } from '../../gql/graphql';

/** The Live page's shapes, as generated from its operations (Live.graphql). */
export type StageTransition = LiveTransitionFragment;
export type TransitionCustomer = NonNullable<LiveTransitionFragment['customer']>;
export type StageOverview = StageOverviewQuery['stageOverview'];
export type StageCount = StageOverview['stages'][number];
