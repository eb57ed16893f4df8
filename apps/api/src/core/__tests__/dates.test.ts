import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isStorableDate, parseIsoDateTime, storableDate } from '../dates';

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-02-30T00:00:00Z', 'February 30'],
    ['2026-02-29T00:00:00Z', 'February 29 of a common year'],
    ['1900-02-29T00:00:00Z', 'February 29 of a century that is not a leap year'],
    ['2026-04-31T00:00:00Z', 'April 31'],
    ['2026-13-01T00:00:00Z', 'month 13'],
    ['2026-00-10T00:00:00Z', 'month 0'],
    ['2026-01-00T00:00:00Z', 'day 0'],
    ['2026-01-01T24:00:00Z', 'hour 24'],
    ['2026-01-01T12:60:00Z', 'minute 60'],
    ['2026-01-01T12:00:60Z', 'second 60'],
    ['0000-01-01T00:00:00Z', 'year 0000 (PostgreSQL has no year 0)'],
    ['2026-01-01T00:00:00', 'no time zone'],
    ['2026-01-01', 'no time'],
    ['yesterday', 'words'],
  ])('refuses %s (%s)', (text) => {
    expect(parseIsoDateTime(text)).toBeNull();
  });

  it.each([
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T00:00:00+01:00', '2000-02-28T23:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['2026-03-01T12:00:00.123456789-0530', '2026-03-01T17:30:00.123Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseIsoDateTime(text)?.toISOString()).toBe(iso);
  });

  it('reads back every instant of years 0001–9999 that it writes as ISO 8601', () => {
    const instants = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instants, (date) => {
        expect(parseIsoDateTime(date.toISOString())?.getTime()).toBe(date.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const parsed = parseIsoDateTime(text);
        expect(parsed === null || isStorableDate(parsed)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('storableDate', () => {
  it('refuses a DateTime argument outside years 0001–9999, naming the field', () => {
    expect(() => storableDate(new Date('0000-06-01T00:00:00Z'), 'asOf')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: 'asOf: must be a date between the years 0001 and 9999' }),
    );
    expect(() => storableDate(new Date(Number.NaN), 'filter.seenSince')).toThrow(
      'filter.seenSince: must be a date between the years 0001 and 9999',
    );
    expect(storableDate(new Date('2026-01-01T00:00:00Z'), 'asOf').toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});
