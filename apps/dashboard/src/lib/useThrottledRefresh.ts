import { useEffect, useEffectEvent } from 'react';
import { useSession } from './session';

/** At most one refresh every this often while transitions arrive: never more than that behind, never a refetch storm. */
export const REFRESH_INTERVAL_MS = 3_000;
/** Metrics come from a projection that applies a commit within about a second; a refresh waits that long after a move. */
const PROJECTION_LAG_MS = 1_200;

/**
 * Calls `refresh` after transitions are committed: no sooner than the
 * projection's lag after the move, at most once per `intervalMs`, and once more
 * `intervalMs` after a burst ends (in case the projection was slower).
 */
export function useThrottledRefresh(refresh: () => void, intervalMs = REFRESH_INTERVAL_MS): void {
  const { pulse } = useSession();
  const run = useEffectEvent(refresh);
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let trailing: ReturnType<typeof setTimeout> | undefined;
    const fire = () => {
      timer = undefined;
      last = Date.now();
      run();
      clearTimeout(trailing);
      trailing = setTimeout(() => {
        last = Date.now();
        run();
      }, intervalMs);
    };
    const stop = pulse.subscribe(() => {
      if (timer !== undefined) return;
      timer = setTimeout(fire, Math.max(PROJECTION_LAG_MS, last + intervalMs - Date.now()));
    });
    return () => {
      stop();
      clearTimeout(timer);
      clearTimeout(trailing);
    };
  }, [pulse, intervalMs]);
}
