import { describe, expect, it } from 'vitest';
import { parseRange, rangeInstants, rangeLabel } from '../range';

const today = new Date('2026-11-24T15:00:00Z');

describe('the range in the URL', () => {
  it('reads a preset as the days up to today (UTC), both ends included', () => {
    expect(parseRange('7d', '90d', today)).toEqual({ key: '7d', range: { from: '2026-11-18', to: '2026-11-24' }, problem: null });
    expect(parseRange('30d', '90d', today)).toEqual({ key: '30d', range: { from: '2026-10-26', to: '2026-11-24' }, problem: null });
    expect(parseRange('365d', '90d', today)).toEqual({ key: '365d', range: { from: '2025-11-25', to: '2026-11-24' }, problem: null });
  });

  it('reads two days as a custom range', () => {
    expect(parseRange('2026-01-01..2026-01-31', '90d', today)).toEqual({
      key: '2026-01-01..2026-01-31',
      range: { from: '2026-01-01', to: '2026-01-31' },
      problem: null,
    });
  });

  it('falls back for a missing range, silently', () => {
    expect(parseRange(null, '90d', today)).toEqual({ key: '90d', range: { from: '2026-08-27', to: '2026-11-24' }, problem: null });
  });

  it('falls back for an impossible, reversed or unknown range, and says why', () => {
    const fallback = { key: '90d', range: { from: '2026-08-27', to: '2026-11-24' } };
    const notARange = (text: string) => `"${text}" is not a range (a preset such as 30d, or YYYY-MM-DD..YYYY-MM-DD)`;
    expect(parseRange('2026-02-30..2026-03-01', '90d', today)).toEqual({ ...fallback, problem: notARange('2026-02-30..2026-03-01') });
    expect(parseRange('2026-03-01..2026-01-01', '90d', today)).toEqual({
      ...fallback,
      problem: '"2026-03-01..2026-01-01" ends before it starts',
    });
    expect(parseRange('last week', '90d', today)).toEqual({ ...fallback, problem: notARange('last week') });
    expect(parseRange('junk', 'junk', today)).toEqual({
      key: '30d',
      range: { from: '2026-10-26', to: '2026-11-24' },
      problem: notARange('junk'),
    });
  });

  it('labels a preset by name and a custom range by its days', () => {
    expect(rangeLabel('90d', { from: '2026-08-27', to: '2026-11-24' })).toBe('Last 90 days');
    expect(rangeLabel('2026-01-01..2026-01-31', { from: '2026-01-01', to: '2026-01-31' })).toBe('2026-01-01 to 2026-01-31');
  });

  it('turns a day range into the half-open instants the API takes', () => {
    expect(rangeInstants({ from: '2026-11-01', to: '2026-11-30' })).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
    });
  });
});
