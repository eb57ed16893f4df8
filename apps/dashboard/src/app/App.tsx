import { ApolloProvider } from '@apollo/client/react';
import { LivePage } from '../pages/live/LivePage';
import { REJECTED_KEY_MESSAGE } from './api-errors';
import { AppShell } from './AppShell';
import { LoginPage } from './LoginPage';
import { useApiKey } from './useApiKey';
import { useApiSession } from './useApiSession';

/** The dashboard: the sign-in form until there is an API key, then the app. */
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
  const session = useApiSession(apiKey);
  if (!session) return null;

  return (
    <ApolloProvider client={session.client}>
      <AppShell onSignOut={() => onSignOut()}>
        <LivePage connection={session.connection} onUnauthenticated={() => onSignOut(REJECTED_KEY_MESSAGE)} />
      </AppShell>
    </ApolloProvider>
  );
}
