import type { ConnectionStatus } from '../../app/connection-status';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** Whether the counts on screen are being kept current. */
export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`connection connection--${status}`} role="status" aria-live="polite">
      <span className="connection__dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
