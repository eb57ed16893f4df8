import { useEffect, useEffectEvent } from 'react';
import { useSession } from './session';

/** At most one refresh every `intervalMs` while transitions arrive: never more than that behind, never a refetch storm. */
export const REFRESH_INTERVAL_MS = 3_000;

/** Calls `refresh` after transitions are committed, throttled to one call per `intervalMs`. */
export function useThrottledRefresh(refresh: () => void, intervalMs = REFRESH_INTERVAL_MS): void {
  const { pulse } = useSession();
  const run = useEffectEvent(refresh);
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = pulse.subscribe(() => {
      if (timer !== undefined) return;
      const wait = Math.max(0, last + intervalMs - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        run();
      }, wait);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [pulse, intervalMs]);
}
