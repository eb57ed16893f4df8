/**
 * The classic lifecycle preset replayed over one customer's touchpoints, so
 * that generated stages and transitions are what clm itself would have
 * written: forward-only funnel moves by the preset's rules (the furthest
 * matching stage wins; referral, review and promoter in that order),
 * inactivity (at-risk 60 days and churned 120 days after the last touchpoint,
 * from acquisition on) swept before each touchpoint and at the end, and
 * win-back to retention on a purchase dated after the customer went off the
 * funnel. Stages, rules and causes are indexes into the lists below (so the
 * metrics dataset can keep millions of transitions in typed arrays); a stage
 * of -1 is none yet.
 */

export const STAGES = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy', 'at-risk', 'churned'] as const;
export const CAUSES = ['created', 'touchpoint', 'inactivity'] as const;
export const RULES = [
  null,
  'acquired',
  'engaged',
  'retained-repeat-purchase',
  'advocate-referral',
  'advocate-review',
  'advocate-promoter',
  'inactivity-at-risk',
  'inactivity-churned',
  'win-back',
] as const;

const AWARENESS = 0;
const ACQUISITION = 1;
const ENGAGEMENT = 2;
const RETENTION = 3;
const ADVOCACY = 4;
const AT_RISK = 5;
const CHURNED = 6;
const CREATED = 0;
const TOUCHPOINT = 1;
const INACTIVITY = 2;
const DAY_MS = 86_400_000;
const AT_RISK_AFTER_MS = 60 * DAY_MS;
const CHURNED_AFTER_MS = 120 * DAY_MS;

/** A customer's state as the rule engine keeps it; `funnelStage` is the last funnel stage held (kept while off-path). */
export type ReplayState = { stage: number; funnelStage: number; enteredAt: number; purchases: number; lastSeen: number };

/** Receives each move: from and to stage, when, cause, rule, and the touchpoint's index (-1 for none). */
export type Moved = (from: number, to: number, at: number, cause: number, rule: number, touchpoint: number) => void;

/** A touchpoint as the rules see it; `detail` is the rating of a review and the score of a survey response. */
export type ReplayedTouchpoint = { index: number; time: number; type: string; detail: number };

/** A customer with no stage and no touchpoint yet. */
export function newReplayState(): ReplayState {
  return { stage: -1, funnelStage: -1, enteredAt: 0, purchases: 0, lastSeen: -1 };
}

/** The customer's creation: into awareness, before any touchpoint. */
export function replayCreation(state: ReplayState, createdAt: number, moved: Moved): void {
  move(state, AWARENESS, createdAt, CREATED, 0, -1, moved);
}

/** One touchpoint, in time order, after the sweep up to its time. */
export function replayTouchpoint(state: ReplayState, touchpoint: ReplayedTouchpoint, moved: Moved): void {
  const { type, time, detail, index } = touchpoint;
  if (type === 'purchase') state.purchases += 1;
  state.lastSeen = Math.max(state.lastSeen, time);
  if (state.stage === AT_RISK || state.stage === CHURNED) {
    // Off the funnel only win-back (no classic rule names at-risk or churned in `from`).
    if (type === 'purchase' && time >= state.enteredAt) move(state, RETENTION, time, TOUCHPOINT, 9, index, moved);
    return;
  }
  const open = state.stage === ACQUISITION || state.stage === ENGAGEMENT || state.stage === RETENTION;
  const candidates: Array<[stage: number, rule: number, matches: boolean]> = [
    [ADVOCACY, 4, open && type === 'referral'],
    [ADVOCACY, 5, open && type === 'review' && detail >= 4],
    [ADVOCACY, 6, open && type === 'survey_response' && detail >= 9],
    [RETENTION, 3, type === 'purchase' && state.purchases >= 2],
    [ENGAGEMENT, 2, state.stage === ACQUISITION && (type === 'login' || type === 'email_click')],
    [ACQUISITION, 1, type === 'signup' || type === 'purchase'],
  ];
  const match = candidates.find(([stage, , matches]) => matches && stage > Math.max(state.stage, AWARENESS));
  if (match) move(state, match[0], time, TOUCHPOINT, match[1], index, moved);
  // A customer clm first hears of through a touchpoint that moves nothing starts in awareness.
  else if (state.stage < 0) move(state, AWARENESS, time, TOUCHPOINT, 0, index, moved);
}

/** At-risk at last seen + 60 days and churned at + 120 days, from acquisition on, once `now` has passed them. */
export function replaySweep(state: ReplayState, now: number, moved: Moved): void {
  if (state.stage === CHURNED || state.stage < ACQUISITION) return;
  if (state.stage !== AT_RISK) {
    if (state.lastSeen + AT_RISK_AFTER_MS > now) return;
    move(state, AT_RISK, state.lastSeen + AT_RISK_AFTER_MS, INACTIVITY, 7, -1, moved);
  }
  if (state.lastSeen + CHURNED_AFTER_MS <= now) move(state, CHURNED, state.lastSeen + CHURNED_AFTER_MS, INACTIVITY, 8, -1, moved);
}

function move(state: ReplayState, to: number, time: number, cause: number, rule: number, touchpoint: number, moved: Moved): void {
  const at = Math.max(state.enteredAt, time);
  moved(state.stage, to, at, cause, rule, touchpoint);
  state.stage = to;
  state.enteredAt = at;
  if (to < AT_RISK) state.funnelStage = to;
}
