import type { EventClosedListener, EventConnectedListener, EventConnectingListener } from 'graphql-ws';

/** The state of the WebSocket that carries live updates, as shown to the user. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** How long a lost socket shows "reconnecting" before it shows "offline" (also shown at once when the browser is offline). */
export const OFFLINE_AFTER_MS = 10_000;

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
export function createConnectionStatusStore(isOnline: () => boolean = () => navigator.onLine): ConnectionStatusStore {
  let status: ConnectionStatus = 'connecting';
  let wasLive = false;
  let closeCode: number | null = null;
  let lostAt: number | null = null;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<() => void>();

  const set = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    listeners.forEach((listener) => listener());
  };
  const notLive = () => {
    if (!wasLive) return set('connecting');
    lostAt ??= Date.now();
    const lostFor = Date.now() - lostAt;
    set(!isOnline() || lostFor >= OFFLINE_AFTER_MS ? 'offline' : 'reconnecting');
    clearTimeout(offlineTimer);
    if (status === 'reconnecting') offlineTimer = setTimeout(notLive, OFFLINE_AFTER_MS - lostFor);
  };

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
        lostAt = null;
        clearTimeout(offlineTimer);
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
