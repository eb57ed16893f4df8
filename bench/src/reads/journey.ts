/**
 * The classic lifecycle preset replayed over one customer's touchpoints, so
 * the generated stages, transitions and rollups are what clm itself would
 * have written: forward-only funnel moves by the preset's rules, inactivity
 * (at-risk after 60 days, churned after 120, from acquisition on) swept
 * before each touchpoint and at the end, win-back to retention on a purchase.
 * A pure function; dataset.ts feeds it and stores what it returns.
 */

/** The classic preset's funnel, in order; then the off-path states. */
export const FUNNEL = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'] as const;
export const AT_RISK = 'at-risk';
export const CHURNED = 'churned';

const FUNNEL_KEYS: readonly string[] = FUNNEL;
const DAY_MS = 86_400_000;
const AT_RISK_AFTER_MS = 60 * DAY_MS;
const CHURNED_AFTER_MS = 120 * DAY_MS;
/** Inactivity applies from this funnel index (acquisition) on. */
const INACTIVITY_FROM = 1;

/** A touchpoint as the replay sees it; `detail` is the rating of a review and the score of a survey response. */
export type JourneyEvent = { index: number; time: number; type: string; detail: number };

export type JourneyTransition = {
  from: string | null;
  to: string;
  at: number;
  cause: 'touchpoint' | 'inactivity';
  /** The event's `index`, or -1 for inactivity. */
  touchpoint: number;
  ruleId: string | null;
};

export type JourneyState = { stage: string | null; enteredAt: number; funnelStage: string | null; purchases: number; lastSeen: number };

export type Journey = { state: JourneyState; transitions: JourneyTransition[] };

/** Replays `events` (in time order) and sweeps for inactivity as of `now`. */
export function replayJourney(events: readonly JourneyEvent[], now: number): Journey {
  const journey: Journey = {
    state: { stage: null, enteredAt: 0, funnelStage: null, purchases: 0, lastSeen: 0 },
    transitions: [],
  };
  for (const event of events) {
    sweep(journey, event.time);
    applyEvent(journey, event);
  }
  sweep(journey, now);
  return journey;
}

function applyEvent(journey: Journey, event: JourneyEvent): void {
  const state = journey.state;
  if (event.type === 'purchase') state.purchases += 1;
  state.lastSeen = Math.max(state.lastSeen, event.time);
  const target = chooseTarget(state, event);
  if (target) move(journey, target.stage, event.time, 'touchpoint', event.index, target.ruleId);
}

function chooseTarget(state: JourneyState, event: JourneyEvent): { stage: string; ruleId: string | null } | null {
  if (state.stage === AT_RISK || state.stage === CHURNED) {
    // Off the funnel only win-back moves a customer (no classic rule names at-risk or churned in `from`).
    return event.time >= state.enteredAt && event.type === 'purchase' ? { stage: 'retention', ruleId: 'win-back' } : null;
  }
  const current = state.stage === null ? 0 : FUNNEL_KEYS.indexOf(state.stage);
  const best = furthestRule(state, event, current);
  if (best) return best;
  return state.stage === null ? { stage: FUNNEL[0], ruleId: null } : null;
}

/** The classic rules open to the current stage that match, furthest stage first (the first rule on a tie). */
function furthestRule(state: JourneyState, event: JourneyEvent, afterIndex: number): { stage: string; ruleId: string } | null {
  const inAcquisitionToRetention = state.stage === 'acquisition' || state.stage === 'engagement' || state.stage === 'retention';
  const candidates: Array<[number, string, boolean]> = [
    [4, 'advocate-referral', inAcquisitionToRetention && event.type === 'referral'],
    [4, 'advocate-review', inAcquisitionToRetention && event.type === 'review' && event.detail >= 4],
    [4, 'advocate-promoter', inAcquisitionToRetention && event.type === 'survey_response' && event.detail >= 9],
    [3, 'retained-repeat-purchase', event.type === 'purchase' && state.purchases >= 2],
    [2, 'engaged', state.stage === 'acquisition' && (event.type === 'login' || event.type === 'email_click')],
    [1, 'acquired', event.type === 'signup' || event.type === 'purchase'],
  ];
  const match = candidates.find(([index, , matches]) => matches && index > afterIndex);
  return match ? { stage: FUNNEL[match[0]], ruleId: match[1] } : null;
}

/** At-risk at last seen + 60 days and churned at + 120 days, for customers from acquisition on, when `now` has passed them. */
function sweep(journey: Journey, now: number): void {
  const state = journey.state;
  if (state.stage === null || state.stage === CHURNED) return;
  if (state.stage !== AT_RISK) {
    if (FUNNEL_KEYS.indexOf(state.stage) < INACTIVITY_FROM) return;
    if (state.lastSeen + AT_RISK_AFTER_MS > now) return;
    move(journey, AT_RISK, state.lastSeen + AT_RISK_AFTER_MS, 'inactivity', -1, 'inactivity-at-risk');
  }
  if (state.lastSeen + CHURNED_AFTER_MS <= now)
    move(journey, CHURNED, state.lastSeen + CHURNED_AFTER_MS, 'inactivity', -1, 'inactivity-churned');
}

function move(
  journey: Journey,
  to: string,
  time: number,
  cause: JourneyTransition['cause'],
  touchpoint: number,
  ruleId: string | null,
): void {
  const state = journey.state;
  const at = Math.max(state.enteredAt, time);
  journey.transitions.push({ from: state.stage, to, at, cause, touchpoint, ruleId });
  state.stage = to;
  state.enteredAt = at;
  if (to !== AT_RISK && to !== CHURNED) state.funnelStage = to;
}
