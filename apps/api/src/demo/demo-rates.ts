import { DAY_MS } from './demo-business';
import type { DemoPlan } from './demo-plan';

/*
 * How busy the demo business is, measured on its own plan: the simulator
 * keeps these rates, so the days it adds look like the days of the seeded
 * year (pure; no I/O, no clock).
 */

/** How many days before `today` the rates are measured over: a month, so they follow the season and the growth. */
export const RATE_WINDOW_DAYS = 28;

/** What customers already acquired do, each at the history's rate. */
export const ACTIVITY_TYPES = [
  'login',
  'feature_used',
  'purchase',
  'page_view',
  'email_open',
  'email_click',
  'survey_response',
  'feedback',
  'review',
  'referral',
  'social_share',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** What visitors do before they are acquired (after their first touchpoint). */
export const BROWSING_TYPES = ['page_view', 'social_engagement', 'social_share', 'mention'] as const;
export type BrowsingType = (typeof BROWSING_TYPES)[number];

/** The touchpoints that acquire a visitor: a sign-up, or buying first. */
export const CONVERSION_TYPES = ['signup', 'purchase'] as const;
export type ConversionType = (typeof CONVERSION_TYPES)[number];

export type DemoRates = {
  /** The days measured over, ending at the plan's `today`. */
  days: number;
  /** New visitors (a customer's first touchpoint) per day. */
  arrivals: number;
  /** Touchpoints per day that acquired a visitor, by type. */
  conversions: Readonly<Record<ConversionType, number>>;
  /** Touchpoints per day by visitors not acquired yet (after their first), by type. */
  browsing: Readonly<Record<BrowsingType, number>>;
  /** Touchpoints per day by customers acquired before, by type. */
  activity: Readonly<Record<ActivityType, number>>;
  /** The channels new visitors arrived through, with how many did. */
  arrivalChannels: ReadonlyArray<readonly [string, number]>;
  /** Customers acquired and active in the window: who the activity is by (external ids, in plan order). */
  active: readonly string[];
  /** Visitors seen in the window and not acquired by `today`: who the browsing and the conversions are by. */
  prospects: readonly string[];
};

/**
 * The plan's rates over its last `days` days: arrivals, conversions,
 * browsing and activity per day (each touchpoint in exactly one of them, but
 * for the types none of them lists), the arrival channels, and who was active.
 */
export function measureDemoRates(plan: DemoPlan, days = RATE_WINDOW_DAYS): DemoRates {
  const from = plan.today.getTime() - days * DAY_MS;
  const acquiredAt = new Map(plan.customers.map((customer) => [customer.externalId, customer.acquiredAt?.getTime() ?? null]));
  const seenBefore = new Set<string>();
  const conversions = tally(CONVERSION_TYPES);
  const browsing = tally(BROWSING_TYPES);
  const activity = tally(ACTIVITY_TYPES);
  const channels = new Map<string, number>();
  const active = new Set<string>();
  const seen = new Set<string>();
  let arrivals = 0;
  for (const touchpoint of plan.touchpoints) {
    const customer = touchpoint.storyOf;
    const at = touchpoint.occurredAt.getTime();
    const first = !seenBefore.has(customer);
    seenBefore.add(customer);
    if (at < from) continue;
    seen.add(customer);
    const acquired = acquiredAt.get(customer) ?? null;
    if (first) {
      arrivals++;
      channels.set(touchpoint.channel, (channels.get(touchpoint.channel) ?? 0) + 1);
    } else if (acquired === at) count(conversions, touchpoint.type);
    else if (acquired === null || at < acquired) count(browsing, touchpoint.type);
    else {
      active.add(customer);
      count(activity, touchpoint.type);
    }
  }
  return {
    days,
    arrivals: arrivals / days,
    conversions: perDay(conversions, days),
    browsing: perDay(browsing, days),
    activity: perDay(activity, days),
    arrivalChannels: [...channels].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    active: plan.customers.filter((customer) => active.has(customer.externalId)).map((customer) => customer.externalId),
    prospects: plan.customers
      .filter((customer) => seen.has(customer.externalId) && customer.acquiredAt === null)
      .map((customer) => customer.externalId),
  };
}

function tally<T extends string>(types: readonly T[]): Record<T, number> {
  return Object.fromEntries(types.map((type) => [type, 0])) as Record<T, number>;
}

function count<T extends string>(counts: Record<T, number>, type: string): void {
  if (Object.hasOwn(counts, type)) counts[type as T]++;
}

function perDay<T extends string>(counts: Record<T, number>, days: number): Record<T, number> {
  return Object.fromEntries(Object.entries<number>(counts).map(([type, n]) => [type, n / days])) as Record<T, number>;
}
