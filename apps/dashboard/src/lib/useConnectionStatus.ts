import { useSyncExternalStore } from 'react';
import type { ConnectionStatus, ConnectionStatusStore } from './connection-status';

/** The live socket's status, re-rendering when it changes. */
export function useConnectionStatus(store: ConnectionStatusStore): ConnectionStatus {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
