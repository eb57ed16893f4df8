import { chooseDepth, eventTimes, eventTypes, lapseChooser, touchpointCounts } from '../shared/journeys.js';
import type { DepthTable, TypePlan, Year } from '../shared/journeys.js';
import { receivedAt } from '../shared/vocabulary.js';
import { between, createRandom, pick, randomUuid, weightedIndex, weightedKey } from '../shared/prng.js';
import type { Random } from '../shared/prng.js';
import { replayJourney } from './journey.js';
import type { Journey, JourneyEvent, JourneyTransition } from './journey.js';

/**
 * The reads dataset, generated in memory from a seed: customers with their
 * touchpoints over a year, and the stage transitions and rollups the classic
 * preset makes of them (journey.ts). Touchpoints and transitions are numbered
 * in event-time order across customers, as clm would have stored them.
 */
export type DatasetSpec = { customers: number; touchpoints: number; seed: number };

export type CustomerRow = {
  id: string;
  externalId: string;
  email: string | null;
  name: string | null;
  attributes: string;
  stage: string | null;
  stageEnteredAt: number;
  funnelStage: string | null;
  typeCounts: string;
  firstSeenAt: number;
  lastSeenAt: number;
  orders: number;
  revenueCents: number;
  createdAt: number;
  updatedAt: number;
};

/** Touchpoints column by column (a million objects would be slow to build); index = generation order. */
export type TouchpointColumns = {
  customer: Int32Array;
  time: Float64Array;
  type: Uint8Array;
  channel: Uint8Array;
  /** Rating of a review, score of a survey response, otherwise random bits the properties are drawn from. */
  detail: Uint32Array;
  valueCents: Int32Array;
};

export type TransitionRow = JourneyTransition & { customer: number; recordedAt: number };

export type Dataset = {
  spec: DatasetSpec;
  /** In generation order: `TouchpointColumns.customer` and `TransitionRow.customer` index this list. */
  customers: CustomerRow[];
  touchpoints: TouchpointColumns;
  /** Generation indexes of the touchpoints in event-time order: the touchpoint at `order[k]` gets id k + 1. */
  touchpointOrder: Uint32Array;
  /** Transitions in event-time order: the k-th gets id k + 1. Their `touchpoint` is a generation index. */
  transitions: TransitionRow[];
};

export const TOUCHPOINT_TYPES = 'page_view email_open login purchase email_click signup review survey_response referral'.split(' ');
export const CHANNELS = ['web', 'mobile', 'email', 'app', 'ads', 'sales', 'referral'];

const DAY_MS = 86_400_000;
/** The dataset's "now": fixed, so every run generates the same rows. */
export const DATASET_NOW = Date.UTC(2026, 10, 20);
const YEAR: Year = { start: DATASET_NOW - 365 * DAY_MS, end: DATASET_NOW, lastBefore: DATASET_NOW };

const FIRST_NAMES = (
  'Ada Grace Lin Alan Edsger Barbara Ken Margaret Dennis Frances John Radia Tim Hedy Donald ' +
  'Katherine Niklaus Sophie Guido Anita Bjarne Mary James Joan Yukihiro Carol Brian Shafi Linus Lynn'
).split(' ');
const LAST_NAMES = (
  'Lovelace,Hopper,Turing,Dijkstra,Liskov,Thompson,Hamilton,Ritchie,Allen,Backus,Perlman,Berners-Lee,Lamarr,Knuth,Johnson,' +
  'Wirth,Wilson,van Rossum,Borg,Stroustrup,Keller,Gosling,Clarke,Matsumoto,Shaw,Kernighan,Goldwasser,Torvalds,Conway,Codd'
).split(',');
const DOMAINS = ['example.com', 'mail.example', 'acme.test', 'initech.test', 'globex.example', 'umbrella.test'];
const PLANS = ['free', 'free', 'free', 'starter', 'starter', 'pro', 'business'];
const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'NL', 'FR', 'ES', 'SE', 'JP', 'BR', 'IN', 'CA', 'AU'];

