import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatTenThousandths, toTenThousandths } from '../money';

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

  it('writes what toFixed(4) writes, for any amount a touchpoint accepts', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e15 + 1, max: 1e15 - 1, noNaN: true }), (value) => {
        const expected = value.toFixed(4).replace(/^-(0\.0000)$/, '$1');
        expect(formatTenThousandths(toTenThousandths(value))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
