import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketEnd, niceTicks, partialReason, previousRange } from '../chart-scale';

describe('a readable trend chart', () => {
  it('ticks round numbers from zero past the highest value', () => {
    expect(niceTicks([3, 7, 4])).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks([0.12, 0.31])).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks([120, 950])).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks([-0.2, 0.5])).toEqual([-0.2, 0, 0.2, 0.4, 0.6]);
    expect(niceTicks([null, 0])).toEqual([0, 1]);
    // Counts: whole ticks only.
    expect(niceTicks([1, 2, 1], 4, true)).toEqual([0, 1, 2]);
    expect(niceTicks([3, 7, 4], 4, true)).toEqual([0, 2, 4, 6, 8]);
  });

  it('always covers every value with evenly spaced ticks', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }), (values) => {
        const ticks = niceTicks(values);
        // Within a millionth of a step (ticks are rounded to twelve significant digits).
        const slack = (ticks[1] - ticks[0]) * 1e-6;
        expect(ticks[0]).toBeLessThanOrEqual(Math.min(0, ...values) + slack);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(Math.max(0, ...values) - slack);
        expect(ticks.length).toBeLessThanOrEqual(12);
      }),
    );
  });

  it('compares a range with the same number of days just before it', () => {
    expect(previousRange({ from: '2026-01-01', to: '2026-03-31' })).toEqual({ from: '2025-10-03', to: '2025-12-31' });
    expect(previousRange({ from: '2026-03-01', to: '2026-03-01' })).toEqual({ from: '2026-02-28', to: '2026-02-28' });
  });

  it('ends a bucket on the next calendar day, week or month', () => {
    expect(bucketEnd('2026-02-28', 'DAY')).toBe('2026-03-01');
    expect(bucketEnd('2025-12-29', 'WEEK')).toBe('2026-01-05');
    expect(bucketEnd('2025-12-01', 'MONTH')).toBe('2026-01-01');
  });

  it('marks the current bucket and buckets cut by the range as partial', () => {
    const q1 = { from: '2026-01-01', to: '2026-03-31' };
    expect(partialReason('2026-02-01', 'MONTH', q1, '2026-12-06')).toBeNull();
    // The range runs to today, in the middle of March.
    expect(partialReason('2026-03-01', 'MONTH', { from: '2026-01-01', to: '2026-03-15' }, '2026-03-15')).toBe(
      'partial: the current month, up to 2026-03-15',
    );
    // A week keyed by Monday 2025-12-29 holds only Jan 1–4 of the range; the last week is cut on Tuesday the 31st.
    expect(partialReason('2025-12-29', 'WEEK', q1, '2026-12-06')).toBe("partial: from 2026-01-01, the range's first day");
    expect(partialReason('2026-03-30', 'WEEK', q1, '2026-12-06')).toBe("partial: to 2026-03-31, the range's last day");
    expect(partialReason('2026-03-31', 'DAY', q1, '2026-12-06')).toBeNull();
  });
});
