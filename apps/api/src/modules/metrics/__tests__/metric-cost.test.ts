import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { metricsFieldCost, metricsPrice, rangeShape } from '../metric-cost';

const NO_FILTER = { segment: false, channel: false, campaign: false };
/** The 25 metrics of `Metrics`. */
const ALL_METRICS = [
  'pageViews',
  'uniqueVisitors',
  'socialEngagements',
  'socialShares',
  'brandMentions',
  'newCustomers',
  'conversionRate',
  'cac',
  'sales',
  'salesGrowth',
  'campaigns',
  'channels',
  'engagementRate',
  'activeCustomers',
  'csat',
  'retentionRate',
  'churnRate',
  'historicalClv',
  'repeatPurchaseRate',
  'nps',
  'referralRate',
  'funnel',
  'timeInStage',
  'stageDistribution',
  'cohortRetention',
];
/** What the dashboard's metrics page asks for. */
const DASHBOARD = [
  'from',
  'to',
  'newCustomers',
  'conversionRate',
  'cac',
  'retentionRate',
  'churnRate',
  'historicalClv',
  'nps',
  'activeCustomers',
  'referralRate',
  'sales',
  'funnel',
];

describe('the shape of a metrics range', () => {
  it('counts days, ISO weeks and calendar months, both ends included', () => {
    // 2026-01-01 is a Thursday: 2026-01-01..2026-01-31 touches 5 ISO weeks (Dec 29, Jan 5, 12, 19, 26).
    expect(rangeShape('2026-01-01', '2026-01-31', 'DAY')).toEqual({ days: 31, buckets: 31 });
    expect(rangeShape('2026-01-01', '2026-01-31', 'WEEK')).toEqual({ days: 31, buckets: 5 });
    expect(rangeShape('2026-01-01', '2026-01-31', 'MONTH')).toEqual({ days: 31, buckets: 1 });
    expect(rangeShape('2025-12-31', '2026-01-01', 'MONTH')).toEqual({ days: 2, buckets: 2 });
    expect(rangeShape('2026-01-05', '2026-01-11', 'WEEK')).toEqual({ days: 7, buckets: 1 });
    expect(rangeShape('2026-01-05', '2026-01-12', 'WEEK')).toEqual({ days: 8, buckets: 2 });
  });

  it('counts a range that is not one, or one the service refuses as too long, as one day (refused later, naming the field)', () => {
    expect(rangeShape('2026-13-01', '2026-01-01', 'DAY')).toEqual({ days: 1, buckets: 1 });
    expect(rangeShape('2026-02-01', '2026-01-01', 'DAY')).toEqual({ days: 1, buckets: 1 });
    expect(rangeShape(7, null, 'WEEK')).toEqual({ days: 1, buckets: 1 });
    expect(rangeShape('0001-01-01', '9999-12-31', 'DAY')).toEqual({ days: 1, buckets: 1 });
    expect(rangeShape('0000-01-01', '0000-02-01', 'DAY')).toEqual({ days: 1, buckets: 1 });
    expect(rangeShape('2016-01-01', '2026-01-07', 'DAY')).toEqual({ days: 3660, buckets: 3660 });
    expect(rangeShape('2016-01-01', '2026-01-08', 'DAY')).toEqual({ days: 1, buckets: 1 });
  });
});

