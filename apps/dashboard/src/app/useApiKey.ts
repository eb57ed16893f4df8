import { useCallback, useState } from 'react';
import { forgetApiKey, readApiKey, storeApiKey } from './api-key-storage';

export type ApiKeyState = {
  apiKey: string | null;
  /** Why the last session ended, shown on the sign-in form. */
  signOutReason: string | null;
  signIn: (apiKey: string) => void;
  signOut: (reason?: string) => void;
};

/** The signed-in API key, kept in sessionStorage. */
export function useApiKey(): ApiKeyState {
  const [apiKey, setApiKey] = useState(readApiKey);
  const [signOutReason, setSignOutReason] = useState<string | null>(null);

  const signIn = useCallback((key: string) => {
    storeApiKey(key);
    setSignOutReason(null);
    setApiKey(key);
  }, []);

  const signOut = useCallback((reason?: string) => {
    forgetApiKey();
    setSignOutReason(reason ?? null);
    setApiKey(null);
  }, []);

  return { apiKey, signOutReason, signIn, signOut };
}
