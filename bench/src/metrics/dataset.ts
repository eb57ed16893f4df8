import { newReplayState, replayCreation, replaySweep, replayTouchpoint, STAGES } from '../shared/classic-preset.js';
import type { Moved, ReplayState } from '../shared/classic-preset.js';
import { chooseDepth, eventTimes, eventTypes, lapseChooser, touchpointCounts } from '../shared/journeys.js';
import type { DepthTable, TypePlan, Year } from '../shared/journeys.js';
import { between, createRandom, pick, randomUuid, weighted, weightedIndex } from '../shared/prng.js';
import type { Random } from '../shared/prng.js';
import { copyLine } from '../shared/copy.js';

/**
 * The metrics dataset, generated from a seed: customers over a year with
 * touchpoints of every type the metrics read (page views, sign-ups,
 * purchases with values, NPS and CSAT answers, reviews, referrals, social,
 * mentions, campaigns), and the stage transitions the classic preset makes of
 * them, replayed here exactly as clm's rule engine would (`created` first,
 * forward-only funnel moves, inactivity at 60 and 120 days from acquisition
 * on, win-back on a purchase). Customers are produced as COPY lines while
 * their touchpoints and transitions go into typed arrays (ten million
 * objects would not fit), which are then put in event-time order: the order
 * in which clm would have appended them to its logs.
 */
export type MetricsDatasetSpec = { customers: number; touchpoints: number; seed: number };

const DAY_MS = 86_400_000;
/** The dataset's "now": fixed, so every run generates the same rows. */
export const DATASET_END = Date.UTC(2026, 10, 22);
export const DATASET_START = DATASET_END - 365 * DAY_MS;
const YEAR: Year = { start: DATASET_START, end: DATASET_END, lastBefore: DATASET_END - 60_000 };
/** Sort keys count seconds from here (a little before the first `created` transition). */
const KEY_EPOCH = DATASET_START - DAY_MS;
const TOUCHPOINT_KEY_SCALE = 2 ** 25;
const TRANSITION_KEY_SCALE = 2 ** 23;

export const TYPES = [
  'page_view',
  'email_open',
  'email_click',
  'login',
  'signup',
  'purchase',
  'review',
  'survey_response',
  'feedback',
  'referral',
  'social_engagement',
  'social_share',
  'mention',
] as const;
type TouchpointType = (typeof TYPES)[number];
const T = Object.fromEntries(TYPES.map((type, index) => [type, index])) as Record<TouchpointType, number>;

export const CHANNELS = ['web', 'mobile', 'email', 'app', 'ads', 'social', 'sales', 'referral'] as const;
const C = Object.fromEntries(CHANNELS.map((channel, index) => [channel, index])) as Record<(typeof CHANNELS)[number], number>;

/** Campaigns with their channel, dates and a typical daily spend; touchpoints name them by key (index + 1; 0 = none). */
export const CAMPAIGNS = [
  { key: 'always-on-search', name: 'Always-on search', channel: 'ads', from: '2025-11-01', to: null, daily: 400 },
  { key: 'spring-launch', name: 'Spring launch', channel: 'ads', from: '2026-03-01', to: '2026-05-31', daily: 900 },
  { key: 'black-friday', name: 'Black Friday', channel: 'ads', from: '2026-11-01', to: '2026-11-30', daily: 2500 },
  { key: 'newsletter', name: 'Newsletter', channel: 'email', from: '2025-11-01', to: null, daily: 40 },
  { key: 'onboarding', name: 'Onboarding emails', channel: 'email', from: '2025-11-01', to: null, daily: 15 },
  { key: 'winback-q3', name: 'Win-back Q3', channel: 'email', from: '2026-07-01', to: '2026-09-30', daily: 60 },
  { key: 'creator-program', name: 'Creator program', channel: 'social', from: '2026-04-01', to: null, daily: 300 },
] as const;
const K = Object.fromEntries(CAMPAIGNS.map((campaign, index) => [campaign.key, index + 1])) as Record<string, number>;

