/*
 * Unconstrained minimisation for the likelihood fits: BFGS with central
 * difference gradients and a backtracking (Armijo) line search, and the
 * Hessian by central differences for standard errors. No kept JavaScript
 * package offers a maintained quasi-Newton minimiser with these guarantees,
 * so this small one is written here; the objectives it serves have 3–4
 * parameters and are smooth in the log-parameters they are called with.
 *
 * Invariants:
 * - the objective may return a non-finite value (a point outside where the
 *   likelihood is computed): the line search treats it as "too far" and
 *   halves the step, so the returned point always has a finite value;
 * - `converged` is true only when the gradient's largest component is below
 *   the tolerance; any other stop (iterations, a line search that cannot
 *   descend) is reported as not converged with the reason.
 */

export type Objective = (point: readonly number[]) => number;

export type MinimizeOptions = {
  maxIterations?: number;
  /** Converged when every gradient component is below this in absolute value. */
  gradientTolerance?: number;
};

export type Minimum = {
  point: number[];
  value: number;
  gradient: number[];
  iterations: number;
  converged: boolean;
  /** Why it stopped, in words. */
  reason: string;
};

const GRADIENT_STEP = 1e-6;
const ARMIJO = 1e-4;
const MAX_HALVINGS = 60;

/** Central-difference gradient of `f` at `point`. */
export function numericGradient(f: Objective, point: readonly number[]): number[] {
  return point.map((value, i) => {
    const h = GRADIENT_STEP * Math.max(1, Math.abs(value));
    return (f(withShift(point, i, h)) - f(withShift(point, i, -h))) / (2 * h);
  });
}

/** Central-difference Hessian of `f` at `point` (step `h` in every coordinate). */
export function numericHessian(f: Objective, point: readonly number[], h = 1e-4): number[][] {
  const n = point.length;
  const centre = f(point);
  const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const plus = f(withShift(point, i, h));
    const minus = f(withShift(point, i, -h));
    hessian[i]![i] = (plus - 2 * centre + minus) / (h * h);
    for (let j = 0; j < i; j++) {
      const pp = f(withShift(withShift(point, i, h), j, h));
      const pm = f(withShift(withShift(point, i, h), j, -h));
      const mp = f(withShift(withShift(point, i, -h), j, h));
      const mm = f(withShift(withShift(point, i, -h), j, -h));
      const value = (pp - pm - mp + mm) / (4 * h * h);
      hessian[i]![j] = value;
      hessian[j]![i] = value;
    }
  }
  return hessian;
}

/** Minimises `f` from `start` by BFGS. */
export function minimize(f: Objective, start: readonly number[], options: MinimizeOptions = {}): Minimum {
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.gradientTolerance ?? 1e-7;
  const n = start.length;
  let point = [...start];
  let value = f(point);
  if (!Number.isFinite(value)) {
    return {
      point,
      value,
      gradient: new Array<number>(n).fill(NaN),
      iterations: 0,
      converged: false,
      reason: 'the objective is not finite at the start',
    };
  }
  let gradient = numericGradient(f, point);
  let inverse = identity(n);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(gradient) < tolerance) {
      return { point, value, gradient, iterations: iteration, converged: true, reason: 'gradient below tolerance' };
    }
    let direction = negate(multiply(inverse, gradient));
    if (dot(direction, gradient) >= 0) {
      inverse = identity(n);
      direction = negate(gradient);
    }
    const step = lineSearch(f, point, value, gradient, direction);
    if (!step) {
      const converged = maxAbs(gradient) < tolerance * 100;
      return { point, value, gradient, iterations: iteration, converged, reason: 'the line search found no lower value' };
    }
    const nextGradient = numericGradient(f, step.point);
    const s = step.point.map((v, i) => v - point[i]!);
    const y = nextGradient.map((v, i) => v - gradient[i]!);
    const sy = dot(s, y);
    if (sy > 1e-12) inverse = bfgsUpdate(inverse, s, y, sy);
    point = step.point;
    value = step.value;
    gradient = nextGradient;
  }
  const converged = maxAbs(gradient) < tolerance;
  return {
    point,
    value,
    gradient,
    iterations: maxIterations,
    converged,
    reason: converged ? 'gradient below tolerance' : 'iteration limit reached',
  };
}

function lineSearch(
  f: Objective,
  point: readonly number[],
  value: number,
  gradient: readonly number[],
  direction: readonly number[],
): { point: number[]; value: number } | null {
  const slope = dot(gradient, direction);
  let length = 1;
  for (let halving = 0; halving < MAX_HALVINGS; halving++) {
    const candidate = point.map((v, i) => v + length * direction[i]!);
    const candidateValue = f(candidate);
    if (Number.isFinite(candidateValue) && candidateValue <= value + ARMIJO * length * slope) {
      return { point: candidate, value: candidateValue };
    }
    length /= 2;
  }
  return null;
}

/** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1 / (yᵀ s). */
function bfgsUpdate(inverse: number[][], s: number[], y: number[], sy: number): number[][] {
  const rho = 1 / sy;
  const hy = multiply(inverse, y);
  const yhy = dot(y, hy);
  return inverse.map((row, i) =>
    row.map((value, j) => value - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!),
  );
}

/**
 * The inverse of a symmetric positive definite matrix by its Cholesky
 * factorisation; null when the matrix is not positive definite (a fit whose
 * Hessian is not, is not at a maximum the standard errors can describe).
 */
export function invertPositiveDefinite(matrix: readonly (readonly number[])[]): number[][] | null {
  const n = matrix.length;
  const lower = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i]![j]!;
      for (let k = 0; k < j; k++) sum -= lower[i]![k]! * lower[j]![k]!;
      if (i === j) {
        if (!(sum > 0)) return null;
        lower[i]![i] = Math.sqrt(sum);
      } else {
        lower[i]![j] = sum / lower[j]![j]!;
      }
    }
  }
  // Columns of L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀ L⁻¹.
  const lowerInverse = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let column = 0; column < n; column++) {
    for (let i = column; i < n; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = column; k < i; k++) sum -= lower[i]![k]! * lowerInverse[k]![column]!;
      lowerInverse[i]![column] = sum / lower[i]![i]!;
    }
  }
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let sum = 0;
      for (let k = Math.max(i, j); k < n; k++) sum += lowerInverse[k]![i]! * lowerInverse[k]![j]!;
      return sum;
    }),
  );
}

function withShift(point: readonly number[], index: number, by: number): number[] {
  const shifted = [...point];
  shifted[index] = shifted[index]! + by;
  return shifted;
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function multiply(matrix: readonly (readonly number[])[], vector: readonly number[]): number[] {
  return matrix.map((row) => dot(row, vector));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function negate(vector: readonly number[]): number[] {
  return vector.map((v) => -v);
}

function maxAbs(vector: readonly number[]): number {
  return vector.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
}
