import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decimalOfNumber, formatTenThousandths } from '../../../core/money';
import {
  checkAmount,
  checkCampaignKey,
  checkChannel,
  checkDay,
  mutationSpendNamer,
  validateCampaign,
  validateSpend,
} from '../campaign-validation';

describe('campaign keys', () => {
  it('accepts any storable text of 1–256 characters, trimmed and case kept, like a touchpoint campaign', () => {
    expect(checkCampaignKey('  Black-Friday 2026 ✨ ')).toEqual({ ok: true, value: 'Black-Friday 2026 ✨' });
    expect(checkCampaignKey('x'.repeat(256))).toEqual({ ok: true, value: 'x'.repeat(256) });
  });

  it.each([
    ['', 'is required (the text your touchpoints carry in `campaign`)'],
    ['   ', 'is required (the text your touchpoints carry in `campaign`)'],
    ['x'.repeat(257), 'must be at most 256 characters'],
    ['a\u0000b', 'contains a NUL character (\\u0000), which cannot be stored'],
    ['a\uD800', 'contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode'],
    [42, 'must be text, got 42'],
  ])('refuses %p', (key, problem) => {
    expect(checkCampaignKey(key)).toEqual({ ok: false, problem });
  });
});

describe('channels', () => {
  it('accepts lowercase snake_case up to 64 characters, like a touchpoint channel', () => {
    expect(checkChannel(' paid_search ')).toEqual({ ok: true, value: 'paid_search' });
    expect(checkChannel(`a${'b'.repeat(63)}`)).toEqual({ ok: true, value: `a${'b'.repeat(63)}` });
  });

  it.each(['Email', 'paid-search', '1st', '', `a${'b'.repeat(64)}`])('refuses %p', (channel) => {
    expect(checkChannel(channel)).toEqual({
      ok: false,
      problem: `${JSON.stringify(channel.length > 40 ? channel.slice(0, 40) : channel)}${channel.length > 40 ? '…' : ''} must be lowercase snake_case (letters, digits, _), starting with a letter, at most 64 characters`,
    });
  });
});

describe('days', () => {
  it.each(['2026-11-28', '0001-01-01', '9999-12-31', '2024-02-29', '2000-02-29', ' 2026-01-05 '])('accepts %p', (day) => {
    expect(checkDay(day)).toEqual({ ok: true, value: day.trim() });
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '0000-01-01',
    '10000-01-01',
    '2026-1-5',
    '28/11/2026',
    '2026-11-28T00:00:00Z',
    '',
  ])('refuses %p', (day) => {
    expect(checkDay(day)).toEqual({
      ok: false,
      problem: `${JSON.stringify(day)} is not a date; write YYYY-MM-DD, a real day in the years 0001–9999`,
    });
  });
});

