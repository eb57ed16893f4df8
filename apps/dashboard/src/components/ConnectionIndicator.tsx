import type { ConnectionStatus } from '../lib/connection-status';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const HINTS: Record<ConnectionStatus, string> = {
  connecting: 'Opening the live connection to the API.',
  live: 'Connected: figures update as customers move.',
  reconnecting: 'The live connection dropped; reconnecting and catching up on what was missed.',
  offline: 'No connection to the API; figures are as of the last update and will catch up when it is back.',
};

/** Whether what is on screen is being kept current: live, reconnecting or offline. */
export function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`connection connection--${status}`} role="status" aria-live="polite" title={HINTS[status]} data-status={status}>
      <span className="connection__dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
