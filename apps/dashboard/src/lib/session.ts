import { createContext, useContext } from 'react';
import type { ConnectionStatusStore } from './connection-status';
import type { TransitionPulse } from './transition-pulse';

/** What every page of a signed-in session shares besides the Apollo client. */
export type Session = {
  connection: ConnectionStatusStore;
  pulse: TransitionPulse;
  /** Signs out with the "key rejected" message. */
  onUnauthenticated: () => void;
  /** The `Authorization` header of the session's key, for the API's CSV exports (a plain link cannot carry it). */
  authorization: string;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}
