import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { NumericRangeError, hyp2f1, log1mExp, logAddExp, logHyp2f1UnitShift } from '../special-functions';
import { integrateUnit } from './quadrature';

function relativeError(received: number, expected: number): number {
  return Math.abs(received - expected) / Math.abs(expected);
}

/** 2F1(a, b; a + 1; z) = a ∫₀¹ t^(a−1) (1 − z t)^(−b) dt, with u = t^a: ∫₀¹ (1 − z u^(1/a))^(−b) du. */
function unitShiftByQuadrature(a: number, b: number, z: number): number {
  return integrateUnit((u) => Math.pow(1 - z * Math.pow(u, 1 / a), -b));
}

describe('hyp2f1', () => {
  it('equals the elementary closed forms of Abramowitz & Stegun 15.1.3–15.1.8 for z in (−1, 1)', () => {
    for (const z of [-0.95, -0.5, -0.1, 0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 12); // 15.1.3
      expect(relativeError(hyp2f1(2.5, 0.7, 0.7, z), Math.pow(1 - z, -2.5))).toBeLessThan(1e-13); // 15.1.8
    }
    for (const w of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(0.5, 1, 1.5, w * w)).toBeCloseTo(Math.atanh(w) / w, 12); // 15.1.4
      expect(hyp2f1(0.5, 1, 1.5, -w * w)).toBeCloseTo(Math.atan(w) / w, 12); // 15.1.5
      expect(hyp2f1(0.5, 0.5, 1.5, w * w)).toBeCloseTo(Math.asin(w) / w, 12); // 15.1.6
    }
  });

  it('is a polynomial when a is a negative integer', () => {
    // 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
    const [b, c, z] = [3, 4, 0.7];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 14);
  });

  it('agrees with its Euler integral for the Pareto/NBD parameters, z < 0 included', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 30, noNaN: true }),
        fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.double({ min: -3, max: 0.8, noNaN: true }),
        (a, b, z) => {
          const expected = unitShiftByQuadrature(a, b, z);
          // The quadrature is the less exact side: its integrand is steep near u = 1 when a is small and b large
          // (a = 0.2, b = 14.74, z = 0.8 puts it 1.0000003e-8 off the true value, where hyp2f1 is 4e-15 off).
          expect(Math.abs(hyp2f1(a, b, a + 1, z) - expected)).toBeLessThanOrEqual(1e-6 * expected);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('matches a 30-digit value where the quadrature above is least exact', () => {
    // mpmath.hyp2f1(0.2, 14.73881870452362, 1.2, 0.7999999999415576) with mp.dps = 30.
    expect(relativeError(hyp2f1(0.2, 14.73881870452362, 1.2, 0.7999999999415576), 74140277.06565244)).toBeLessThan(1e-13);
  });

  it('refuses z ≥ 1, c a non-positive integer and non-finite arguments with a NumericRangeError naming them', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(new NumericRangeError('hyp2f1 is computed for z < 1, got z = 1'));
    expect(() => hyp2f1(1, 1, -3, 0.5)).toThrow(new NumericRangeError('hyp2f1 is undefined for c = -3 (0 or a negative integer)'));
    fc.assert(
      fc.property(fc.constantFrom(NaN, Infinity, -Infinity), fc.integer({ min: 0, max: 3 }), (bad, position) => {
        const args: [number, number, number, number] = [1, 2, 3, 0.5];
        args[position] = bad;
        expect(() => hyp2f1(...args)).toThrow(NumericRangeError);
        expect(() => hyp2f1(...args)).toThrow(`${'abcz'[position]} must be a finite number`);
      }),
    );
  });
});

describe('logHyp2f1UnitShift', () => {
  it('is the logarithm of hyp2f1(a, b; a + 1; z) wherever both are computed', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 60, noNaN: true }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0, max: 0.95, noNaN: true }),
        (a, bFraction, z) => {
          const b = bFraction * (a + 1);
          expect(logHyp2f1UnitShift(a, b, z)).toBeCloseTo(Math.log(hyp2f1(a, b, a + 1, z)), 9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays finite and exact where 2F1 itself overflows (a customer with 600 repeat purchases)', () => {
    // b (1 − z)^… : with b = 600 and z = 0.9, 2F1 is about 10^600 — beyond a double — but its log is not.
    const a = 600.9;
    const b = 600.3;
    const z = 0.9;
    expect(() => hyp2f1(a, b, a + 1, z)).not.toThrow();
    expect(hyp2f1(a, b, a + 1, z)).toBe(Infinity);
    const log = logHyp2f1UnitShift(a, b, z);
    // (1 − b) log(1 − z) = 599.3 · log 10 ≈ 1379.94; the remaining series sums to between 1 and 10.
    expect(log).toBeGreaterThan(-599.3 * Math.log(0.1));
    expect(log).toBeLessThan(-599.3 * Math.log(0.1) + Math.log(10));
    // The remaining series 2F1(1, a + 1 − b; a + 1; z) = 2F1(1, 1.6; 601.9; 0.9) by its own terms.
    let term = 1;
    let sum = 1;
    for (let n = 0; n < 2000; n++) {
      term *= ((1.6 + n) / (601.9 + n)) * z;
      sum += term;
    }
    expect(log).toBeCloseTo(-599.3 * Math.log(0.1) + Math.log(sum), 9);
  });

  it('refuses arguments outside its domain, naming them', () => {
    expect(() => logHyp2f1UnitShift(0, 1, 0.5)).toThrow('needs a > 0, got a = 0');
    expect(() => logHyp2f1UnitShift(1, 2.5, 0.5)).toThrow('needs 0 < b < a + 1, got a = 1, b = 2.5');
    expect(() => logHyp2f1UnitShift(1, 1, 1)).toThrow('needs 0 ≤ z < 1, got z = 1');
    expect(() => logHyp2f1UnitShift(1, NaN, 0.5)).toThrow('b must be a finite number, got NaN');
  });
});

describe('log-space helpers', () => {
  it('logAddExp adds in log space without overflow', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 15);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logAddExp(-Infinity, 4)).toBe(4);
  });

  it('log1mExp is accurate near 0 and far below it', () => {
    expect(log1mExp(-1e-20)).toBeCloseTo(Math.log(1e-20), 12);
    expect(log1mExp(-50)).toBeCloseTo(-Math.exp(-50), 30);
    expect(log1mExp(-Math.LN2)).toBeCloseTo(-Math.LN2, 15);
    expect(() => log1mExp(0.1)).toThrow(NumericRangeError);
  });
});
