import { gql } from '@apollo/client';
import type { TypedDocumentNode } from '@apollo/client';
import liveTransitionsSource from './LiveTransitions.graphql?raw';
import stageOverviewSource from './StageOverview.graphql?raw';
import type {
  LiveTransitionsSubscription,
  LiveTransitionsSubscriptionVariables,
  StageOverviewQuery,
  StageOverviewQueryVariables,
} from './types';

/*
 * The operations live in the `.graphql` files beside this one, which codegen
 * will read; until it runs, they are parsed here and typed by hand.
 */

export const StageOverviewDocument: TypedDocumentNode<StageOverviewQuery, StageOverviewQueryVariables> = gql(stageOverviewSource);

export const LiveTransitionsDocument: TypedDocumentNode<LiveTransitionsSubscription, LiveTransitionsSubscriptionVariables> =
  gql(liveTransitionsSource);