export { CAUSES, RULES, STAGES } from '../shared/classic-preset.js';

/** Touchpoints column by column; index = generation order (customer by customer). */
export type Touchpoints = {
  customer: Int32Array;
  time: Float64Array;
  type: Uint8Array;
  channel: Uint8Array;
  campaign: Uint8Array;
  /** Score of a survey or feedback, rating of a review; random bits otherwise (the properties are drawn from them). */
  detail: Uint32Array;
  valueCents: Int32Array;
};

/** Transitions column by column, in generation order; `touchpoint` is a generation index or -1. */
export class Transitions {
  length = 0;
  customer = new Int32Array(1 << 20);
  time = new Float64Array(1 << 20);
  from = new Uint8Array(1 << 20);
  to = new Uint8Array(1 << 20);
  cause = new Uint8Array(1 << 20);
  rule = new Uint8Array(1 << 20);
  touchpoint = new Int32Array(1 << 20);

  push(customer: number, time: number, from: number, to: number, cause: number, rule: number, touchpoint: number): void {
    if (this.length === this.customer.length) this.grow();
    const i = this.length++;
    this.customer[i] = customer;
    this.time[i] = time;
    this.from[i] = from;
    this.to[i] = to;
    this.cause[i] = cause;
    this.rule[i] = rule;
    this.touchpoint[i] = touchpoint;
  }

  private grow(): void {
    const size = this.customer.length * 2;
    const copy = <A extends Int32Array | Float64Array | Uint8Array>(array: A, make: (n: number) => A): A => {
      const next = make(size);
      next.set(array);
      return next;
    };
    this.customer = copy(this.customer, (n) => new Int32Array(n));
    this.time = copy(this.time, (n) => new Float64Array(n));
    this.from = copy(this.from, (n) => new Uint8Array(n));
    this.to = copy(this.to, (n) => new Uint8Array(n));
    this.cause = copy(this.cause, (n) => new Uint8Array(n));
    this.rule = copy(this.rule, (n) => new Uint8Array(n));
    this.touchpoint = copy(this.touchpoint, (n) => new Int32Array(n));
  }
}

/** What generation leaves behind once every customer line has been produced. */
export type GeneratedLogs = {
  customerIds: string[];
  touchpoints: Touchpoints;
  transitions: Transitions;
  byStage: number[];
};

/** How deep into the funnel a customer is meant to get (0 awareness … 4 advocacy), by how many touchpoints they have. */
const DEPTH_BY_COUNT: DepthTable = [
  [1, weightedIndex([75, 25])],
  [2, weightedIndex([45, 30, 25])],
  [4, weightedIndex([30, 20, 25, 25])],
  [8, weightedIndex([18, 14, 26, 28, 14])],
  [20, weightedIndex([10, 10, 22, 36, 22])],
  [Infinity, weightedIndex([4, 6, 18, 40, 32])],
];

const chooseLapse = lapseChooser({ active: 55, 'at-risk': 17, churned: 28 });

/** Filler types by intended depth: none of them moves a customer past that depth. */
const FILLERS: Array<(random: Random) => TouchpointType> = [
  weighted<TouchpointType>([
    ['page_view', 62],
    ['email_open', 16],
    ['social_engagement', 12],
    ['mention', 4],
    ['social_share', 2],
    ['survey_response', 2],
    ['review', 2],
  ]),
  weighted<TouchpointType>([
    ['page_view', 48],
    ['email_open', 26],
    ['social_engagement', 9],
    ['feedback', 5],
    ['survey_response', 4],
    ['review', 3],
    ['mention', 2],
    ['social_share', 1],
    ['signup', 2],
  ]),
  weighted<TouchpointType>([
    ['page_view', 34],
    ['email_open', 17],
    ['login', 22],
    ['email_click', 8],
    ['social_engagement', 6],
    ['feedback', 4],
    ['survey_response', 4],
    ['review', 2],
    ['mention', 1],
    ['social_share', 1],
    ['signup', 1],
  ]),
  weighted<TouchpointType>([
    ['page_view', 29],
    ['email_open', 14],
    ['login', 17],
    ['purchase', 14],
    ['email_click', 7],
    ['social_engagement', 5],
    ['feedback', 5],
    ['survey_response', 5],
    ['review', 3],
    ['mention', 1],
  ]),
  weighted<TouchpointType>([
    ['page_view', 26],
    ['email_open', 12],
    ['login', 15],
    ['purchase', 14],
    ['email_click', 6],
    ['social_engagement', 6],
    ['social_share', 4],
    ['feedback', 5],
    ['survey_response', 5],
    ['review', 4],
    ['referral', 3],
  ]),
];

