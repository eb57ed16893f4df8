import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decimalOfNumber, formatTenThousandths, toTenThousandths } from '../money';

describe('amounts in ten-thousandths', () => {
  it.each([
    [0, 0n, '0.0000'],
    [12.34, 123_400n, '12.3400'],
    [-0.5, -5_000n, '-0.5000'],
    [0.00004, 0n, '0.0000'],
    [0.00005, 1n, '0.0001'],
    [999_999_999_999_999.5, 9_999_999_999_999_995_000n, '999999999999999.5000'],
  ])('reads %p as %p and writes it back as %s', (value, units, text) => {
    expect(toTenThousandths(value)).toBe(units);
    expect(formatTenThousandths(units)).toBe(text);
  });

  it('sums exactly where doubles drift: 14 × 999,999,999,999,999.5', () => {
    const units = Array.from({ length: 14 }, () => toTenThousandths(999_999_999_999_999.5)).reduce((total, next) => total + next, 0n);
    expect(formatTenThousandths(units)).toBe('13999999999999993.0000');
  });

  // Below 2^39 a double is within half a ten-thousandth of the decimal it stands for; beyond, toFixed(4) shows digits of
  // its binary expansion that were never sent (99999999999999.9 → 99999999999999.9062), see the next property.
  it('writes what toFixed(4) writes, for any amount below 2^39', () => {
    fc.assert(
      fc.property(fc.double({ min: -(2 ** 39) + 1, max: 2 ** 39 - 1, noNaN: true }), (value) => {
        const expected = value.toFixed(4).replace(/^-(0\.0000)$/, '$1');
        expect(formatTenThousandths(toTenThousandths(value))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('amounts from 2^39 to 10^15', () => {
  it.each([
    [99_999_999_999_999.9, 999_999_999_999_999_000n],
    [12_345_678_901_234.5, 123_456_789_012_345_000n],
    [-900_719_925_474.0991, -9_007_199_254_740_991n],
  ])('reads %p as the decimal it stands for, %p ten-thousandths, not its binary expansion', (value, units) => {
    expect(toTenThousandths(value)).toBe(units);
  });

  it('reads any amount of at most 15 significant digits and 4 places as exactly that decimal, at any magnitude', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 4 }), (digits, scale) => {
        const units = digits * 10n ** BigInt(4 - scale);
        expect(toTenThousandths(Number(formatTenThousandths(units)))).toBe(units);
      }),
      { numRuns: 5000 },
    );
  });
});

/** A decimal's text from its digits and scale, without superfluous zeros (`-120.5`, `0.003`, `7`). */
function decimalText(units: bigint, scale: number): string {
  const magnitude = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - scale);
  const fraction = magnitude.slice(magnitude.length - scale).replace(/0+$/, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return units < 0n && text !== '0' ? `-${text}` : text;
}

describe('the decimal a JSON number stands for', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [49.9, '49.9'],
    [-0.0001, '-0.0001'],
    [1e-7, '0.0000001'],
    [1e21, '1000000000000000000000'],
    [12_345_678_901_234, '12345678901234'],
    [99_999_999_999_999.9, '99999999999999.9'],
    [999_999_999_999_999, '999999999999999'],
  ])('reads %p as %s', (value, text) => {
    expect(decimalOfNumber(value)).toBe(text);
  });

  it.each([
    [Number('12345678901234.567')],
    [10_000_000_000_000.12],
    [Number('9007199254740993')],
    [0.30000000000000004],
    [Number.NaN],
    [Infinity],
  ])('gives up on %p (more than 15 significant digits, or not a number)', (value) => {
    expect(decimalOfNumber(value)).toBeNull();
  });

  it('gives back every decimal of at most 15 significant digits exactly, at any scale', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 20 }), (units, scale) => {
        const text = decimalText(units, scale);
        expect(decimalOfNumber(Number(text))).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });

  it('for any double, answers a decimal that reads back as that double, with at most 15 significant digits, or nothing', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        const text = decimalOfNumber(value);
        if (text === null) return;
        expect(Number(text)).toBe(value === 0 ? 0 : value);
        expect(text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length).toBeLessThanOrEqual(15);
      }),
      { numRuns: 5000 },
    );
  });
});
