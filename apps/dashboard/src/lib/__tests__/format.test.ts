import { describe, expect, it } from 'vitest';
import {
  formatChange,
  formatCount,
  formatDateTime,
  formatDecimal,
  formatDuration,
  formatElapsed,
  formatJsonValue,
  formatMoney,
  formatPercent,
  formatShare,
  plural,
  stageName,
} from '../format';

describe('the formats', () => {
  it('writes counts, decimals, shares and money the en-US way', () => {
    expect(formatCount(1204)).toBe('1,204');
    expect(formatDecimal(12.34)).toBe('12.3');
    expect(formatPercent(0.125)).toBe('12.5%');
    expect(formatShare(3, 8)).toBe('37.5%');
    expect(formatMoney(1234.5)).toBe('1,234.50');
    expect(formatMoney('75.5')).toBe('75.50');
  });

  it('shows a dash for every missing or unreadable value', () => {
    expect([formatCount(null), formatDecimal(undefined), formatPercent(Number.NaN), formatMoney(''), formatMoney('abc')]).toEqual([
      '—',
      '—',
      '—',
      '—',
      '—',
    ]);
    expect(formatShare(1, 0)).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
  });

  it('signs a change against the previous period, in points for NPS', () => {
    expect(formatChange(0.12)).toBe('+12%');
    expect(formatChange(-0.034)).toBe('-3.4%');
    expect(formatChange(0)).toBe('0%');
    expect(formatChange(3, true)).toBe('+3 pts');
    expect(formatChange(null)).toBe('—');
  });

  it('counts things in words', () => {
    expect(plural(1, 'customer')).toBe('1 customer');
    expect(plural(1204, 'customer')).toBe('1,204 customers');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('writes a duration in its largest sensible unit', () => {
    expect(formatDuration(45.4)).toBe('45 s');
    expect(formatDuration(720)).toBe('12 min');
    expect(formatDuration(19_800)).toBe('5.5 h');
    expect(formatDuration(86_400)).toBe('1 day');
    expect(formatDuration(276_480)).toBe('3.2 days');
  });

  it('writes times in UTC and elapsed time in whole units', () => {
    expect(formatDateTime('2026-11-24T10:05:00Z')).toBe('24 Nov 2026, 10:05 UTC');
    const since = '2026-11-24T10:00:00Z';
    const at = (iso: string) => formatElapsed(since, Date.parse(iso));
    expect(at('2026-11-24T10:00:30Z')).toBe('under a minute');
    expect(at('2026-11-24T10:05:00Z')).toBe('5 minutes');
    expect(at('2026-11-26T09:00:00Z')).toBe('47 hours');
    expect(at('2026-11-26T11:00:00Z')).toBe('2 days');
  });

  it("names a stage by the model's name, the off-path states by theirs, else by its key", () => {
    const stages = [{ key: 'acquisition', name: 'Acquisition' }];
    expect(stageName('acquisition', stages)).toBe('Acquisition');
    expect(stageName('at-risk', stages)).toBe('At risk');
    expect(stageName('churned', stages)).toBe('Churned');
    expect(stageName('loyalty', stages)).toBe('loyalty');
    expect(stageName(null, stages)).toBe('—');
  });

  it('writes a JSON attribute as one short line', () => {
    expect(formatJsonValue({ plan: 'pro', seats: 5 })).toBe('{"plan":"pro","seats":5}');
    expect(formatJsonValue('pro')).toBe('pro');
    expect(formatJsonValue(null)).toBe('—');
  });
});