/**
 * Generates the dataset: yields each customer's COPY line (for `COPY customers`),
 * filling `logs` with their touchpoints and transitions as it goes.
 */
export function* generateCustomers(spec: MetricsDatasetSpec, logs: GeneratedLogs): Generator<string> {
  if (spec.touchpoints < spec.customers) throw new Error('need at least one touchpoint per customer');
  if (spec.touchpoints >= TOUCHPOINT_KEY_SCALE) throw new Error(`at most ${TOUCHPOINT_KEY_SCALE - 1} touchpoints`);
  const random = createRandom(spec.seed);
  const counts = touchpointCounts(random, spec.customers, spec.touchpoints, 1.3);
  const t = logs.touchpoints;
  let offset = 0;
  for (let customer = 0; customer < spec.customers; customer++) {
    const count = counts[customer];
    const depth = chooseDepth(DEPTH_BY_COUNT, random, count);
    const times = eventTimes(YEAR, random, count, depth === 0 ? 'active' : chooseLapse(random));
    const types = eventTypes(TYPE_PLAN, random, count, depth);
    let revenueCents = 0;
    const typeCounts: Record<string, number> = {};
    for (let k = 0; k < count; k++) {
      const i = offset + k;
      const type = types[k];
      t.customer[i] = customer;
      t.time[i] = times[k];
      t.type[i] = T[type];
      t.detail[i] = eventDetail(random, type, depth);
      const channel = channelOf(random, type);
      t.channel[i] = C[channel];
      t.campaign[i] = campaignOf(random, type, channel, times[k]);
      t.valueCents[i] = type === 'purchase' ? purchaseCents(random) : 0;
      revenueCents += t.valueCents[i];
      typeCounts[type] = (typeCounts[type] ?? 0) + 1;
    }
    const createdAt = times[0] - between(random, 1_000, 600_000);
    const state = replay(logs.transitions, customer, createdAt, t, offset, count);
    logs.byStage[state.stage] += 1;
    const id = randomUuid(random);
    logs.customerIds.push(id);
    offset += count;
    yield customerLine(random, customer, id, {
      state,
      typeCounts,
      revenueCents,
      createdAt,
      firstSeen: times[0],
      lastSeen: times[count - 1],
    });
  }
}

export function emptyLogs(spec: MetricsDatasetSpec): GeneratedLogs {
  const n = spec.touchpoints;
  return {
    customerIds: [],
    touchpoints: {
      customer: new Int32Array(n),
      time: new Float64Array(n),
      type: new Uint8Array(n),
      channel: new Uint8Array(n),
      campaign: new Uint8Array(n),
      detail: new Uint32Array(n),
      valueCents: new Int32Array(n),
    },
    transitions: new Transitions(),
    byStage: STAGES.map(() => 0),
  };
}

// -- the classic preset, replayed ------------------------------------------------------------------

/** One customer's journey: `created` into awareness, then every touchpoint in time order, inactivity swept before each and at the end. */
function replay(out: Transitions, customer: number, createdAt: number, t: Touchpoints, offset: number, count: number): ReplayState {
  const state = newReplayState();
  const moved: Moved = (from, to, at, cause, rule, touchpoint) => out.push(customer, at, from, to, cause, rule, touchpoint);
  replayCreation(state, createdAt, moved);
  for (let i = offset; i < offset + count; i++) {
    replaySweep(state, t.time[i], moved);
    replayTouchpoint(state, { index: i, time: t.time[i], type: TYPES[t.type[i]], detail: t.detail[i] }, moved);
  }
  replaySweep(state, DATASET_END, moved);
  return state;
}

