import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BG_NBD, MBG_NBD } from '../bg-nbd';
import { predictedClv } from '../clv';
import type { CountModel } from '../count-model';
import { expectedAverageSpend, gammaGammaLogLikelihood } from '../gamma-gamma';
import { PARETO_NBD } from '../pareto-nbd';
import { logBeta, logGamma } from '../special-functions';
import type { PurchaseSummary } from '../summary';
import { integrate, integrateUnit } from './quadrature';

/*
 * Each closed form checked against an independent route to the same
 * number: the definitions as integrals over the posterior, computed by
 * quadrature, or the arithmetic written out.
 */

function relativeError(received: number, expected: number): number {
  return Math.abs(received - expected) / Math.abs(expected);
}

const positive = (min: number, max: number) => fc.double({ min, max, noNaN: true });

/** A customer: T in [1, 100], tx in [T/100, T] when x > 0 and 0 when x = 0. */
const customers = fc
  .tuple(fc.integer({ min: 0, max: 40 }), positive(1, 100), fc.double({ min: 0.01, max: 1, noNaN: true }))
  .map(([x, T, share]): PurchaseSummary => ({ x, T, tx: x === 0 ? 0 : share * T }));

/** E[g(p)] for p ~ Beta(a, b) (b ≥ 1), with p = u^(1/a) so the density's p^(a−1) disappears. */
function betaExpectation(g: (p: number) => number, a: number, b: number): number {
  const scale = Math.exp(-logBeta(a, b)) / a;
  return (
    scale *
    integrateUnit((u) => {
      const p = Math.pow(u, 1 / a);
      return g(p) * Math.pow(1 - p, b - 1);
    })
  );
}

describe.each([
  ['BG_NBD', BG_NBD, 0],
  ['MBG_NBD', MBG_NBD, 1],
] as const)('%s', (_name, model: CountModel, extraFlip) => {
  // b ≥ 2 keeps the posterior density (1 − p)^(b+x−1) smooth at p = 1, where the quadrature is not graded.
  const params = fc.tuple(positive(0.1, 5), positive(0.5, 50), positive(0.1, 5), positive(2, 10));

  it('P(alive at T + m) is P(alive) · E[exp(−λ p m)] under the posterior given alive', () => {
    fc.assert(
      fc.property(params, customers, positive(0.1, 200), ([r, alpha, a, b], customer, m) => {
        const { x, T } = customer;
        const alive = model.pAlive([r, alpha, a, b], customer);
        // The reference quadrature is not graded near p = 0: where its integrand falls steeply there ((r + x) · m / (α + T)
        // in the thousands, e.g. x = 36, m = 175, α + T = 1.5) it is 1e-4 off, while the closed form agrees with a
        // 40-digit quadrature to 1e-7 (x = 40, t_x = 0.01, m = 200). Those cases are left to that check, done by hand.
        fc.pre(((r + x) * m) / (alpha + T) < 300);
        const survive = betaExpectation((p) => Math.pow(1 + (p * m) / (alpha + T), -(r + x)), a, b + x + extraFlip);
        expect(relativeError(model.pAliveAt([r, alpha, a, b], customer, m), alive * survive)).toBeLessThan(1e-5);
      }),
      { numRuns: 25 },
    );
  });

  it('expected purchases in t are P(alive) · E[(1 − exp(−λ p t)) / p] under the posterior given alive', () => {
    fc.assert(
      fc.property(params, customers, positive(0.1, 200), ([r, alpha, a, b], customer, t) => {
        const { x, T } = customer;
        // 1 − (1 + p t/(α+T))^−(r+x) as −expm1(−(r+x) log1p(…)): p is as small as 1e-300 at the nodes near 0.
        const perAlive = betaExpectation((p) => -Math.expm1(-(r + x) * Math.log1p((p * t) / (alpha + T))) / p, a, b + x + extraFlip);
        const expected = model.pAlive([r, alpha, a, b], customer) * perAlive;
        expect(relativeError(model.expectedPurchases([r, alpha, a, b], customer, t), expected)).toBeLessThan(1e-6);
      }),
      { numRuns: 25 },
    );
  });

  it('expected purchases are continuous through a = 1, where the closed form is 0/0', () => {
    const customer = { x: 3, tx: 20, T: 30 };
    const at = model.expectedPurchases([0.5, 5, 1, 2], customer, 10);
    const near = model.expectedPurchases([0.5, 5, 1 + 1e-4, 2], customer, 10);
    expect(Number.isFinite(at)).toBe(true);
    expect(relativeError(at, near)).toBeLessThan(1e-4);
  });
});