/** How deep into the funnel a customer is meant to get (0 awareness … 4 advocacy), by how many touchpoints they have. */
const DEPTH_BY_COUNT: DepthTable = [
  [1, weightedIndex([60, 40])],
  [2, weightedIndex([20, 35, 45])],
  [3, weightedIndex([10, 15, 30, 45])],
  [6, weightedIndex([8, 10, 22, 38, 22])],
  [15, weightedIndex([4, 6, 18, 40, 32])],
  [Infinity, weightedIndex([2, 4, 14, 42, 38])],
];

const chooseLapse = lapseChooser({ active: 52, 'at-risk': 16, churned: 32 });

/** Filler touchpoint types by intended depth: none of them moves a customer past that depth. */
const FILLERS = [
  weightedKey({ page_view: 70, email_open: 25, review: 3, survey_response: 2 }),
  weightedKey({ page_view: 50, email_open: 35, review: 7, survey_response: 6, signup: 2 }),
  weightedKey({ page_view: 35, email_open: 20, login: 25, email_click: 10, review: 4, survey_response: 4, signup: 2 }),
  weightedKey({ page_view: 30, email_open: 15, login: 18, purchase: 14, email_click: 9, review: 6, survey_response: 6, signup: 2 }),
  weightedKey({
    page_view: 28,
    email_open: 14,
    login: 16,
    purchase: 14,
    email_click: 8,
    review: 8,
    survey_response: 7,
    referral: 3,
    signup: 2,
  }),
];

/** Generates the whole dataset. */
export function generateDataset(spec: DatasetSpec): Dataset {
  if (spec.touchpoints < spec.customers) throw new Error('need at least one touchpoint per customer');
  const random = createRandom(spec.seed);
  const counts = touchpointCounts(random, spec.customers, spec.touchpoints, 1.2);
  const touchpoints = emptyColumns(spec.touchpoints);
  const customers: CustomerRow[] = [];
  const transitions: TransitionRow[] = [];
  let offset = 0;
  for (let customer = 0; customer < spec.customers; customer++) {
    const events = generateEvents(random, counts[customer], offset);
    storeEvents(touchpoints, customer, events, random);
    const journey = replayJourney(events, DATASET_NOW);
    for (const transition of journey.transitions) transitions.push({ ...transition, customer, recordedAt: recordedAt(random, transition) });
    customers.push(customerRow(random, customer, events, touchpoints, journey));
    offset += events.length;
  }
  transitions.sort((a, b) => a.at - b.at || a.customer - b.customer);
  return { spec, customers, touchpoints, touchpointOrder: timeOrder(touchpoints.time), transitions };
}

function emptyColumns(size: number): TouchpointColumns {
  return {
    customer: new Int32Array(size),
    time: new Float64Array(size),
    type: new Uint8Array(size),
    channel: new Uint8Array(size),
    detail: new Uint32Array(size),
    valueCents: new Int32Array(size),
  };
}

/** One customer's touchpoints, in time order: times over their active span, types that take them to their intended depth. */
function generateEvents(random: Random, count: number, offset: number): JourneyEvent[] {
  const depth = chooseDepth(DEPTH_BY_COUNT, random, count);
  const times = eventTimes(YEAR, random, count, depth === 0 ? 'active' : chooseLapse(random));
  const types = eventTypes(TYPE_PLAN, random, count, depth);
  return times.map((time, k) => ({ index: offset + k, time, type: types[k], detail: eventDetail(random, types[k], depth) }));
}

/** What moves the customer on after acquisition, at most `room` of them (engagement is the first to go). */
function milestonesAfterAcquisition(random: Random, depth: number, room: number): string[] {
  if (depth === 2) return [random() < 0.7 ? 'login' : 'email_click'].slice(0, room);
  const engagement = random() < 0.95 && room >= depth - 1 ? ['login'] : [];
  if (depth === 3) return [...engagement, 'purchase'];
  if (depth === 4) return [...engagement, 'purchase', pick(random, ['referral', 'review', 'survey_response'])];
  return [];
}

const TYPE_PLAN: TypePlan<string> = { fillers: FILLERS, purchase: 'purchase', signup: 'signup', milestones: milestonesAfterAcquisition };