describe('amounts', () => {
  it.each([
    ['1234.5', 12_345_000n, '1234.5000'],
    ['0', 0n, '0.0000'],
    ['-0', 0n, '0.0000'],
    ['007.25', 72_500n, '7.2500'],
    ['0.0001', 1n, '0.0001'],
    ['12.340000', 123_400n, '12.3400'],
    ['999999999999999.9999', 9_999_999_999_999_999_999n, '999999999999999.9999'],
    [' 10 ', 100_000n, '10.0000'],
    [0.1, 1_000n, '0.1000'],
    [49.9, 499_000n, '49.9000'],
    [1e14, 1_000_000_000_000_000_000n, '100000000000000.0000'],
  ])('reads %p as %p ten-thousandths (%s)', (value, units, text) => {
    expect(checkAmount(value)).toEqual({ ok: true, value: { units, text } });
  });

  it.each([
    ['abc', 'not a number: "abc"; write a plain decimal like 1234.50'],
    ['1e309', 'not a number: "1e309"; write a plain decimal like 1234.50'],
    ['1,234.50', 'not a number: "1,234.50"; write a plain decimal like 1234.50'],
    ['12.', 'not a number: "12."; write a plain decimal like 1234.50'],
    ['NaN', 'not a number: "NaN"; write a plain decimal like 1234.50'],
    ['', 'is required (a decimal like 1234.50)'],
    ['-5', 'must not be negative, got "-5"'],
    ['-0.0001', 'must not be negative, got "-0.0001"'],
    ['1.23456', 'has more than 4 decimal places: "1.23456"'],
    ['1000000000000000', 'must be less than 10^15, got "1000000000000000"'],
    ['99999999999999999999999999999999999999999999', 'must be less than 10^15, got "9999999999999999999999999999999999999999"…'],
    [-5, 'must not be negative, got -5'],
    [1e15, 'must be less than 10^15, got 1000000000000000'],
    [1e300, 'must be less than 10^15, got 1e+300'],
    [Infinity, 'not a number: Infinity'],
    [NaN, 'not a number: NaN'],
    [0.1 + 0.2, 'has more than 4 decimal places: 0.30000000000000004'],
    [1e-7, 'has more than 4 decimal places: 1e-7'],
    [true, 'not a number: true'],
    [null, 'not a number: null'],
  ])('refuses %p: %s', (value, problem) => {
    expect(checkAmount(value)).toEqual({ ok: false, problem });
  });

  it('takes any number of at most 4 decimals below 10^15 exactly as the decimal it prints as', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n * 10_000n - 1n }), (units) => {
        const text = `${units / 10_000n}.${String(units % 10_000n).padStart(4, '0')}`;
        expect(checkAmount(text)).toEqual({ ok: true, value: { units, text } });
      }),
      { numRuns: 500 },
    );
  });

  const INEXACT = (sent: string) =>
    `${sent} has more than 15 significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send it as a decimal string like "12345678901234.5678"`;

  it.each([
    // 15 significant digits: exact as a number, up to the limit.
    [12_345_678_901_234, '12345678901234.0000'],
    [99_999_999_999_999.9, '99999999999999.9000'],
    [999_999_999_999_999, '999999999999999.0000'],
    [12_345_678_901.2345, '12345678901.2345'],
    // Any amount as a string, exactly.
    ['12345678901234.5678', '12345678901234.5678'],
    ['999999999999999.9999', '999999999999999.9999'],
  ])('takes %p exactly as %s (at the limit of what each form carries)', (value, text) => {
    expect(checkAmount(value)).toEqual({ ok: true, value: { units: BigInt(text.replace('.', '')), text } });
  });

  it.each([
    [12_345_678_901_234.56, '12345678901234.56'],
    [10_000_000_000_000.12, '10000000000000.12'],
    [123_456_789_012.3456, '123456789012.3456'],
    [900_719_925_474.0991, '900719925474.0991'],
  ])('refuses the number %p, whose digits a JSON number does not carry exactly', (value, sent) => {
    expect(checkAmount(value)).toEqual({ ok: false, problem: INEXACT(sent) });
  });

  it('takes a number of at most 15 significant digits exactly as sent and refuses one that shows more (property over amounts at and beyond the limits)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n * 10_000n - 1n }), (units) => {
        const text = formatTenThousandths(units);
        const checked = checkAmount(Number(text));
        const significant = text.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
        if (significant <= 15) expect(checked).toEqual({ ok: true, value: { units, text } });
        // More digits than a double carries: refused, unless the number that arrived is itself a decimal of at most
        // 15 digits (the sent digits were gone before clm saw them); then exactly that decimal.
        else if (checked.ok) expect(checked).toEqual(checkAmount(decimalOfNumber(Number(text))));
        else expect(checked.problem).toMatch(/has more than (15 significant digits|4 decimal places)|must be less than 10\^15/);
      }),
      { numRuns: 5000 },
    );
  });

  it('answers any string or number with a value or a sentence, never by throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.double(), fc.stringMatching(/^-?\d{0,20}(\.\d{0,8})?$/)),
        (value) => {
          const checked = checkAmount(value);
          if (checked.ok) expect(checked.value.units >= 0n && checked.value.units < 10n ** 19n).toBe(true);
          else expect(checked.problem.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('validateSpend', () => {
  it('returns every row, normalised, when all are valid', () => {
    expect(
      validateSpend(
        [
          { campaign: ' bf ', day: '2026-11-27', amount: '100.5' },
          { campaign: 'bf', day: '2026-11-28', amount: 0 },
        ],
        mutationSpendNamer,
      ),
    ).toEqual({
      rows: [
        { index: 0, campaign: 'bf', day: '2026-11-27', amount: { units: 1_005_000n, text: '100.5000' } },
        { index: 1, campaign: 'bf', day: '2026-11-28', amount: { units: 0n, text: '0.0000' } },
      ],
    });
  });

  it('names every bad field of every row, and a campaign and day given twice', () => {
    expect(
      validateSpend(
        [
          { campaign: 'bf', day: '2026-11-27', amount: '10' },
          { campaign: '', day: '2026-02-30', amount: '-1' },
          { campaign: 'bf', day: '2026-11-28', amount: '10' },
          { campaign: ' bf', day: '2026-11-27', amount: '20' },
        ],
        mutationSpendNamer,
      ),
    ).toEqual({
      issues: [
        { index: 1, path: 'spend[1].campaign', message: 'spend[1].campaign: is required (the text your touchpoints carry in `campaign`)' },
        {
          index: 1,
          path: 'spend[1].day',
          message: 'spend[1].day: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
        },
        { index: 1, path: 'spend[1].amount', message: 'spend[1].amount: must not be negative, got "-1"' },
        { index: 3, path: 'spend[3]', message: 'spend[3]: the same campaign and day as spend[0]; give each campaign and day once' },
      ],
    });
  });
});

describe('validateCampaign', () => {
  const good = { key: 'bf-2026', name: 'Black Friday', channel: 'email', startsOn: '2026-11-20', endsOn: '2026-11-30' };

  it('accepts a campaign, open-ended or ending on its first day', () => {
    expect(validateCampaign({ ...good, endsOn: null }, 'input')).toEqual({ campaign: { ...good, endsOn: null } });
    expect(validateCampaign({ ...good, endsOn: '2026-11-20' }, 'input')).toEqual({ campaign: { ...good, endsOn: '2026-11-20' } });
  });

  it('names every bad field', () => {
    expect(validateCampaign({ key: ' ', name: 'a\u0000', channel: 'E-mail', startsOn: '2026-02-30', endsOn: 'soon' }, 'input')).toEqual({
      issues: [
        { path: 'input.key', message: 'input.key: is required (the text your touchpoints carry in `campaign`)' },
        { path: 'input.name', message: 'input.name: contains a NUL character (\\u0000), which cannot be stored' },
        {
          path: 'input.channel',
          message:
            'input.channel: "E-mail" must be lowercase snake_case (letters, digits, _), starting with a letter, at most 64 characters',
        },
        {
          path: 'input.startsOn',
          message: 'input.startsOn: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
        },
        { path: 'input.endsOn', message: 'input.endsOn: "soon" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999' },
      ],
    });
  });

  it('refuses an end before the start, on endsOn', () => {
    expect(validateCampaign({ ...good, endsOn: '2026-11-19' }, 'input')).toEqual({
      issues: [
        {
          path: 'input.endsOn',
          message: 'input.endsOn: 2026-11-19 is before startsOn 2026-11-20; a campaign ends on or after its start',
        },
      ],
    });
  });
});
