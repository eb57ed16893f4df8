import { describe, expect, it } from 'vitest';
import { bucketCount, chooseBucket, metricsPagePrice } from '../metrics-cost';

const none = { segment: false, channel: false, campaign: false };
const segment = { segment: true, channel: false, campaign: false };
// 365 days up to 2026-11-24 (the "Last 12 months" preset on that day): 53 ISO weeks, 13 calendar months.
const year = { from: '2025-11-25', to: '2026-11-24' };
const quarter = { from: '2026-08-27', to: '2026-11-24' };

describe("the metrics page's price", () => {
  it('counts buckets as the API cuts them', () => {
    expect(bucketCount(year, 'DAY')).toBe(365);
    expect(bucketCount(year, 'WEEK')).toBe(53);
    expect(bucketCount(year, 'MONTH')).toBe(13);
    expect(bucketCount({ from: '2026-11-23', to: '2026-11-29' }, 'WEEK')).toBe(1); // Monday to Sunday
    expect(bucketCount({ from: '2026-11-22', to: '2026-11-23' }, 'WEEK')).toBe(2); // Sunday, Monday
  });

  it("is the README's published prices (Cost limits: what this means in practice)", () => {
    expect(metricsPagePrice(quarter, 'DAY', none)).toBe(8_118); // 11 × (9 + 4 × 90) × 2
    expect(metricsPagePrice(quarter, 'DAY', segment)).toBe(5_940); // 11 × (2 × 90 + 90) × 2
    expect(metricsPagePrice(year, 'WEEK', none)).toBe(5_478); // 11 × (37 + 4 × 53) × 2
    expect(metricsPagePrice(year, 'WEEK', segment)).toBe(17_226);
    expect(metricsPagePrice(year, 'DAY', none)).toBe(32_934);
    // A channel and a campaign filter multiply by 3.
    expect(metricsPagePrice(quarter, 'WEEK', { segment: false, channel: true, campaign: true })).toBe(3 * 11 * (9 + 4 * 14) * 2);
  });
});

describe('the bucket the page asks for', () => {
  it('shows a year asked by day by week, saying why', () => {
    expect(chooseBucket(year, 'DAY', none)).toEqual({
      bucket: 'WEEK',
      refused: { DAY: "costs 33,016 over this range, above the API's limit of 10,000" },
      note: "Shown by week: by day costs 33,016 over this range, above the API's limit of 10,000.",
    });
  });

  it('shows a year by week with a segment by month, saying why', () => {
    // A segment reads every day from the base tables: by month a year still costs 11 × (2 × 365 + 13) × 2 = 16,346.
    const choice = chooseBucket(year, 'WEEK', segment);
    expect(choice).toEqual({
      bucket: null,
      refused: {
        DAY: "costs 24,172 over this range with a segment, above the API's limit of 10,000",
        WEEK: "costs 17,308 over this range with a segment, above the API's limit of 10,000",
        MONTH: "costs 16,428 over this range with a segment, above the API's limit of 10,000",
      },
      note: "Not shown: by week costs 17,308 over this range with a segment, above the API's limit of 10,000, and so does every coarser bucket. Pick a shorter range or no segment.",
    });
    // 220 days with a segment: by week (33 buckets) 11 × (440 + 33) × 2 + 82 = 10,488, by month (8) 9,938.
    const seven = { from: '2026-04-19', to: '2026-11-24' };
    expect(chooseBucket(seven, 'WEEK', segment)).toMatchObject({
      bucket: 'MONTH',
      note: "Shown by month: by week costs 10,488 over this range with a segment, above the API's limit of 10,000.",
    });
  });

  it('keeps what the API takes', () => {
    expect(chooseBucket(quarter, 'DAY', none)).toEqual({ bucket: 'DAY', refused: {}, note: null });
    expect(chooseBucket(quarter, 'WEEK', segment)).toEqual({ bucket: 'WEEK', refused: {}, note: null });
    // A key with a higher limit (the API tells it) gets the finer bucket.
    expect(chooseBucket(year, 'DAY', none, 40_000)).toEqual({ bucket: 'DAY', refused: {}, note: null });
  });
});
