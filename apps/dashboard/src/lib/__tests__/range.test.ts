import { describe, expect, it } from 'vitest';
import { parseRange, rangeInstants } from '../range';

const today = new Date('2026-11-24T15:00:00Z');

describe('the range in the URL', () => {
  it('reads a preset as the days up to today (UTC), both ends included', () => {
    expect(parseRange('7d', '90d', today)).toEqual({ key: '7d', range: { from: '2026-11-18', to: '2026-11-24' } });
    expect(parseRange('30d', '90d', today)).toEqual({ key: '30d', range: { from: '2026-10-26', to: '2026-11-24' } });
    expect(parseRange('365d', '90d', today)).toEqual({ key: '365d', range: { from: '2025-11-25', to: '2026-11-24' } });
  });

  it('reads two days as a custom range', () => {
    expect(parseRange('2026-01-01..2026-01-31', '90d', today)).toEqual({
      key: '2026-01-01..2026-01-31',
      range: { from: '2026-01-01', to: '2026-01-31' },
    });
  });

  it('falls back for a missing, impossible, reversed or unknown range', () => {
    const fallback = { key: '90d', range: { from: '2026-08-27', to: '2026-11-24' } };
    expect(parseRange(null, '90d', today)).toEqual(fallback);
    expect(parseRange('2026-02-30..2026-03-01', '90d', today)).toEqual(fallback);
    expect(parseRange('2026-03-01..2026-01-01', '90d', today)).toEqual(fallback);
    expect(parseRange('last week', '90d', today)).toEqual(fallback);
    expect(parseRange('junk', 'junk', today)).toEqual({ key: '30d', range: { from: '2026-10-26', to: '2026-11-24' } });
  });

  it('turns a day range into the half-open instants the API takes', () => {
    expect(rangeInstants({ from: '2026-11-01', to: '2026-11-30' })).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
    });
  });
});
