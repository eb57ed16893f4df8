import { CAUSES, newReplayState, replaySweep, replayTouchpoint, RULES, STAGES } from '../shared/classic-preset.js';
import type { Moved, ReplayedTouchpoint } from '../shared/classic-preset.js';

/**
 * One reads customer's journey through the classic preset (shared/classic-preset.ts),
 * in names: the stage transitions clm would have written and the state it ends in.
 * The reads dataset has no creation transitions: a customer's first
 * touchpoint moves them into their first stage. A pure function; dataset.ts
 * feeds it and stores what it returns.
 */

export type JourneyEvent = ReplayedTouchpoint;

export type JourneyTransition = {
  from: string | null;
  to: string;
  at: number;
  cause: 'touchpoint' | 'inactivity';
  /** The event's `index`, or -1 for inactivity. */
  touchpoint: number;
  ruleId: string | null;
};

export type JourneyState = { stage: string | null; enteredAt: number; funnelStage: string | null };

export type Journey = { state: JourneyState; transitions: JourneyTransition[] };

const stageName = (stage: number): string | null => (stage < 0 ? null : STAGES[stage]);

/** Replays `events` (in time order) and sweeps for inactivity as of `now`. */
export function replayJourney(events: readonly JourneyEvent[], now: number): Journey {
  const transitions: JourneyTransition[] = [];
  const moved: Moved = (from, to, at, cause, rule, touchpoint) => {
    const name = CAUSES[cause];
    if (name === 'created') throw new Error('the reads dataset replays no creations');
    transitions.push({ from: stageName(from), to: STAGES[to], at, cause: name, touchpoint, ruleId: RULES[rule] });
  };
  const state = newReplayState();
  for (const event of events) {
    replaySweep(state, event.time, moved);
    replayTouchpoint(state, event, moved);
  }
  replaySweep(state, now, moved);
  return { state: { stage: stageName(state.stage), enteredAt: state.enteredAt, funnelStage: stageName(state.funnelStage) }, transitions };
}
