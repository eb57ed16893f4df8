/*
 * Numerical integration for the tests: an independent route to the values
 * the models compute in closed form (hypergeometric functions, posterior
 * expectations).
 */

const NODES = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const WEIGHTS = [0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891];

/**
 * ∫₀¹ f by 5-point Gauss–Legendre on panels [2^−(k+1), 2^−k] (k < 60), each
 * split in `pieces`: the panels shrink geometrically towards 0, where the
 * integrands of the tests have a singular derivative.
 */
export function integrateUnit(f: (t: number) => number, pieces = 64): number {
  let sum = 0;
  for (let k = 0; k < 60; k++) {
    const [low, high] = [2 ** -(k + 1), 2 ** -k];
    const half = (high - low) / (2 * pieces);
    for (let piece = 0; piece < pieces; piece++) {
      const mid = low + (2 * piece + 1) * half;
      for (let i = 0; i < NODES.length; i++) sum += WEIGHTS[i]! * half * f(mid + half * NODES[i]!);
    }
  }
  return sum;
}

/** ∫ from `low` to `high` of f, by `integrateUnit` after an affine change of variable. */
export function integrate(f: (t: number) => number, low: number, high: number): number {
  return (high - low) * integrateUnit((u) => f(low + (high - low) * u));
}
