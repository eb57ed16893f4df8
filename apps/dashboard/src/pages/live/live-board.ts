import type { StageOverview, StageTransition } from './types';

/** How many transitions the live feed keeps. */
export const FEED_LENGTH = 50;

/**
 * What has happened since the stage overview was loaded: per-stage count
 * changes, entries into the lifecycle, and the newest transitions first.
 */
export type LiveBoardState = {
  countChanges: Readonly<Record<string, number>>;
  entered: number;
  feed: readonly StageTransition[];
};

export const EMPTY_LIVE_BOARD: LiveBoardState = { countChanges: {}, entered: 0, feed: [] };

/**
 * Folds one transition into the board: the customer leaves `from` (nothing
 * when it is an entry into the lifecycle) and joins `to`; the feed prepends it.
 */
export function applyTransition(state: LiveBoardState, transition: StageTransition): LiveBoardState {
  const countChanges = { ...state.countChanges };
  if (transition.from !== null) countChanges[transition.from] = (countChanges[transition.from] ?? 0) - 1;
  countChanges[transition.to] = (countChanges[transition.to] ?? 0) + 1;

  return {
    countChanges,
    entered: state.entered + (transition.from === null ? 1 : 0),
    feed: [transition, ...state.feed].slice(0, FEED_LENGTH),
  };
}

/** The overview with the live changes applied: the counts as they are now. */
export function withLiveCounts(overview: StageOverview, state: LiveBoardState): StageOverview {
  return {
    ...overview,
    total: overview.total + state.entered,
    stages: overview.stages.map((stage) => ({
      ...stage,
      // A transition out of a stage can arrive for a customer the overview had
      // not counted yet (it raced the query); never show a negative count.
      count: Math.max(0, stage.count + (state.countChanges[stage.stage] ?? 0)),
    })),
  };
}
