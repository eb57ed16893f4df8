import { DAY_MS, DEMO_SEGMENTS, demoCampaigns, demoSpend, season, YEAR_DAYS } from './demo-business';
import type { DemoCampaign, DemoSegment, DemoSpend } from './demo-business';
import { Story } from './demo-story';
import type { DemoCustomer, DemoTouchpoint } from './demo-story';
import { Prng } from './prng';

/*
 * The demo business, as plain data: a pure function of (seed, size, today).
 * No I/O and no clock: the same arguments give the same campaigns, spend,
 * customers and touchpoints, byte for byte.
 *
 * The business is shaped like the articles clm was designed from: visitors
 * arrive through web, search ads, social, email, referrals and display ads
 * (more of them towards the end of the year and as the business grows), a
 * share signs up or buys, fewer come back, fewer still recommend it; some
 * campaigns bring customers who buy (search, the influencer push, referrals)
 * and some bring visitors who leave (summer social, display retargeting);
 * customers fall silent and churn, and a few are won back by a purchase.
 *
 * Invariants (the tests rely on them):
 * - a customer's touchpoints are strictly increasing in time, all before `today`;
 * - while a customer is in the lifecycle past awareness, two consecutive
 *   touchpoints are less than 45 days apart, except a deliberate lapse of at
 *   least 75 days that always ends with a purchase (a win-back);
 * - `expectedStage` is the stage the default (`classic`) model gives each
 *   customer once every touchpoint is recorded in windows of `DEMO_WINDOW_DAYS`, the
 *   inactivity sweep running at the end of each (see `demoWindows`), as of
 *   `today`. It is folded here from the classic rules, so the demo's test can
 *   check clm against the plan rather than against clm's own output.
 */

export const DEMO_SEED = 20261124;
export const DEMO_CUSTOMERS = 5000;

/**
 * The load's windows (the sweep runs at the end of each). Two weeks: fewer,
 * fuller batches than one week, and still shorter than MIN_LAPSE_DAYS − 60.
 */
export const DEMO_WINDOW_DAYS = 14;

export type DemoPlan = {
  seed: number;
  today: Date;
  campaigns: DemoCampaign[];
  spend: DemoSpend[];
  customers: DemoCustomer[];
  /** Every touchpoint, by time (then messageId). */
  touchpoints: DemoTouchpoint[];
  segments: DemoSegment[];
};

export type DemoOptions = { seed?: number; customers?: number; today: Date };

/** The external id of the demo's n-th customer (1-based); the first one marks a database as holding the demo. */
export function demoExternalId(n: number): string {
  return `demo-${String(n).padStart(5, '0')}`;
}

/** Builds the whole demo business. */
export function planDemo(options: DemoOptions): DemoPlan {
  const seed = options.seed ?? DEMO_SEED;
  const size = options.customers ?? DEMO_CUSTOMERS;
  const today = options.today;
  const rng = new Prng(seed);
  const campaigns = demoCampaigns(today);
  const spend = demoSpend(rng, campaigns, today);

  const firstTouches = Array.from({ length: size }, () => firstTouchTime(rng, today)).sort((a, b) => a - b);
  const customers: DemoCustomer[] = [];
  const touchpoints: DemoTouchpoint[] = [];
  firstTouches.forEach((at, index) => {
    const story = new Story(rng, demoExternalId(index + 1), today);
    story.live(at, campaigns);
    customers.push(story.summary());
    touchpoints.push(...story.events);
  });
  touchpoints.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.messageId < b.messageId ? -1 : 1));
  return { seed, today, campaigns, spend, customers, touchpoints, segments: DEMO_SEGMENTS };
}

/** One window of the load: its touchpoints in batches, then the inactivity sweep as of `sweepAt`. */
export type DemoWindow = { batches: DemoTouchpoint[][]; sweepAt: Date };

/**
 * Cuts the plan into windows of `windowDays` ending at `today` (the last one
 * ends exactly there), each in batches of at most `maxBatch` touchpoints
 * grouped by customer and in event-time order within each customer. Every
 * touchpoint of a window is earlier than its `sweepAt` and later than or at
 * the previous window's, so each customer's history arrives in time order.
 */
export function demoWindows(plan: DemoPlan, windowDays = DEMO_WINDOW_DAYS, maxBatch = 1000): DemoWindow[] {
  const windowMs = windowDays * DAY_MS;
  const end = plan.today.getTime();
  const first = plan.touchpoints[0]?.occurredAt.getTime() ?? end;
  const count = Math.max(1, Math.ceil((end - first) / windowMs));
  const groups: DemoTouchpoint[][] = Array.from({ length: count }, () => []);
  for (const touchpoint of plan.touchpoints) {
    const fromEnd = Math.floor((end - touchpoint.occurredAt.getTime() - 1) / windowMs);
    groups[count - 1 - Math.max(0, fromEnd)].push(touchpoint);
  }
  return groups.map((group, index) => {
    const byCustomer = [...group].sort(
      (a, b) => (a.storyOf < b.storyOf ? -1 : a.storyOf > b.storyOf ? 1 : 0) || a.occurredAt.getTime() - b.occurredAt.getTime(),
    );
    const batches: DemoTouchpoint[][] = [];
    for (let start = 0; start < byCustomer.length; start += maxBatch) batches.push(byCustomer.slice(start, start + maxBatch));
    return { batches, sweepAt: new Date(end - (count - 1 - index) * windowMs) };
  });
}

/** A first visit in the year before `today`: more as the business grows and in busy months. */
function firstTouchTime(rng: Prng, today: Date): number {
  const end = today.getTime();
  for (;;) {
    const at = end - rng.between(0.02, YEAR_DAYS) * DAY_MS;
    const growth = 0.6 + 0.8 * (1 - (end - at) / (YEAR_DAYS * DAY_MS));
    if (rng.next() * 1.4 * 1.6 < growth * season(at)) return at;
  }
}
