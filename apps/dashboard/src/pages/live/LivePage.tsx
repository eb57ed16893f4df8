import type { ConnectionStatusStore } from '../../app/connection-status';
import { useConnectionStatus } from '../../app/useConnectionStatus';
import { ConnectionBadge } from './ConnectionBadge';
import { formatCount } from './format';
import { StageBoard } from './StageBoard';
import { TransitionFeed } from './TransitionFeed';
import { useLiveBoard } from './useLiveBoard';

type LivePageProps = {
  connection: ConnectionStatusStore;
  onUnauthenticated: () => void;
};

/** Where every customer is right now, and who just moved. */
export function LivePage({ connection, onUnauthenticated }: LivePageProps) {
  const status = useConnectionStatus(connection);
  const { overview, feed, loading, error } = useLiveBoard({ connection, onUnauthenticated });

  return (
    <div className="live">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Live</h1>
          <p className="page-header__subtitle">
            {overview ? `${formatCount(overview.total)} customers across the lifecycle` : 'Stage counts, as they change'}
          </p>
        </div>
        <ConnectionBadge status={status} />
      </header>

      {error && (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      )}

      {overview ? (
        <>
          <StageBoard overview={overview} />
          <TransitionFeed transitions={feed} stages={overview.stages} />
        </>
      ) : (
        loading && <p className="muted">Loading stage counts…</p>
      )}
    </div>
  );
}
