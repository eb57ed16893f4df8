import { useSearchParams } from 'react-router';
import { plural } from '../../lib/format';
import { ErrorState, LoadingState } from '../../components/States';
import { FlowView } from './FlowView';
import { StageBoard } from './StageBoard';
import { TransitionFeed } from './TransitionFeed';
import { useLiveBoard } from './useLiveBoard';
import { usePageTitle } from '../../lib/usePageTitle';

/** Where every customer is right now, who just moved, and the flows between stages. */
export function LivePage() {
  usePageTitle('Live');
  const { overview, feed, latestLiveId, loading, error, retry } = useLiveBoard();
  const [params, setParams] = useSearchParams();
  const flowsRange = params.get('flows') ?? '30d';

  return (
    <div className="live">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Live</h1>
          <p className="page-header__subtitle" data-testid="live-total">
            {overview ? `${plural(overview.total, 'customer')} across the lifecycle` : 'Stage counts, as they change'}
          </p>
        </div>
      </header>

      {error && <ErrorState message={error} onRetry={retry} />}

      {overview ? (
        <>
          <StageBoard overview={overview} />
          <TransitionFeed transitions={feed} stages={overview.stages} latestLiveId={latestLiveId} />
          <FlowView
            range={flowsRange}
            onRangeChange={(value) =>
              setParams(
                (current) => {
                  current.set('flows', value);
                  return current;
                },
                { replace: true },
              )
            }
          />
        </>
      ) : (
        loading && <LoadingState label="Loading stage counts…" />
      )}
    </div>
  );
}
