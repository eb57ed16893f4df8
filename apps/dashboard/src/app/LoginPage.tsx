import { useState } from 'react';
import type { FormEvent } from 'react';
import { usePageTitle } from '../lib/usePageTitle';

type LoginPageProps = {
  onSignIn: (apiKey: string) => void;
  /** Why the previous session ended, if it did not end by choice. */
  error: string | null;
};

/** Asks for an API key with the read scope. */
export function LoginPage({ onSignIn, error }: LoginPageProps) {
  const [apiKey, setApiKey] = useState('');
  const trimmed = apiKey.trim();
  usePageTitle('Sign in');

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (trimmed) onSignIn(trimmed);
  };

  return (
    <main className="login">
      <form className="login__card" onSubmit={submit}>
        <div className="login__brand">
          <span className="shell__logo" aria-hidden="true" />
          clm
        </div>
        <h1 className="login__title">Sign in</h1>
        <p className="login__hint">
          Paste an API key with the <strong>read</strong> scope. It is kept in this tab only and forgotten when you sign out or close the
          tab.
        </p>
        <label className="field">
          <span className="field__label">API key</span>
          <input
            className="field__input"
            type="password"
            name="apiKey"
            autoComplete="off"
            spellCheck={false}
            placeholder="Paste your key"
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'login-error' : undefined}
            autoFocus
          />
        </label>
        {error && (
          <p id="login-error" className="alert alert--error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button--primary" disabled={!trimmed}>
          Sign in
        </button>
      </form>
    </main>
  );
}
