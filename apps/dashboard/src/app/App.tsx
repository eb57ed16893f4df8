import { ApolloProvider } from '@apollo/client/react';
import { useMemo } from 'react';
import { BrowserRouter } from 'react-router';
import { REJECTED_KEY_MESSAGE } from '../lib/api-errors';
import { AppRoutes } from './routes';
import { LoginPage } from './LoginPage';
import { SessionContext } from '../lib/session';
import type { Session } from '../lib/session';
import { createTransitionPulse } from '../lib/transition-pulse';
import { useApiKey } from './useApiKey';
import { useApiSession } from './useApiSession';

/** The dashboard: the sign-in form until there is an API key, then the app (any URL is kept through sign-in). */
export function App() {
  const { apiKey, signOutReason, signIn, signOut } = useApiKey();
  if (!apiKey) return <LoginPage onSignIn={signIn} error={signOutReason} />;
  return <SignedInApp apiKey={apiKey} onSignOut={signOut} />;
}

type SignedInAppProps = {
  apiKey: string;
  onSignOut: (reason?: string) => void;
};

function SignedInApp({ apiKey, onSignOut }: SignedInAppProps) {
  const apiSession = useApiSession(apiKey);
  const pulse = useMemo(createTransitionPulse, [apiSession]);
  const session = useMemo<Session | null>(
    () =>
      apiSession && {
        connection: apiSession.connection,
        pulse,
        onUnauthenticated: () => onSignOut(REJECTED_KEY_MESSAGE),
        authorization: `Bearer ${apiKey}`,
      },
    [apiSession, pulse, onSignOut, apiKey],
  );
  if (!apiSession || !session) return null;

  return (
    <ApolloProvider client={apiSession.client}>
      <SessionContext.Provider value={session}>
        <BrowserRouter>
          <AppRoutes onSignOut={() => onSignOut()} />
        </BrowserRouter>
      </SessionContext.Provider>
    </ApolloProvider>
  );
}
