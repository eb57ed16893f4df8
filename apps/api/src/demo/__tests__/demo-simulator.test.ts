import { describe, expect, it } from '@jest/globals';
import { DAY_MS } from '../demo-business';
import { DEMO_SEED, planDemo } from '../demo-plan';
import type { DemoPlan } from '../demo-plan';
import { measureDemoRates } from '../demo-rates';
import type { DemoRates } from '../demo-rates';
import { DemoSimulator } from '../demo-simulator';
import type { SimulatedTouchpoint } from '../demo-simulator';
import type { DemoCustomer, DemoTouchpoint } from '../demo-story';
import type { DemoLog } from '../demo-loader';
import type { IngestService } from '../../modules/touchpoints';

const MINUTE_MS = 60_000;

/** The simulator's plan is pure: these tests drive its clock and never send (planTick does not touch ingest or log). */
const NOT_SENDING = null as unknown as IngestService;
const NOT_LOGGING = null as unknown as DemoLog;

function simulate(rates: DemoRates, start: Date, ticks: number, tickMs: number): SimulatedTouchpoint[] {
  const simulator = new DemoSimulator(NOT_SENDING, NOT_LOGGING, { rates, seed: 7, startedAt: start.getTime() });
  const sent: SimulatedTouchpoint[] = [];
  for (let tick = 1; tick <= ticks; tick++) sent.push(...simulator.planTick(new Date(start.getTime() + tick * tickMs)));
  return sent;
}

