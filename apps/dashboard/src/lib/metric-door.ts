import type { CustomerMetricFilter, MetricMembership } from '../gql/graphql';

/*
 * "Every number is a door": a count on a page (a KPI, a funnel step, a cohort
 * cell) links to the customers it counts. The link is the customers list with
 * the API's metric membership filter in its URL, under `behind` and `m.*`
 * parameters so it never mixes with the list's own filters.
 */

/** The customers behind one number: the customers filter's `metric`, as the URL keeps it. */
export type MetricDoor = CustomerMetricFilter;

const MEMBERSHIPS: readonly MetricMembership[] = [
  'NEW_CUSTOMERS',
  'ACTIVE_CUSTOMERS',
  'FUNNEL_REACHED',
  'FUNNEL_DROPPED',
  'COHORT',
  'FLOW',
];
const TEXT_FIELDS = ['segment', 'channel', 'campaign', 'attribution', 'stage', 'fromStage', 'cohort'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isMembership(value: string | null): value is MetricMembership {
  return MEMBERSHIPS.some((membership) => membership === value);
}

/** The URL parameters of a door (added to `into`, which keeps the list's own parameters). */
export function writeDoor(door: MetricDoor, into = new URLSearchParams()): URLSearchParams {
  into.set('behind', door.membership);
  into.set('m.from', door.from);
  into.set('m.to', door.to);
  for (const field of TEXT_FIELDS) {
    const value = door[field];
    if (value) into.set(`m.${field}`, String(value));
  }
  if (door.month != null) into.set('m.month', String(door.month));
  return into;
}

/** The customers list's URL for a door. */
export function doorHref(door: MetricDoor): string {
  return `/customers?${writeDoor(door).toString()}`;
}

/** The door in a URL's query, or null when there is none (or it is not one this dashboard wrote). */
export function readDoor(query: URLSearchParams): MetricDoor | null {
  const membership = query.get('behind');
  const from = query.get('m.from') ?? '';
  const to = query.get('m.to') ?? '';
  if (!isMembership(membership) || !DAY.test(from) || !DAY.test(to)) return null;
  const door: MetricDoor = { membership, from, to };
  for (const field of TEXT_FIELDS) {
    const value = query.get(`m.${field}`);
    if (value) door[field] = value;
  }
  const month = query.get('m.month');
  if (month !== null && /^\d{1,4}$/.test(month)) door.month = Number(month);
  return door;
}

/** `query` without any door parameter. */
export function withoutDoor(query: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(query);
  for (const key of [...next.keys()]) if (key === 'behind' || key.startsWith('m.')) next.delete(key);
  return next;
}

/** The month `months` after `month` (both YYYY-MM). */
export function monthAfter(month: string, months: number): string {
  const [year, index] = month.split('-').map(Number);
  const total = year * 12 + index - 1 + months;
  return `${String(Math.floor(total / 12)).padStart(4, '0')}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** Names for what a door's filter mentions: a stage's and a segment's display names. */
export type DoorNames = { stage: (key: string) => string; segment: (id: string) => string };

/** A sentence saying which customers a door lists, e.g. "New customers acquired 2026-01-01 to 2026-03-31, channel web". */
export function describeDoor(door: MetricDoor, names: DoorNames): string {
  const range = `${door.from} to ${door.to}`;
  const stage = names.stage(door.stage ?? '');
  const what = {
    NEW_CUSTOMERS: `New customers acquired ${range}`,
    ACTIVE_CUSTOMERS: `Active customers (any touchpoint) ${range}`,
    FUNNEL_REACHED: `Customers who entered ${range} and reached ${stage}`,
    FUNNEL_DROPPED: `Customers who entered ${range}, reached ${stage} and went no further`,
    FLOW: door.fromStage
      ? `Customers who moved from ${names.stage(door.fromStage)} to ${stage} ${range}`
      : `Customers who entered the lifecycle at ${stage} ${range}`,
    COHORT:
      door.month == null
        ? `Customers acquired in ${door.cohort ?? ''}`
        : `Customers acquired in ${door.cohort ?? ''} and active in ${monthAfter(door.cohort ?? '0000-01', door.month)} (month ${door.month})`,
  }[door.membership];
  const filters = [
    door.segment ? `segment ${names.segment(String(door.segment))}` : null,
    door.channel ? `channel ${door.channel}` : null,
    door.campaign ? `campaign ${door.campaign}` : null,
    door.attribution && door.attribution !== 'FIRST_TOUCH' ? `credited by ${door.attribution.toLowerCase().replace('_', ' ')}` : null,
  ].filter((part): part is string => part !== null);
  return filters.length === 0 ? what : `${what}, ${filters.join(', ')}`;
}
