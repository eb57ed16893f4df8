/**
 * Tells pages that stage transitions were committed (the Metrics page refreshes
 * on it). Fed by the one subscription the layout keeps open on every page.
 */
export type TransitionPulse = {
  subscribe: (listener: () => void) => () => void;
  beat: () => void;
};

export function createTransitionPulse(): TransitionPulse {
  const listeners = new Set<() => void>();
  return {
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    beat: () => listeners.forEach((listener) => listener()),
  };
}
