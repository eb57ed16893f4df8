import type { CountModel } from './count-model';
import { log1mExp, logAddExp, logGamma, logHyp2f1UnitShift } from './special-functions';
import type { PurchaseSummary } from './summary';

/*
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader &
 * Hardie, "A Note on Deriving the Pareto/NBD Model and Related Expressions"
 * (2005). Parameters: r, α (gamma mixing of the purchase rate λ) and s, β
 * (gamma mixing of the dropout rate μ). A customer buys at rate λ and is
 * alive for an exponential time of rate μ.
 *
 * The likelihood is
 *   L = Γ(r+x) α^r β^s / Γ(r) · [ 1 / ((α+T)^(r+x) (β+T)^s) + s / (r+s+x) · A0 ],
 * the first term for "alive at T", the second for "died between tx and T",
 * where A0 = ∫ from tx to T of (r+s+x) (α+τ)^−(r+x) (β+τ)^−(s+1) dτ, which is
 *   A0 = F(z(tx)) / (M+tx)^(r+s+x) − F(z(T)) / (M+T)^(r+s+x),
 *   F(z) = 2F1(r+s+x, b; r+s+x+1; z), z(t) = |α−β| / (M+t),
 * with M = max(α, β) and b = s + 1 when α ≥ β, b = r + x otherwise (the choice
 * keeps 0 ≤ z < 1). Everything is in log space; A0 is a difference of two
 * positive terms, the first the larger, taken with log1mExp.
 *
 * Given alive at T, the posterior is λ ~ Gamma(r+x, α+T) and μ ~ Gamma(s, β+T),
 * independent, so surviving t more has probability ((β+T)/(β+T+t))^s and the
 * expected purchases in t are (r+x)/(α+T) · E[(1 − e^(−μt))/μ]
 * = (r+x)(β+T) / ((α+T)(s−1)) · (1 − ((β+T)/(β+T+t))^(s−1)).
 */

function unpack(params: readonly number[]): { r: number; alpha: number; s: number; beta: number } {
  const [r, alpha, s, beta] = params as [number, number, number, number];
  return { r, alpha, s, beta };
}

/** log of the two terms in the bracket of L: [alive at T, died in (tx, T]]. */
function logTerms(params: readonly number[], { x, tx, T }: PurchaseSummary): { alive: number; died: number } {
  const { r, alpha, s, beta } = unpack(params);
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  if (tx >= T) return { alive, died: -Infinity };
  const rsx = r + s + x;
  const max = Math.max(alpha, beta);
  const b = alpha >= beta ? s + 1 : r + x;
  const gap = Math.abs(alpha - beta);
  const atTx = logHyp2f1UnitShift(rsx, b, gap / (max + tx)) - rsx * Math.log(max + tx);
  const atT = logHyp2f1UnitShift(rsx, b, gap / (max + T)) - rsx * Math.log(max + T);
  // atT < atTx in exact arithmetic; rounding can make them equal when tx is
  // within a rounding error of T, where A0 is 0 to working precision.
  const logA0 = atT < atTx ? atTx + log1mExp(atT - atTx) : -Infinity;
  return { alive, died: Math.log(s) - Math.log(rsx) + logA0 };
}

function pAlive(params: readonly number[], customer: PurchaseSummary): number {
  const { alive, died } = logTerms(params, customer);
  return Math.exp(alive - logAddExp(alive, died));
}

/** The Pareto/NBD model. */
export const PARETO_NBD: CountModel = {
  name: 'PARETO_NBD',
  parameterNames: ['r', 'alpha', 's', 'beta'],
  logLikelihood(params, customer) {
    const { r, alpha, s, beta } = unpack(params);
    const { alive, died } = logTerms(params, customer);
    return logGamma(r + customer.x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta) + logAddExp(alive, died);
  },
  pAlive,
  pAliveAt(params, customer, t) {
    const { s, beta } = unpack(params);
    return pAlive(params, customer) * Math.exp(-s * Math.log1p(t / (beta + customer.T)));
  },
  expectedPurchases(params, customer, t) {
    if (t === 0) return 0;
    const { r, alpha, s, beta } = unpack(params);
    const { x, T } = customer;
    // (1 − ((β+T)/(β+T+t))^(s−1)) / (s−1) = −expm1(−(s−1) L) / (s−1) with L = log(1 + t/(β+T)),
    // which tends to L as s → 1.
    const logGrowth = Math.log1p(t / (beta + T));
    const k = s - 1;
    const integral = Math.abs(k) < 1e-10 ? logGrowth : -Math.expm1(-k * logGrowth) / k;
    return (pAlive(params, customer) * (r + x) * (beta + T) * integral) / (alpha + T);
  },
};
