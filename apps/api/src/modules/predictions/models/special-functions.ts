import gammaln from '@stdlib/math-base-special-gammaln';

/*
 * The special functions the buy-till-you-die models need. log Γ comes from
 * @stdlib (a kept port of the Cephes/Boost algorithms); the Gauss
 * hypergeometric function 2F1 has no kept JavaScript implementation covering
 * what the Pareto/NBD needs, so it is written here.
 *
 * Invariants:
 * - every function is pure and returns NaN for no input it accepts: an input
 *   outside its domain throws a `NumericRangeError` naming the argument, so a
 *   likelihood never silently becomes NaN;
 * - sums of positive terms are carried in log space where the terms could
 *   overflow (`logHyp2f1UnitShift`), so a customer with hundreds of purchases
 *   is scored as well as one with two.
 */

/** A special function was called outside the domain where it is computed reliably. */
export class NumericRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'NumericRangeError';
  }
}

/** log Γ(x) for x > 0. */
export function logGamma(x: number): number {
  return gammaln(x);
}

/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return gammaln(a) + gammaln(b) - gammaln(a + b);
}

/** log(e^a + e^b) without overflow; −∞ on either side is allowed. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log(1 − e^a) for a ≤ 0, accurate near 0 and for very negative a (Mächler's log1mexp). */
export function log1mExp(a: number): number {
  if (a > 0) throw new NumericRangeError(`log1mExp needs a ≤ 0, got ${a}`);
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

const SERIES_EPSILON = 1e-16;
const MAX_SERIES_TERMS = 1_000_000;

/**
 * The Gauss hypergeometric function 2F1(a, b; c; z) for real a, b, c and
 * real z < 1 (where its defining series or its analytic continuation by
 * Pfaff's transformation converges).
 *
 * - 0 ≤ z < 1: the series Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, summed until a term no
 *   longer changes the sum; it converges for every z < 1 but slowly near 1,
 *   so past a million terms it throws instead of returning a wrong value.
 * - z < 0: Pfaff's transformation 2F1(a, b; c; z) = (1 − z)^(−a) 2F1(a, c − b; c; z / (z − 1)),
 *   which maps z into (0, 1) (Abramowitz & Stegun 15.3.4), or the same with a
 *   and b exchanged: the form whose series has no negative upper parameter
 *   is taken, so its terms do not alternate and cancel (with c = a + 1, as in
 *   the models, that is always the form with c − a = 1).
 *
 * c must not be 0 or a negative integer (the series is undefined there).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  checkFinite('hyp2f1', { a, b, c, z });
  if (c <= 0 && Number.isInteger(c)) throw new NumericRangeError(`hyp2f1 is undefined for c = ${c} (0 or a negative integer)`);
  if (z >= 1) throw new NumericRangeError(`hyp2f1 is computed for z < 1, got z = ${z}`);
  if (z === 0) return 1;
  if (z < 0) {
    const w = z / (z - 1);
    if (c - b < 0 && c - a >= 0) return Math.pow(1 - z, -b) * hyp2f1Series(b, c - a, c, w);
    return Math.pow(1 - z, -a) * hyp2f1Series(a, c - b, c, w);
  }
  return hyp2f1Series(a, b, c, z);
}

function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    if (term === 0) return sum; // a or b is a non-positive integer: the series is a polynomial
    sum += term;
    // Past n > |a| + |b| + |c| the ratio of successive terms is below 1 and
    // falls towards z, so a term this small means the rest is smaller still.
    if (Math.abs(term) <= SERIES_EPSILON * Math.abs(sum) && n > Math.abs(a) + Math.abs(b) + Math.abs(c)) return sum;
  }
  throw new NumericRangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${MAX_SERIES_TERMS} terms`);
}

/**
 * log 2F1(a, b; a + 1; z) for a > 0, 0 < b < a + 1 and 0 ≤ z < 1: the form
 * the Pareto/NBD likelihood needs (Fader & Hardie, "A Note on Deriving the
 * Pareto/NBD Model and Related Expressions", 2005, eq. 20–21).
 *
 * Euler's transformation (A&S 15.3.3) gives
 * 2F1(a, b; a + 1; z) = (1 − z)^(1 − b) · 2F1(1, a + 1 − b; a + 1; z), and the
 * second series has positive terms each smaller than the one before by a
 * factor below z (its ratio is z (a + 1 − b + n) / (a + 1 + n)), so it sums
 * without cancellation to a value between 1 and 1 / (1 − z), and the
 * logarithm of the first factor is taken apart: no overflow however large b
 * (r + x, with x a customer's repeat purchases) is. The tail after a term t
 * is below t · z / (1 − z), which is the stopping rule.
 */
export function logHyp2f1UnitShift(a: number, b: number, z: number): number {
  checkFinite('logHyp2f1UnitShift', { a, b, z });
  if (!(a > 0)) throw new NumericRangeError(`logHyp2f1UnitShift needs a > 0, got a = ${a}`);
  if (!(b > 0 && b < a + 1)) throw new NumericRangeError(`logHyp2f1UnitShift needs 0 < b < a + 1, got a = ${a}, b = ${b}`);
  if (!(z >= 0 && z < 1)) throw new NumericRangeError(`logHyp2f1UnitShift needs 0 ≤ z < 1, got z = ${z}`);
  if (z === 0) return 0;
  const shape = a + 1 - b;
  const tailFactor = z / (1 - z);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= ((shape + n) / (a + 1 + n)) * z;
    sum += term;
    if (term * tailFactor <= SERIES_EPSILON * sum) return (1 - b) * Math.log1p(-z) + Math.log(sum);
  }
  throw new NumericRangeError(`logHyp2f1UnitShift(${a}, ${b}; ${z}) did not converge in ${MAX_SERIES_TERMS} terms`);
}

function checkFinite(name: string, args: Record<string, number>): void {
  for (const [key, value] of Object.entries(args)) {
    if (!Number.isFinite(value)) throw new NumericRangeError(`${name}: ${key} must be a finite number, got ${value}`);
  }
}
