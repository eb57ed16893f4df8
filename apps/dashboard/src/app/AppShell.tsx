import type { ReactNode } from 'react';

type AppShellProps = {
  onSignOut: () => void;
  children: ReactNode;
};

/** The frame around every page: brand, navigation, sign-out. */
export function AppShell({ onSignOut, children }: AppShellProps) {
  return (
    <div className="shell">
      <header className="shell__header">
        <span className="shell__brand">
          <span className="shell__logo" aria-hidden="true" />
          clm
        </span>
        <nav className="shell__nav" aria-label="Pages">
          <a className="shell__nav-link shell__nav-link--active" href="/" aria-current="page">
            Live
          </a>
        </nav>
        <button type="button" className="button button--quiet" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main className="shell__main">{children}</main>
    </div>
  );
}
