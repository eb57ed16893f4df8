import { NavLink, Outlet } from 'react-router';
import { useSession } from '../lib/session';
import { useConnectionStatus } from '../lib/useConnectionStatus';
import { useTransitionPulse } from './useTransitionPulse';
import { ConnectionIndicator } from '../components/ConnectionIndicator';

/** Where the navigation goes. */
const NAVIGATION = [
  { to: '/live', label: 'Live' },
  { to: '/metrics', label: 'Metrics' },
  { to: '/cohorts', label: 'Cohorts' },
  { to: '/customers', label: 'Customers' },
  { to: '/segments', label: 'Segments' },
  { to: '/settings', label: 'Settings' },
] as const;

/** The frame around every page: brand, navigation, the live indicator, sign-out. */
export function Layout({ onSignOut }: { onSignOut: () => void }) {
  const { connection, pulse, onUnauthenticated } = useSession();
  const status = useConnectionStatus(connection);
  useTransitionPulse(connection, pulse, onUnauthenticated);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell__header">
        <span className="shell__brand">
          <span className="shell__logo" aria-hidden="true" />
          clm
        </span>
        <nav className="shell__nav" aria-label="Pages">
          {NAVIGATION.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              className={({ isActive }) => `shell__nav-link${isActive ? ' shell__nav-link--active' : ''}`}
            >
              {item.label}
            </NavLink>
          ))}
        </nav>
        <span className="shell__end">
          <ConnectionIndicator status={status} />
          <button type="button" className="button button--quiet" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main className="shell__main" id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
