import { between, weighted } from './prng.js';
import type { Random } from './prng.js';

/**
 * The seeded shape of a customer base that the reads and metrics datasets
 * share: how many touchpoints each customer gets, how deep into the funnel
 * each is meant to go, when their touchpoints happen and which types take
 * them there. Each benchmark configures it (its year, skew, weights and
 * milestones); the draws are made in a fixed order, so a seed gives the same
 * rows on every run.
 */

/** Whether a customer's last touchpoint is recent, 60–120 days old (at risk) or older (churned). */
export type Lapse = 'active' | 'at-risk' | 'churned';

const DAY_MS = 86_400_000;

/** A chooser over `[lapse, weight]` pairs. */
export function lapseChooser(weights: Record<Lapse, number>): (random: Random) => Lapse {
  return weighted<Lapse>([
    ['active', weights.active],
    ['at-risk', weights['at-risk']],
    ['churned', weights.churned],
  ]);
}

/** How deep into the funnel a customer is meant to get, by how many touchpoints they have: `[maxCount, chooser]` rows, ascending. */
export type DepthTable = ReadonlyArray<readonly [maxCount: number, choose: (random: Random) => number]>;

export function chooseDepth(table: DepthTable, random: Random, count: number): number {
  const [, choose] = table.find(([maxCount]) => count <= maxCount) ?? table[table.length - 1];
  return choose(random);
}

/**
 * Every customer gets one touchpoint; the rest go to customers in proportion
 * to weights Exp(1)^`skew` (a few heavy users), the remainder one at a time.
 */
export function touchpointCounts(random: Random, customers: number, total: number, skew: number): Int32Array {
  const weights = Float64Array.from({ length: customers }, () => (-Math.log(1 - random())) ** skew);
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = new Int32Array(customers);
  let assigned = 0;
  for (let i = 0; i < customers; i++) {
    counts[i] = 1 + Math.floor((weights[i] / sum) * (total - customers));
    assigned += counts[i];
  }
  for (; assigned < total; assigned++) counts[Math.floor(random() * customers)] += 1;
  return counts;
}

/** The dataset's year: touchpoints fall in [start, end); a recent last touchpoint is at most `lastBefore`. */
export type Year = { start: number; end: number; lastBefore: number };

/** First touchpoint uniform over the year; the last one recent, lapsed 60–120 days ago, or older; the rest between. */
export function eventTimes(year: Year, random: Random, count: number, lapse: Lapse): number[] {
  const first = year.start + random() * (year.end - year.start - 3_600_000);
  const last = lastTime(year, random, first, count, lapse);
  const times = [first];
  for (let k = 1; k < count - 1; k++) times.push(first + random() * (last - first));
  if (count > 1) times.push(last);
  return times.map(Math.floor).sort((a, b) => a - b);
}

function lastTime(year: Year, random: Random, first: number, count: number, lapse: Lapse): number {
  if (count === 1) return first;
  const atRiskLine = year.end - 60 * DAY_MS;
  const churnLine = year.end - 120 * DAY_MS;
  const span = (from: number, to: number) => from + random() * (to - from);
  if (lapse === 'churned' && first < churnLine) return span(first, churnLine);
  if (lapse === 'at-risk' && first < atRiskLine) return span(Math.max(first, churnLine), atRiskLine);
  return span(Math.max(first, atRiskLine), year.lastBefore);
}

/** What a benchmark's touchpoint types are made of: fillers by depth, and the milestones after acquisition. */
export type TypePlan<T extends string> = {
  /** Filler types by intended depth: none of them moves a customer past that depth. */
  fillers: ReadonlyArray<(random: Random) => T>;
  /** The acquiring touchpoint's types: a purchase (always at depth 3) or a sign-up. */
  purchase: T;
  signup: T;
  /** What moves the customer on after acquisition, at most `room` of them. */
  milestones: (random: Random, depth: number, room: number) => T[];
};

/** Filler types, with the acquiring touchpoint and the milestones of `depth` placed after it, in order. */
export function eventTypes<T extends string>(plan: TypePlan<T>, random: Random, count: number, depth: number): T[] {
  const types = Array.from({ length: count }, () => plan.fillers[depth](random));
  if (depth === 0) return types;
  const acquiring = random() < 0.45 || depth === 3 ? plan.purchase : plan.signup;
  const milestones = plan.milestones(random, depth, count - 1);
  const latest = count - 1 - milestones.length;
  const acquiredAt = latest < 1 || random() < 0.05 ? 0 : between(random, 1, latest);
  types[acquiredAt] = acquiring;
  const later = shuffled(random, range(acquiredAt + 1, count))
    .slice(0, milestones.length)
    .sort((a, b) => a - b);
  later.forEach((position, k) => (types[position] = milestones[k]));
  return types;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

function shuffled<T>(random: Random, list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}