/** Rating (1–5) of a review and score (0–10) of a survey response: high ones only where advocacy is intended. */
function eventDetail(random: Random, type: string, depth: number): number {
  if (type === 'review') return depth === 4 ? between(random, 1, 5) : between(random, 1, 3);
  if (type === 'survey_response') return depth === 4 ? between(random, 0, 10) : between(random, 0, 8);
  return Math.floor(random() * 2 ** 32);
}

function storeEvents(columns: TouchpointColumns, customer: number, events: readonly JourneyEvent[], random: Random): void {
  for (const event of events) {
    const i = event.index;
    columns.customer[i] = customer;
    columns.time[i] = event.time;
    columns.type[i] = TOUCHPOINT_TYPES.indexOf(event.type);
    columns.channel[i] = CHANNELS.indexOf(channelOf(random, event.type));
    columns.detail[i] = event.detail;
    columns.valueCents[i] = event.type === 'purchase' ? between(random, 999, 49_999) : 0;
  }
}

function channelOf(random: Random, type: string): string {
  switch (type) {
    case 'page_view':
      return random() < 0.8 ? 'web' : 'mobile';
    case 'email_open':
    case 'email_click':
    case 'survey_response':
      return 'email';
    case 'login':
      return random() < 0.6 ? 'web' : 'app';
    case 'signup':
      return random() < 0.7 ? 'web' : 'ads';
    case 'purchase':
      return pick(random, ['web', 'web', 'app', 'sales']);
    case 'referral':
      return 'referral';
    default:
      return 'web';
  }
}

/** Touchpoint transitions are recorded with their touchpoint; the hourly sweep records inactivity. */
function recordedAt(random: Random, transition: JourneyTransition): number {
  return transition.cause === 'inactivity'
    ? transition.at + between(random, 0, 3_600_000)
    : receivedAt(transition.at, transition.touchpoint);
}

function customerRow(
  random: Random,
  customer: number,
  events: readonly JourneyEvent[],
  columns: TouchpointColumns,
  journey: Journey,
): CustomerRow {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const hasEmail = random() >= 0.04;
  const typeCounts: Record<string, number> = {};
  let revenueCents = 0;
  for (const event of events) {
    typeCounts[event.type] = (typeCounts[event.type] ?? 0) + 1;
    revenueCents += columns.valueCents[event.index];
  }
  const firstSeenAt = events[0].time;
  const lastSeenAt = events[events.length - 1].time;
  const lastRecorded = Math.max(receivedAt(lastSeenAt, events[events.length - 1].index), journey.transitions.at(-1)?.at ?? 0);
  return {
    id: randomUuid(random),
    externalId: `u-${String(customer + 1).padStart(6, '0')}`,
    email: hasEmail ? `${first}.${last}.${customer + 1}@${pick(random, DOMAINS)}`.toLowerCase().replace(/[ -]/g, '') : null,
    name: random() < 0.06 ? null : `${first} ${last}`,
    attributes: JSON.stringify(attributes(random)),
    stage: journey.state.stage,
    stageEnteredAt: journey.state.enteredAt,
    funnelStage: journey.state.funnelStage,
    typeCounts: JSON.stringify(typeCounts),
    firstSeenAt,
    lastSeenAt,
    orders: typeCounts.purchase ?? 0,
    revenueCents,
    createdAt: firstSeenAt + between(random, 50, 3_000),
    updatedAt: lastRecorded + between(random, 0, 1_000),
  };
}

function attributes(random: Random): Record<string, string | number | boolean> {
  return {
    plan: pick(random, PLANS),
    country: pick(random, COUNTRIES),
    company_size: pick(random, [1, 5, 10, 50, 200, 1000]),
    newsletter: random() < 0.4,
  };
}

/** Indexes sorted by time (ties by index). */
function timeOrder(times: Float64Array): Uint32Array {
  const order = Uint32Array.from({ length: times.length }, (_, i) => i);
  return order.sort((a, b) => times[a] - times[b] || a - b);
}