// -- shapes ------------------------------------------------------------------------------------

function milestonesAfterAcquisition(random: Random, depth: number, room: number): TouchpointType[] {
  if (depth === 1) return [];
  if (depth === 2) return [random() < 0.7 ? 'login' : 'email_click'].slice(0, room) as TouchpointType[];
  const engagement: TouchpointType[] = random() < 0.9 && room >= depth - 1 ? ['login'] : [];
  if (depth === 3) return [...engagement, 'purchase'];
  return [...engagement, 'purchase', pick(random, ['referral', 'review', 'survey_response'] as const)];
}

const TYPE_PLAN: TypePlan<TouchpointType> = {
  fillers: FILLERS,
  purchase: 'purchase',
  signup: 'signup',
  milestones: milestonesAfterAcquisition,
};

/** Score 0–10 of an NPS answer, 1–5 of a feedback, rating 1–5 of a review (high ones mostly where advocacy is intended). */
function eventDetail(random: Random, type: TouchpointType, depth: number): number {
  switch (type) {
    case 'survey_response':
      return depth === 4 ? between(random, 6, 10) : between(random, 0, 8);
    case 'review':
      return depth === 4 ? between(random, 3, 5) : between(random, 1, 3);
    case 'feedback':
      return Math.min(5, between(random, 1, 5) + (depth >= 3 && random() < 0.5 ? 1 : 0));
    default:
      return Math.floor(random() * 2 ** 32);
  }
}

function purchaseCents(random: Random): number {
  // Log-normal-ish: most orders 20–120, a few large ones.
  const value = Math.exp(3.6 + random() * 1.4 + (random() < 0.05 ? random() * 2 : 0));
  return Math.round(Math.min(value, 4_999) * 100) - 1;
}

type Channel = (typeof CHANNELS)[number];

function channelOf(random: Random, type: TouchpointType): Channel {
  const roll = random();
  switch (type) {
    case 'page_view':
      return roll < 0.62 ? 'web' : roll < 0.82 ? 'mobile' : roll < 0.94 ? 'ads' : 'social';
    case 'email_open':
    case 'email_click':
      return 'email';
    case 'login':
      return roll < 0.6 ? 'web' : 'app';
    case 'signup':
      return roll < 0.55 ? 'web' : roll < 0.8 ? 'ads' : roll < 0.93 ? 'social' : 'referral';
    case 'purchase':
      return roll < 0.5 ? 'web' : roll < 0.8 ? 'app' : 'sales';
    case 'survey_response':
    case 'feedback':
      return roll < 0.7 ? 'email' : 'app';
    case 'referral':
      return 'referral';
    case 'review':
      return 'web';
    default:
      return 'social';
  }
}

/** Campaign key index (0 = none): emails carry theirs, ads the running ad campaign, some social and purchases one too. */
function campaignOf(random: Random, type: TouchpointType, channel: Channel, time: number): number {
  const month = new Date(time).getUTCMonth() + 1;
  const roll = random();
  if (channel === 'email' && (type === 'email_open' || type === 'email_click')) {
    if (month >= 7 && month <= 9 && roll < 0.15) return K['winback-q3'];
    return roll < 0.7 ? K.newsletter : K.onboarding;
  }
  if (channel === 'ads') {
    if (month === 11 && time >= Date.UTC(2026, 10, 1)) return K['black-friday'];
    if (month >= 3 && month <= 5 && roll < 0.6) return K['spring-launch'];
    return K['always-on-search'];
  }
  if (channel === 'social' && time >= Date.UTC(2026, 3, 1) && roll < 0.35) return K['creator-program'];
  if (type === 'purchase' && roll < 0.2) return month === 11 ? K['black-friday'] : K.newsletter;
  return 0;
}

