import { useApolloClient } from '@apollo/client/react';
import { useEffect, useEffectEvent } from 'react';
import type { Subscription } from 'rxjs';
import { isUnauthenticated } from '../lib/api-errors';
import type { ConnectionStatusStore } from '../lib/connection-status';
import { retryDelay } from '../lib/retry';
import type { TransitionPulse } from '../lib/transition-pulse';
import { TransitionPulseDocument } from '../gql/graphql';

/**
 * Keeps one transition subscription open while signed in, whatever the page:
 * it holds the WebSocket (and so the live / reconnecting / offline indicator)
 * and re-subscribes with backoff after a drop, beating `pulse` on every move.
 */
export function useTransitionPulse(connection: ConnectionStatusStore, pulse: TransitionPulse, onUnauthenticated: () => void): void {
  const client = useApolloClient();
  const refuse = useEffectEvent(onUnauthenticated);

  useEffect(() => {
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let active: Subscription | undefined;
    let stopped = false;
    const stopWatching = connection.subscribe(() => {
      if (connection.getSnapshot() === 'live') attempt = 0;
    });
    const subscribe = () => {
      let failed = false;
      active = client.subscribe({ query: TransitionPulseDocument, fetchPolicy: 'no-cache' }).subscribe({
        next: ({ error }) => {
          if (error) failed = true;
          else pulse.beat();
        },
        complete: () => {
          if (stopped) return;
          if (failed && isUnauthenticated(undefined, connection.lastCloseCode())) return refuse();
          retryTimer = setTimeout(subscribe, retryDelay(attempt++));
        },
      });
    };
    subscribe();
    return () => {
      stopped = true;
      stopWatching();
      clearTimeout(retryTimer);
      active?.unsubscribe();
    };
  }, [client, connection, pulse]);
}
