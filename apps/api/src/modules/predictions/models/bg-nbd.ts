import type { CountModel } from './count-model';
import { hyp2f1, logAddExp, logGamma } from './special-functions';
import type { PurchaseSummary } from './summary';

/*
 * BG/NBD (Fader, Hardie & Lee, "Counting Your Customers the Easy Way", 2005)
 * and MBG/NBD (Batislam, Denizel & Filiztekin, 2007). Parameters: r, α (the
 * gamma mixing distribution of the purchase rate λ) and a, b (the beta mixing
 * distribution of the dropout probability p). A customer buys at rate λ
 * while alive and, after each purchase, drops out with probability p; the
 * MBG/NBD adds one more coin flip at time 0, so a customer with no repeat
 * purchase can be dead too.
 *
 * Write `flips` for the dropout coin flips a customer alive at T has
 * survived: x for BG/NBD, x + 1 for MBG/NBD. Then, given the customer is
 * alive at T, the posterior is λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + flips),
 * independent; every conditional expression below is an expectation under
 * that posterior times P(alive):
 * - surviving m more time units: E[e^(−λ p m)] = 2F1(r + x, a; a + b + flips; −m / (α + T));
 * - purchases in the next t: E[(1 − e^(−λ p t)) / p]
 *   = (a + b + flips − 1) / (a − 1) · (1 − 2F1(r + x, a − 1; a + b + flips − 1; −t / (α + T))).
 * (The second is FHL 2005 eq. 10 after Pfaff's transformation.)
 */

type Variant = { name: 'BG_NBD' | 'MBG_NBD'; flipsAlive: (x: number) => number };

const BG: Variant = { name: 'BG_NBD', flipsAlive: (x) => x };
const MBG: Variant = { name: 'MBG_NBD', flipsAlive: (x) => x + 1 };

function unpack(params: readonly number[]): { r: number; alpha: number; a: number; b: number } {
  const [r, alpha, a, b] = params as [number, number, number, number];
  return { r, alpha, a, b };
}

/**
 * log of the odds that the customer is dead rather than alive at T, the
 * second term of the likelihood over the first: for BG/NBD it exists only when
 * x > 0 (dropout happens after a purchase), for MBG/NBD always.
 */
function logDeadOdds(variant: Variant, params: readonly number[], { x, tx, T }: PurchaseSummary): number {
  const { r, alpha, a, b } = unpack(params);
  const flips = variant.flipsAlive(x);
  if (flips === 0) return -Infinity;
  return Math.log(a) - Math.log(b + flips - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
}

function countModel(variant: Variant): CountModel {
  const pAlive = (params: readonly number[], customer: PurchaseSummary): number =>
    1 / (1 + Math.exp(logDeadOdds(variant, params, customer)));
  return {
    name: variant.name,
    parameterNames: ['r', 'alpha', 'a', 'b'],
    logLikelihood(params, customer) {
      const { r, alpha, a, b } = unpack(params);
      const { x, T } = customer;
      const flips = variant.flipsAlive(x);
      // Alive at T: Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)) · B(a, b + flips) / B(a, b).
      const alive =
        logGamma(r + x) -
        logGamma(r) +
        r * Math.log(alpha) -
        (r + x) * Math.log(alpha + T) +
        logGamma(b + flips) +
        logGamma(a + b) -
        logGamma(b) -
        logGamma(a + b + flips);
      return alive + logAddExp(0, logDeadOdds(variant, params, customer));
    },
    pAlive,
    pAliveAt(params, customer, t) {
      if (t === 0) return pAlive(params, customer);
      const { r, alpha, a, b } = unpack(params);
      const { x, T } = customer;
      return pAlive(params, customer) * hyp2f1(r + x, a, a + b + variant.flipsAlive(x), -t / (alpha + T));
    },
    expectedPurchases(params, customer, t) {
      if (t === 0) return 0;
      const { a } = unpack(params);
      // The expression is smooth in a but 0/0 at a = 1: there, the mean of
      // its values at a ± 1e-6 (an error of order 1e-12).
      if (Math.abs(a - 1) < 1e-6) {
        const [r, alpha, , b] = params as [number, number, number, number];
        const below = expectedPurchasesAway(variant, [r, alpha, 1 - 1e-6, b], customer, t);
        const above = expectedPurchasesAway(variant, [r, alpha, 1 + 1e-6, b], customer, t);
        return (below + above) / 2;
      }
      return expectedPurchasesAway(variant, params, customer, t);
    },
  };
}

/** E[purchases in (T, T + t]] for a ≠ 1. */
function expectedPurchasesAway(variant: Variant, params: readonly number[], customer: PurchaseSummary, t: number): number {
  const { r, alpha, a, b } = unpack(params);
  const { x, T } = customer;
  const c = a + b + variant.flipsAlive(x) - 1;
  const survival = hyp2f1(r + x, a - 1, c, -t / (alpha + T));
  const pAlive = 1 / (1 + Math.exp(logDeadOdds(variant, params, customer)));
  return (pAlive * c * (1 - survival)) / (a - 1);
}

/** The BG/NBD model (Fader, Hardie & Lee 2005). */
export const BG_NBD: CountModel = countModel(BG);

/** The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with a dropout chance at time 0. */
export const MBG_NBD: CountModel = countModel(MBG);
