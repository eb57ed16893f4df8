import type { EventClosedListener, EventConnectedListener, EventConnectingListener } from 'graphql-ws';

/** The state of the WebSocket that carries live updates, as shown to the user. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * A tiny external store fed by graphql-ws socket events, read by React through
 * `useSyncExternalStore`. "Reconnecting" means the socket had been live in this
 * session and was lost; before the first acknowledgement it is "connecting".
 */
export type ConnectionStatusStore = {
  getSnapshot: () => ConnectionStatus;
  subscribe: (listener: () => void) => () => void;
  /** The close code of the last socket that closed, if any; 4401/4403 mean the key was refused. */
  lastCloseCode: () => number | null;
  /** Handlers to pass as graphql-ws `on` options. */
  socketEvents: {
    connecting: EventConnectingListener;
    connected: EventConnectedListener;
    closed: EventClosedListener;
  };
};

/** Creates a store that starts in `connecting`. */
export function createConnectionStatusStore(): ConnectionStatusStore {
  let status: ConnectionStatus = 'connecting';
  let wasLive = false;
  let closeCode: number | null = null;
  const listeners = new Set<() => void>();

  const set = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    listeners.forEach((listener) => listener());
  };
  const notLive = () => set(wasLive ? 'reconnecting' : 'connecting');

  return {
    getSnapshot: () => status,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    lastCloseCode: () => closeCode,
    socketEvents: {
      connecting: notLive,
      connected: () => {
        wasLive = true;
        closeCode = null;
        set('live');
      },
      closed: (event) => {
        closeCode = closeCodeOf(event);
        notLive();
      },
    },
  };
}

function closeCodeOf(event: unknown): number | null {
  if (typeof event === 'object' && event !== null && 'code' in event && typeof event.code === 'number') {
    return event.code;
  }
  return null;
}
