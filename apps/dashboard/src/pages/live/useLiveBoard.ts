import { useQuery } from '@apollo/client/react';
import { useEffect, useEffectEvent, useReducer } from 'react';
import { describeError, isUnauthenticated } from '../../app/api-errors';
import type { ConnectionStatusStore } from '../../app/connection-status';
import { StageOverviewDocument } from './graphql/documents';
import type { StageOverview, StageTransition } from './graphql/types';
import { applyTransition, EMPTY_LIVE_BOARD, withLiveCounts } from './live-board';
import { useLiveTransitions } from './useLiveTransitions';

type UseLiveBoardOptions = {
  connection: ConnectionStatusStore;
  onUnauthenticated: () => void;
};

export type LiveBoard = {
  /** Stage counts as they are now; undefined until the first load. */
  overview: StageOverview | undefined;
  /** The latest transitions, newest first. */
  feed: readonly StageTransition[];
  loading: boolean;
  error: string | null;
};

/** The stage counts, loaded once and kept current by the live transition stream. */
export function useLiveBoard({ connection, onUnauthenticated }: UseLiveBoardOptions): LiveBoard {
  const { data, loading, error: queryError } = useQuery(StageOverviewDocument);
  const [live, dispatch] = useReducer(applyTransition, EMPTY_LIVE_BOARD);
  const loaded = data?.stageOverview;
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

  return {
    overview: loaded && withLiveCounts(loaded, live),
    feed: live.feed,
    loading,
    error: queryError && !refused ? describeError(queryError) : stream.error,
  };
}
