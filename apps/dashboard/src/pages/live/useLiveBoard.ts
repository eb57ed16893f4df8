import { useQuery } from '@apollo/client/react';
import { useEffect, useEffectEvent, useReducer } from 'react';
import { describeError, isUnauthenticated } from '../../lib/api-errors';
import { useSession } from '../../lib/session';
import { RecentTransitionsDocument, StageOverviewDocument } from '../../gql/graphql';
import { applyTransition, EMPTY_LIVE_BOARD, FEED_LENGTH, withLiveCounts } from './live-board';
import type { StageOverview, StageTransition } from './types';
import { useLiveTransitions } from './useLiveTransitions';

export type LiveBoard = {
  /** Stage counts as they are now; undefined until the first load. */
  overview: StageOverview | undefined;
  /** The latest transitions, newest first: those already committed when the page opened, then live ones. */
  feed: readonly StageTransition[];
  /** The id of the last transition that arrived live (to highlight), null before any. */
  latestLiveId: string | null;
  loading: boolean;
  error: string | null;
  retry: () => void;
};

/** The stage counts, loaded once and kept current by the live transition stream; the feed opens with the newest moves. */
export function useLiveBoard(): LiveBoard {
  const { connection, onUnauthenticated } = useSession();
  const overviewQuery = useQuery(StageOverviewDocument, { fetchPolicy: 'network-only' });
  const recentQuery = useQuery(RecentTransitionsDocument, { variables: { first: FEED_LENGTH }, fetchPolicy: 'network-only' });
  const [live, dispatch] = useReducer(applyTransition, EMPTY_LIVE_BOARD);
  const loaded = overviewQuery.data?.stageOverview;
  const queryError = overviewQuery.error ?? recentQuery.error;
  const refused = isUnauthenticated(queryError);
  const refuse = useEffectEvent(onUnauthenticated);

  useEffect(() => {
    if (refused) refuse();
  }, [refused]);

  const stream = useLiveTransitions({
    enabled: loaded !== undefined,
    after: loaded?.cursor ?? null,
    connection,
    onTransition: dispatch,
    onUnauthenticated,
  });

  // The counts come from the overview and the stream after its cursor only; the
  // recent list just fills the feed (a move in both shows once).
  const liveIds = new Set(live.feed.map((transition) => transition.id));
  const recent = (recentQuery.data?.recentTransitions.transitions ?? []).filter((transition) => !liveIds.has(transition.id));

  return {
    overview: loaded && withLiveCounts(loaded, live),
    feed: [...live.feed, ...recent].slice(0, FEED_LENGTH),
    latestLiveId: live.feed[0]?.id ?? null,
    loading: overviewQuery.loading,
    error: queryError && !refused ? describeError(queryError) : stream.error,
    retry: () => {
      void overviewQuery.refetch();
      void recentQuery.refetch();
    },
  };
}
