import { CombinedGraphQLErrors } from '@apollo/client';
import type { ErrorLike } from '@apollo/client';
import { useApolloClient } from '@apollo/client/react';
import { useEffect, useEffectEvent, useState } from 'react';
import type { Subscription } from 'rxjs';
import { describeError, isUnauthenticated } from '../../lib/api-errors';
import type { ConnectionStatusStore } from '../../lib/connection-status';
import { retryDelay } from '../../lib/retry';
import { LiveTransitionsDocument } from '../../gql/graphql';
import type { StageTransition } from './types';

/** Transition ids remembered to drop a replayed event instead of counting it twice. */
const REMEMBERED_IDS = 1_000;

type UseLiveTransitionsOptions = {
  /** Subscribe only once the counts the transitions apply to are loaded. */
  enabled: boolean;
  /** Start after this cursor (the overview's), so the stream adds exactly what the counts lack. */
  after: string | null;
  connection: ConnectionStatusStore;
  onTransition: (transition: StageTransition) => void;
  onUnauthenticated: () => void;
};

/**
 * Streams stage transitions as they are committed. After a dropped socket or a
 * failed subscription it re-subscribes with backoff, passing the last cursor it
 * saw as `after` so that nothing in between is missed. Each transition is
 * delivered once.
 */
export function useLiveTransitions({ enabled, after, connection, onTransition, onUnauthenticated }: UseLiveTransitionsOptions): {
  error: string | null;
} {
  const client = useApolloClient();
  const [error, setError] = useState<string | null>(null);
  const deliver = useEffectEvent(onTransition);
  const refuse = useEffectEvent(onUnauthenticated);

  useEffect(() => {
    if (!enabled) return;
    let cursor: string | null = after;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let active: Subscription | undefined;
    const isNew = rememberRecent(REMEMBERED_IDS);
    const stopWatching = connection.subscribe(() => {
      if (connection.getSnapshot() === 'live') attempt = 0;
    });

    const subscribe = () => {
      let failure: ErrorLike | undefined;
      active = client.subscribe({ query: LiveTransitionsDocument, variables: { after: cursor }, fetchPolicy: 'no-cache' }).subscribe({
        next: ({ data, error: resultError }) => {
          if (resultError) {
            failure = resultError;
            return;
          }
          const event = data?.stageTransitions;
          if (!event) return;
          cursor = event.cursor;
          setError(null);
          if (isNew(event.transition.id)) deliver(event.transition);
        },
        // Apollo emits a failure as a result and then completes; a clean
        // completion means the server ended the stream. Either way, resume.
        complete: () => {
          if (isUnauthenticated(failure, connection.lastCloseCode())) {
            refuse();
            return;
          }
          // A dropped socket shows as "reconnecting"; only errors the API sent are worth words.
          if (CombinedGraphQLErrors.is(failure)) setError(describeError(failure));
          retryTimer = setTimeout(subscribe, retryDelay(attempt++));
        },
      });
    };

    subscribe();
    return () => {
      stopWatching();
      clearTimeout(retryTimer);
      active?.unsubscribe();
    };
  }, [client, connection, enabled, after]);

  return { error };
}

/** Returns a predicate that is true the first time it sees an id among the last `limit` ids. */
function rememberRecent(limit: number): (id: string) => boolean {
  const seen = new Set<string>();
  return (id) => {
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > limit) seen.delete(seen.values().next().value as string);
    return true;
  };
}
