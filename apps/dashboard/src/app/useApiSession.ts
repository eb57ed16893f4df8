import { useEffect, useState } from 'react';
import { createApiSession } from './api-session';
import type { ApiSession } from './api-session';

/**
 * One API session per key, created after mount and disposed on unmount or key
 * change, so a disposed client is never rendered (StrictMode mounts twice).
 */
export function useApiSession(apiKey: string): ApiSession | null {
  const [session, setSession] = useState<ApiSession | null>(null);

  useEffect(() => {
    const created = createApiSession(apiKey);
    setSession(created);
    return () => {
      setSession(null);
      created.dispose();
    };
  }, [apiKey]);

  return session;
}