describe('the price of a metrics request', () => {
  it('is metrics × (⌈days ÷ 10⌉ + 4 × buckets) × filters × 2 with the previous period', () => {
    expect(metricsPrice({ days: 30, buckets: 30, metrics: 1, filter: NO_FILTER, compareToPrevious: false })).toBe(3 + 120);
    expect(metricsPrice({ days: 31, buckets: 5, metrics: 2, filter: NO_FILTER, compareToPrevious: true })).toBe(2 * (4 + 20) * 2);
    // channel: × 2; channel and campaign: × 3
    expect(metricsPrice({ days: 10, buckets: 1, metrics: 1, filter: { ...NO_FILTER, channel: true }, compareToPrevious: false })).toBe(10);
    expect(
      metricsPrice({
        days: 10,
        buckets: 1,
        metrics: 1,
        filter: { segment: false, channel: true, campaign: true },
        compareToPrevious: false,
      }),
    ).toBe(15);
    expect(metricsPrice({ days: 10, buckets: 1, metrics: 0, filter: NO_FILTER, compareToPrevious: false })).toBe(1);
  });

  it('prices a segment filter by the days it reads from the base tables: metrics × (2 × days + buckets) × filters', () => {
    expect(metricsPrice({ days: 10, buckets: 1, metrics: 1, filter: { ...NO_FILTER, segment: true }, compareToPrevious: false })).toBe(21);
    expect(
      metricsPrice({
        days: 10,
        buckets: 1,
        metrics: 1,
        filter: { segment: true, channel: true, campaign: false },
        compareToPrevious: false,
      }),
    ).toBe(42);
    expect(
      metricsPrice({
        days: 10,
        buckets: 1,
        metrics: 1,
        filter: { segment: true, channel: true, campaign: true },
        compareToPrevious: false,
      }),
    ).toBe(63);
    // The bench's 18 segment-filtered metrics over 365 days by week with the previous period ran 16.8 s at a price of 9,803.
    expect(metricsPrice({ days: 365, buckets: 53, metrics: 18, filter: { ...NO_FILTER, segment: true }, compareToPrevious: true })).toBe(
      18 * (730 + 53) * 2,
    );
  });

  it('prices the metrics field from its arguments and the metrics selected, not from/to/exactUpTo', () => {
    const args = { range: { from: '2026-01-01', to: '2026-01-30' }, bucket: 'DAY', compareToPrevious: false };
    expect(metricsFieldCost({ args, selections: ['from', 'to', 'exactUpTo', 'newCustomers', 'newCustomers'] })).toBe(2 * (3 + 120));
    expect(metricsFieldCost({ args: { ...args, filter: { segment: 'x', channel: null } }, selections: ['sales'] })).toBe(60 + 30);
  });

  it('prices the full metrics over 30 days by day at 3,075, so 15 aliases of it exceed the default limit', () => {
    const args = { range: { from: '2026-01-01', to: '2026-01-30' }, bucket: 'DAY', compareToPrevious: false };
    expect(metricsFieldCost({ args, selections: ALL_METRICS })).toBe(25 * (3 + 120));
    expect(15 * metricsFieldCost({ args, selections: ALL_METRICS })).toBeGreaterThan(10_000);
  });

  it('lets the dashboard through the default limit up to 90 days by day and a year by week; a year by week with a segment, or by day, is refused', () => {
    const view = (days: number, bucket: string, segment: string | null) => {
      const to = new Date(Date.UTC(2026, 5, 30));
      const from = new Date(to.getTime() - (days - 1) * 86_400_000);
      const range = { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
      return metricsFieldCost({ args: { range, bucket, filter: { segment }, compareToPrevious: true }, selections: DASHBOARD });
    };
    // 11 metrics × (⌈90 ÷ 10⌉ + 4 × 90) × 2
    expect(view(90, 'DAY', null)).toBe(8118);
    // 11 metrics × (2 × 90 + 90) × 2
    expect(view(90, 'DAY', 'segment')).toBe(5940);
    // 2025-07-01..2026-06-30: 53 ISO weeks; 11 × (37 + 4 × 53) × 2
    expect(view(365, 'WEEK', null)).toBe(5478);
    expect(view(365, 'WEEK', 'segment')).toBe(11 * (730 + 53) * 2);
    expect(view(365, 'DAY', null)).toBe(11 * (37 + 4 * 365) * 2);
    expect(view(365, 'DAY', 'segment')).toBe(11 * (730 + 365) * 2);
    expect(view(365, 'WEEK', 'segment')).toBeGreaterThan(10_000);
    expect(view(365, 'DAY', null)).toBeGreaterThan(10_000);
  });

  it('is a whole number of at least 1 for any arguments, and grows with the range', () => {
    const day = fc
      .integer({ min: 0, max: 3600 })
      .map((offset) => new Date(Date.UTC(2020, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, fc.constantFrom('DAY', 'WEEK', 'MONTH'), fc.anything(), (from, to, bucket, junk) => {
        const price = metricsFieldCost({ args: { range: { from, to }, bucket }, selections: ['sales'] });
        expect(Number.isInteger(price) && price >= 1).toBe(true);
        const wider = metricsFieldCost({ args: { range: { from: '2019-12-31', to }, bucket }, selections: ['sales'] });
        if (from <= to) expect(wider).toBeGreaterThanOrEqual(price);
        const odd = metricsFieldCost({ args: { range: junk, bucket: junk, filter: junk, compareToPrevious: junk }, selections: ['sales'] });
        expect(Number.isInteger(odd) && odd >= 1).toBe(true);
      }),
    );
  });
});
