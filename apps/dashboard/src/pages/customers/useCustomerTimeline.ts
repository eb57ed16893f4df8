import { useApolloClient } from '@apollo/client/react';
import type { ErrorLike } from '@apollo/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CustomerTouchpointsDocument, CustomerTransitionsDocument } from '../../gql/graphql';
import { mergeTimeline } from './timeline';
import type { TimelineEntry, TimelineTouchpoint, TimelineTransition } from './timeline';

const PAGE_SIZE = 30;

type Stream<T> = { items: T[]; cursor: string | null; hasMore: boolean; total: number };

const START = { items: [], cursor: null, hasMore: true, total: 0 };

export type CustomerTimeline = {
  entries: TimelineEntry[];
  /** Touchpoints plus transitions in all, as the API counts them. */
  total: number;
  loading: boolean;
  error: ErrorLike | null;
  hasMore: boolean;
  loadMore: () => void;
  /** Starts again from the newest entries (after a manual move). */
  reload: () => void;
};

/**
 * A customer's touchpoints and transitions, newest first, a page of each at a
 * time: `loadMore` fetches the next page of whichever stream the merged
 * timeline is waiting for (see mergeTimeline).
 */
export function useCustomerTimeline(customerId: string): CustomerTimeline {
  const client = useApolloClient();
  const [touchpoints, setTouchpoints] = useState<Stream<TimelineTouchpoint>>(START);
  const [transitions, setTransitions] = useState<Stream<TimelineTransition>>(START);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorLike | null>(null);
  const [generation, setGeneration] = useState(0);
  const inFlight = useRef(false);
  const state = useRef({ touchpoints, transitions });
  state.current = { touchpoints, transitions };

  const fetchPages = useCallback(
    async (fresh: boolean) => {
      if (inFlight.current) return;
      inFlight.current = true;
      setLoading(true);
      setError(null);
      const current = fresh ? { touchpoints: START, transitions: START } : state.current;
      const oldest = (items: ReadonlyArray<{ occurredAt: string }>) =>
        items.length === 0 ? Number.POSITIVE_INFINITY : new Date(items[items.length - 1].occurredAt).getTime();
      // Fetch the stream whose loaded part reaches less far back; both at the start.
      const wantTouchpoints =
        current.touchpoints.hasMore &&
        (fresh || !current.transitions.hasMore || oldest(current.touchpoints.items) >= oldest(current.transitions.items));
      const wantTransitions =
        current.transitions.hasMore &&
        (fresh || !current.touchpoints.hasMore || oldest(current.transitions.items) >= oldest(current.touchpoints.items));
      try {
        const [touchpointPage, transitionPage] = await Promise.all([
          wantTouchpoints
            ? client.query({
                query: CustomerTouchpointsDocument,
                variables: { id: customerId, first: PAGE_SIZE, after: current.touchpoints.cursor },
                fetchPolicy: 'network-only',
              })
            : null,
          wantTransitions
            ? client.query({
                query: CustomerTransitionsDocument,
                variables: { id: customerId, first: PAGE_SIZE, after: current.transitions.cursor },
                fetchPolicy: 'network-only',
              })
            : null,
        ]);
        const touchpointConnection = touchpointPage?.data?.customer?.touchpoints;
        const transitionConnection = transitionPage?.data?.customer?.transitions;
        if (wantTouchpoints)
          setTouchpoints({
            items: [...current.touchpoints.items, ...(touchpointConnection?.edges.map((edge) => edge.node) ?? [])],
            cursor: touchpointConnection?.pageInfo.endCursor ?? null,
            hasMore: touchpointConnection?.pageInfo.hasNextPage ?? false,
            total: touchpointConnection?.totalCount ?? 0,
          });
        else if (fresh) setTouchpoints(START);
        if (wantTransitions)
          setTransitions({
            items: [...current.transitions.items, ...(transitionConnection?.edges.map((edge) => edge.node) ?? [])],
            cursor: transitionConnection?.pageInfo.endCursor ?? null,
            hasMore: transitionConnection?.pageInfo.hasNextPage ?? false,
            total: transitionConnection?.totalCount ?? 0,
          });
        else if (fresh) setTransitions(START);
      } catch (caught) {
        setError(caught instanceof Error ? caught : new Error(String(caught)));
      } finally {
        inFlight.current = false;
        setLoading(false);
      }
    },
    [client, customerId],
  );

  useEffect(() => {
    void fetchPages(true);
  }, [fetchPages, generation]);

  const entries = useMemo(() => mergeTimeline(touchpoints, transitions), [touchpoints, transitions]);
  return {
    entries,
    total: touchpoints.total + transitions.total,
    loading,
    error,
    hasMore: touchpoints.hasMore || transitions.hasMore,
    loadMore: () => void fetchPages(false),
    reload: () => setGeneration((value) => value + 1),
  };
}