describe('PARETO_NBD', () => {
  const params = fc.tuple(positive(0.1, 5), positive(0.5, 50), positive(0.1, 5), positive(0.5, 50));

  it('its likelihood (through 2F1) equals the likelihood with the dropout time integrated by quadrature', () => {
    fc.assert(
      fc.property(params, customers, ([r, alpha, s, beta], customer) => {
        const { x, tx, T } = customer;
        const aliveTerm = Math.pow(alpha + T, -(r + x)) * Math.pow(beta + T, -s);
        const diedTerm = s * integrate((tau) => Math.pow(alpha + tau, -(r + x)) * Math.pow(beta + tau, -(s + 1)), tx, T);
        const expected = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta) + Math.log(aliveTerm + diedTerm);
        expect(Math.abs(PARETO_NBD.logLikelihood([r, alpha, s, beta], customer) - expected)).toBeLessThan(
          1e-9 * Math.abs(expected) + 1e-12,
        );
        expect(relativeError(PARETO_NBD.pAlive([r, alpha, s, beta], customer), aliveTerm / (aliveTerm + diedTerm))).toBeLessThan(1e-8);
      }),
      { numRuns: 60 },
    );
  });

  it('expected purchases in t are P(alive) · (r+x)/(α+T) · ∫₀ᵗ E[exp(−μτ)] dτ under the posterior given alive', () => {
    fc.assert(
      fc.property(params, customers, positive(0.1, 200), ([r, alpha, s, beta], customer, t) => {
        const { x, T } = customer;
        const lifetime = integrate((tau) => Math.pow((beta + T) / (beta + T + tau), s), 0, t);
        const expected = (PARETO_NBD.pAlive([r, alpha, s, beta], customer) * (r + x) * lifetime) / (alpha + T);
        expect(relativeError(PARETO_NBD.expectedPurchases([r, alpha, s, beta], customer, t), expected)).toBeLessThan(1e-8);
      }),
      { numRuns: 40 },
    );
  });

  it('expected purchases have the limit at s = 1 the closed form divides by zero at', () => {
    const customer = { x: 2, tx: 10, T: 40 };
    // At s = 1: P(alive) · (r+x)(β+T)/(α+T) · log((β+T+t)/(β+T)).
    const expected = (PARETO_NBD.pAlive([0.5, 10, 1, 12], customer) * 2.5 * 52 * Math.log(62 / 52)) / 50;
    expect(relativeError(PARETO_NBD.expectedPurchases([0.5, 10, 1, 12], customer, 10), expected)).toBeLessThan(1e-12);
  });
});