function tally(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

/** NPS over answers: % of 9–10 minus % of 0–6, rounded to a whole point. */
function nps(scores: readonly number[]): number {
  return Math.round(((scores.filter((s) => s >= 9).length - scores.filter((s) => s <= 6).length) / scores.length) * 100);
}

/** Whether a touchpoint names a visitor of the simulator's own (not one of the history's, visitor-NNNNN). */
const ofThisRun = (touchpoint: SimulatedTouchpoint) => touchpoint.customer.anonymousId?.startsWith('demo-anon-') ?? false;

/** Each touchpoint as an arrival (the first of a new anonymous visitor) or by its type. */
function kinds(sent: readonly SimulatedTouchpoint[]): string[] {
  const seen = new Set<string>();
  return sent.map((touchpoint) => {
    const anonymousId = touchpoint.customer.anonymousId;
    if (anonymousId === undefined || !ofThisRun(touchpoint) || seen.has(anonymousId)) return touchpoint.type;
    seen.add(anonymousId);
    return 'arrival';
  });
}

describe('the demo rates, measured on a plan', () => {
  const today = new Date('2026-12-01T00:00:00.000Z');
  const at = (iso: string) => new Date(`2026-11-${iso}Z`);
  const touch = (n: number, type: string, channel: string, when: string, value: number | null = null): DemoTouchpoint => ({
    messageId: `c${n}-${when}`,
    storyOf: `demo-0000${n}`,
    customer: { externalId: `demo-0000${n}` },
    type,
    channel,
    occurredAt: at(when),
    value,
    currency: value === null ? null : 'USD',
    campaign: null,
    properties: {},
  });
  const customer = (n: number, acquiredAt: string | null): DemoCustomer => ({
    externalId: `demo-0000${n}`,
    firstChannel: 'web',
    firstCampaign: null,
    acquiredAt: acquiredAt === null ? null : at(acquiredAt),
    orders: 0,
    revenue: 0,
    lastSeenAt: today,
    latestNps: null,
    wonBack: false,
    expectedStage: 'awareness',
  });
  // Two days: from 11-29 00:00 to 12-01 00:00.
  const plan: DemoPlan = {
    seed: 1,
    today,
    campaigns: [],
    spend: [],
    segments: [],
    customers: [customer(1, '29T10:00:00'), customer(2, null), customer(3, '30T12:00:00')],
    touchpoints: [
      touch(1, 'page_view', 'web', '20T09:00:00'), // first seen before the window: no arrival
      touch(1, 'signup', 'web', '29T10:00:00'), // acquires: a conversion
      touch(2, 'social_engagement', 'social', '29T12:00:00'), // an arrival through social
      touch(1, 'login', 'web', '30T08:00:00'),
      touch(1, 'purchase', 'web', '30T09:00:00', 49),
      touch(2, 'page_view', 'web', '30T10:00:00'), // browsing, not acquired
      touch(3, 'page_view', 'paid_search', '30T11:00:00'), // an arrival through search
      touch(3, 'purchase', 'web', '30T12:00:00', 29), // buys first: a conversion
      touch(3, 'referral', 'referral', '30T13:00:00'),
    ],
  };

  it('counts arrivals, conversions, browsing and activity per day over the window, and who did them', () => {
    expect(measureDemoRates(plan, 2)).toEqual({
      days: 2,
      arrivals: 1,
      conversions: { signup: 0.5, purchase: 0.5 },
      browsing: { page_view: 0.5, social_engagement: 0, social_share: 0, mention: 0 },
      activity: {
        login: 0.5,
        feature_used: 0,
        purchase: 0.5,
        page_view: 0,
        email_open: 0,
        email_click: 0,
        survey_response: 0,
        feedback: 0,
        review: 0,
        referral: 0.5,
        social_share: 0,
      },
      arrivalChannels: [
        ['paid_search', 1],
        ['social', 1],
      ],
      active: ['demo-00001', 'demo-00003'],
      prospects: ['demo-00002'],
    });
  });
});

describe('the demo simulator against the seeded history', () => {
  const today = new Date('2026-12-01T12:00:00.000Z');
  const history = planDemo({ seed: DEMO_SEED, customers: 5000, today });
  const rates = measureDemoRates(history);
  const firstTouches = new Map<string, number>();
  for (const touchpoint of history.touchpoints)
    if (!firstTouches.has(touchpoint.storyOf)) firstTouches.set(touchpoint.storyOf, touchpoint.occurredAt.getTime());
  const arrivedBetween = (from: number, to: number) => [...firstTouches.values()].filter((first) => first >= from && first < to).length;

  it('measures the last four weeks of the year the demo loads (exact, for this seed and day)', () => {
    expect(Math.round(rates.arrivals * rates.days)).toBe(747);
    expect(Math.round(rates.conversions.signup * rates.days)).toBe(257);
    expect(rates.active).toHaveLength(880);
  });

  it('does not let today overtake last month: 13 minutes add one day of the usual arrivals at most', () => {
    const sent = simulate(rates, today, 13 * 60, 1000);
    const arrivals = kinds(sent).filter((kind) => kind === 'arrival').length;
    expect(arrivals).toBe(23);
    // Business time: the head start (a day) and the 13 minutes; the history's rate over it, give or take Poisson's 3 sigma.
    const expected = rates.arrivals * (1 + 13 / 1440);
    expect(Math.abs(arrivals - expected)).toBeLessThan(3 * Math.sqrt(expected));
    const startOfDay = Date.parse('2026-12-01T00:00:00.000Z');
    const today_ = arrivedBetween(startOfDay, today.getTime()) + arrivals;
    const lastMonth = arrivedBetween(Date.parse('2026-11-01T00:00:00.000Z'), startOfDay);
    expect({ today: today_, lastMonth }).toEqual({ today: 37, lastMonth: 810 });
  });

  it("keeps each kind of touchpoint at the history's daily rate over four weeks (within 10% where 200 or more are expected)", () => {
    const sent = simulate(rates, today, 28 * 24 * 6, 10 * MINUTE_MS);
    const businessDays = 28 + 1; // four weeks of real time and the head start
    const counted = tally(kinds(sent));
    const expected: Record<string, number> = { arrival: rates.arrivals * businessDays };
    const add = (type: string, perDay: number) => (expected[type] = (expected[type] ?? 0) + perDay * businessDays);
    for (const [type, perDay] of Object.entries(rates.conversions)) add(type, perDay);
    for (const [type, perDay] of Object.entries(rates.browsing)) add(type, perDay);
    for (const [type, perDay] of Object.entries(rates.activity)) add(type, perDay);
    const large = Object.keys(expected).filter((type) => expected[type] >= 200);
    expect(large.sort()).toEqual(['arrival', 'feature_used', 'login', 'page_view', 'purchase', 'signup']);
    for (const type of large) expect({ type, ratio: Math.abs(counted[type] / expected[type] - 1) < 0.1 }).toEqual({ type, ratio: true });
    // Arrivals of the history's last 29 days, against the simulator's 29 business days: the same business.
    expect(counted.arrival).toBe(766);
    expect(arrivedBetween(today.getTime() - 29 * DAY_MS, today.getTime())).toBe(777);
  });

  it('answers surveys like the history: NPS between 0 and +50, CSAT and ratings around 4 of 5', () => {
    const sent = simulate(rates, today, 28 * 24 * 6, 10 * MINUTE_MS);
    const scores = (type: string, field: string) =>
      sent.filter((touchpoint) => touchpoint.type === type).map((touchpoint) => Number(touchpoint.properties[field]));
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const simulated = scores('survey_response', 'score');
    expect(nps(simulated)).toBe(17);
    const historical = history.touchpoints
      .filter((touchpoint) => touchpoint.type === 'survey_response')
      .map((t) => Number(t.properties.score));
    expect(nps(historical)).toBe(22);
    expect(Math.round(mean(scores('feedback', 'score')) * 10) / 10).toBe(4);
    expect(Math.round(mean(scores('review', 'rating')) * 10) / 10).toBe(4);
  });

  it('gives every purchase a value in USD, from the price lists', () => {
    const purchases = simulate(rates, today, 24 * 6, 10 * MINUTE_MS).filter((touchpoint) => touchpoint.type === 'purchase');
    expect(purchases.length).toBeGreaterThan(0);
    const prices = new Set([19, 29, 49, 79, 99, 129, 149, 199, 299, 399]);
    expect(purchases.filter((purchase) => purchase.currency !== 'USD' || !prices.has(purchase.value ?? -1))).toEqual([]);
  });

  it('keeps a visitor anonymous until they sign up or buy, and names them then', () => {
    const sent = simulate(rates, today, 24 * 6, 10 * MINUTE_MS);
    const anonymous = sent.filter((touchpoint) => touchpoint.customer.externalId === undefined);
    expect(anonymous.filter((touchpoint) => touchpoint.customer.name !== undefined || touchpoint.customer.email !== undefined)).toEqual([]);
    const named = sent.filter(
      (touchpoint) => touchpoint.customer.anonymousId !== undefined && touchpoint.customer.externalId !== undefined,
    );
    expect(named.length).toBeGreaterThan(0);
    for (const conversion of named) {
      expect(['signup', 'purchase']).toContain(conversion.type);
      expect(conversion.customer.name).toMatch(/^\S+ \S.*$/);
      expect(conversion.customer.email).toMatch(/@example\.com$/);
      // A visitor of this run browsed under the same anonymousId first; one of the history's did so in the history.
      const earlier = sent.slice(0, sent.indexOf(conversion)).filter((t) => t.customer.anonymousId === conversion.customer.anonymousId);
      if (ofThisRun(conversion)) expect(earlier.length).toBeGreaterThan(0);
      else expect(conversion.customer.anonymousId).toBe(`visitor-${conversion.customer.externalId?.slice('demo-'.length)}`);
    }
    expect(named.filter(ofThisRun).length).toBeGreaterThan(0);
  });
});