// -- rows ----------------------------------------------------------------------------------------

const FIRST_NAMES =
  'Ada Grace Lin Alan Edsger Barbara Ken Margaret Dennis Frances John Radia Tim Hedy Donald Katherine Sophie Guido Anita Mary'.split(' ');
const LAST_NAMES =
  'Lovelace Hopper Turing Dijkstra Liskov Thompson Hamilton Ritchie Allen Backus Perlman Lamarr Knuth Johnson Wirth Wilson'.split(' ');
const DOMAINS = ['example.com', 'mail.example', 'acme.test', 'initech.test', 'globex.example'];
const PLANS = ['free', 'free', 'free', 'starter', 'starter', 'pro', 'business'];
const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'NL', 'FR', 'ES', 'SE', 'JP', 'BR', 'IN', 'CA', 'AU'];
const CUSTOMER_COLUMNS = `id, external_id, email, name, attributes, stage, stage_entered_at, funnel_stage, type_counts,
  first_seen_at, last_seen_at, orders, revenue, created_at, updated_at`;
export const CUSTOMERS_COPY = `COPY customers (${CUSTOMER_COLUMNS}) FROM STDIN WITH (FREEZE)`;

const iso = (ms: number) => new Date(ms).toISOString();

function customerLine(
  random: Random,
  customer: number,
  id: string,
  facts: {
    state: ReplayState;
    typeCounts: Record<string, number>;
    revenueCents: number;
    createdAt: number;
    firstSeen: number;
    lastSeen: number;
  },
): string {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const externalId = `m-${String(customer + 1).padStart(7, '0')}`;
  const email = random() < 0.96 ? `${first}.${last}.${customer + 1}@${pick(random, DOMAINS)}`.toLowerCase() : null;
  const attributes = { plan: pick(random, PLANS), country: pick(random, COUNTRIES), newsletter: random() < 0.4 };
  const { state } = facts;
  return copyLine([
    id,
    externalId,
    email,
    `${first} ${last}`,
    JSON.stringify(attributes),
    STAGES[state.stage],
    iso(state.enteredAt),
    STAGES[state.funnelStage],
    JSON.stringify(facts.typeCounts),
    iso(facts.firstSeen),
    iso(facts.lastSeen),
    facts.typeCounts.purchase ?? 0,
    (facts.revenueCents / 100).toFixed(2),
    iso(facts.createdAt),
    iso(Math.max(facts.lastSeen, state.enteredAt) + 500),
  ]);
}

// -- event-time order --------------------------------------------------------------------------

/** Generation indexes of the touchpoints in event-time order (by second, then generation order): id k + 1 goes to order[k]. */
export function touchpointOrder(time: Float64Array): Uint32Array {
  const keys = new Float64Array(time.length);
  for (let i = 0; i < time.length; i++) keys[i] = Math.floor((time[i] - KEY_EPOCH) / 1000) * TOUCHPOINT_KEY_SCALE + i;
  keys.sort();
  const order = new Uint32Array(time.length);
  for (let k = 0; k < keys.length; k++) order[k] = keys[k] % TOUCHPOINT_KEY_SCALE;
  return order;
}

/** Transition indexes in event-time order. */
export function transitionOrder(transitions: Transitions): Uint32Array {
  if (transitions.length >= TRANSITION_KEY_SCALE) throw new Error(`at most ${TRANSITION_KEY_SCALE - 1} transitions`);
  const keys = new Float64Array(transitions.length);
  for (let i = 0; i < transitions.length; i++) keys[i] = Math.floor((transitions.time[i] - KEY_EPOCH) / 1000) * TRANSITION_KEY_SCALE + i;
  keys.sort();
  const order = new Uint32Array(transitions.length);
  for (let k = 0; k < keys.length; k++) order[k] = keys[k] % TRANSITION_KEY_SCALE;
  return order;
}