describe.each([
  ['BG_NBD', BG_NBD],
  ['MBG_NBD', MBG_NBD],
  ['PARETO_NBD', PARETO_NBD],
] as const)('%s, as every count model', (_name, model: CountModel) => {
  it('buys at first at the posterior mean rate of a live customer: d/dt E[Y(t)] at 0 is P(alive) (r+x)/(α+T)', () => {
    const params = [0.6, 8, 0.9, 3];
    const customer = { x: 4, tx: 25, T: 39 };
    const h = 1e-5;
    const slope = model.expectedPurchases(params, customer, h) / h;
    expect(relativeError(slope, (model.pAlive(params, customer) * 4.6) / 47)).toBeLessThan(1e-4);
  });

  it('gives probabilities in [0, 1] falling with time and expected purchases rising with time', () => {
    fc.assert(
      fc.property(
        fc.tuple(positive(0.05, 10), positive(0.1, 500), positive(0.05, 10), positive(0.1, 500)),
        customers,
        positive(0, 365),
        ([r, alpha, third, fourth], customer, t) => {
          const params = [r, alpha, third, fourth];
          const now = model.pAlive(params, customer);
          const later = model.pAliveAt(params, customer, t);
          expect(now).toBeGreaterThanOrEqual(0);
          expect(now).toBeLessThanOrEqual(1);
          expect(later).toBeLessThanOrEqual(now * (1 + 1e-12));
          expect(later).toBeGreaterThanOrEqual(0);
          expect(model.expectedPurchases(params, customer, t + 1)).toBeGreaterThanOrEqual(model.expectedPurchases(params, customer, t));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('predictions for CDNOW customer 1 (x = 2, tx = 30.43, T = 38.86 weeks, mean repeat spend $22.35), with the published parameters', () => {
  const customer = { x: 2, tx: 30.43, T: 38.86 };

  it('BG/NBD P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+tx))^(r+x))', () => {
    // r 0.243, α 4.414, a 0.793, b 2.426: 0.793 / 3.426 = 0.23146527;
    // (43.274 / 34.844)^2.243 = exp(2.243 · 0.21667104) = exp(0.48599314) = 1.62578884;
    // 1 / (1 + 0.23146527 · 1.62578884) = 1 / 1.37631364 = 0.72657857.
    expect(BG_NBD.pAlive([0.243, 4.414, 0.793, 2.426], customer)).toBeCloseTo(0.72657857, 7);
  });

  it('MBG/NBD P(alive) = 1 / (1 + a/(b+x) · ((α+T)/(α+tx))^(r+x))', () => {
    // r 0.525, α 6.183, a 0.891, b 1.614: 0.891 / 3.614 = 0.24654123;
    // (45.043 / 36.613)^2.525 = exp(2.525 · 0.20721422) = exp(0.52321591) = 1.68744560;
    // 1 / (1 + 0.24654123 · 1.68744560) = 0.70620227.
    expect(MBG_NBD.pAlive([0.525, 6.183, 0.891, 1.614], customer)).toBeCloseTo(0.70620227, 7);
  });

  it('BG/NBD expected purchases in the 39 weeks after T follow FHL eq. 10 term by term', () => {
    // (a+b+x−1)/(a−1) = 4.219 / −0.207 = −20.3816425; ((α+T)/(α+T+39))^(r+x) = (43.274/82.274)^2.243;
    // 2F1(2.243, 4.426; 4.219; 39/82.274) summed term by term below.
    const z = 39 / 82.274;
    let term = 1;
    let series = 1;
    for (let n = 0; n < 200; n++) {
      term *= (((2.243 + n) * (4.426 + n)) / ((4.219 + n) * (n + 1))) * z;
      series += term;
    }
    const bracket = 1 - Math.pow(43.274 / 82.274, 2.243) * series;
    const expected = ((4.219 / -0.207) * bracket) / (1 + (0.793 / 3.426) * Math.pow(43.274 / 34.844, 2.243));
    expect(BG_NBD.expectedPurchases([0.243, 4.414, 0.793, 2.426], customer, 39)).toBeCloseTo(expected, 10);
    // Fader, Hardie & Lee's worked example for this customer gives 1.226.
    expect(expected).toBeCloseTo(1.226, 3);
  });

  it('Gamma-Gamma expected spend = p (γ + x m) / (p x + q − 1)', () => {
    // p 6.25, q 3.74, γ 15.44: 6.25 · (15.44 + 44.70) / (12.5 + 2.74) = 375.875 / 15.24 = 24.6637139.
    expect(expectedAverageSpend([6.25, 3.74, 15.44], { x: 2, meanSpend: 22.35 })).toBeCloseTo(24.6637139, 6);
    // A customer without repeat purchases is expected to spend the population mean p γ / (q − 1) = 96.5 / 2.74.
    expect(expectedAverageSpend([6.25, 3.74, 15.44], { x: 0, meanSpend: 0 })).toBeCloseTo(35.2189781, 6);
    expect(expectedAverageSpend([6.25, 0.9, 15.44], { x: 2, meanSpend: 22.35 })).toBeNull();
  });

  it('Gamma-Gamma likelihood is the density of the mean of x purchases, integrating to 1 over m', () => {
    const params = [6.25, 3.74, 15.44];
    const density = (m: number) => Math.exp(gammaGammaLogLikelihood(params, { x: 2, meanSpend: m }));
    // ∫₀^∞ over m by m = u / (1 − u).
    const total = integrateUnit((u) => density(u / (1 - u)) / ((1 - u) * (1 - u)));
    expect(total).toBeCloseTo(1, 6);
  });

  it('CLV over 12 months at 1 % a month discounts each month’s expected purchases', () => {
    const params = [0.243, 4.414, 0.793, 2.426];
    const month = 365.25 / 12 / 7;
    let expected = 0;
    for (let i = 1; i <= 12; i++) {
      const purchases = BG_NBD.expectedPurchases(params, customer, i * month) - BG_NBD.expectedPurchases(params, customer, (i - 1) * month);
      expected += (purchases * 24.6637139) / 1.01 ** i;
    }
    const clv = predictedClv({
      model: BG_NBD,
      params,
      customer,
      averageSpend: 24.6637139,
      months: 12,
      monthlyDiscount: 0.01,
      monthLength: month,
    });
    expect(clv).toBeCloseTo(expected, 10);
    // Without a discount it is the year's expected purchases times the spend.
    const undiscounted = predictedClv({
      model: BG_NBD,
      params,
      customer,
      averageSpend: 10,
      months: 12,
      monthlyDiscount: 0,
      monthLength: month,
    });
    expect(undiscounted).toBeCloseTo(10 * BG_NBD.expectedPurchases(params, customer, 12 * month), 10);
  });
});
