import type { CountModel } from './count-model';
import { GAMMA_GAMMA_PARAMETER_NAMES, gammaGammaLogLikelihood } from './gamma-gamma';
import { invertPositiveDefinite, minimize, numericHessian } from './optimizer';
import type { Objective } from './optimizer';
import type { SpendGroup, SummaryGroup } from './summary';
import { totalWeight } from './summary';

/*
 * Maximum likelihood fits. Parameters are all positive, so the optimiser
 * works on their logarithms (unconstrained); the objective is the negative
 * log-likelihood per customer (so its gradient tolerance does not depend on
 * how many customers there are); several starts are run and the best kept,
 * with how many of them reached it. Standard errors come from the observed
 * information (the Hessian of −log L in the log-parameters, inverted) by the
 * delta method: se(θ) = θ · se(log θ), exact at the maximum where the
 * gradient is zero.
 */

export type FittedParameter = { name: string; value: number; standardError: number | null };

export type ModelFit = {
  model: string;
  parameters: FittedParameter[];
  /** The parameter values in model order (what the model functions take). */
  values: number[];
  logLikelihood: number;
  /** Customers (the sum of the groups' weights). */
  observations: number;
  converged: boolean;
  iterations: number;
  starts: number;
  /** Starts that ended within 1e-6 (relative) of the best log-likelihood. */
  agreeingStarts: number;
  /** Why the best start stopped, in words. */
  reason: string;
};

/** Fits a count model to grouped (x, tx, T) statistics. */
export function fitCountModel(model: CountModel, groups: readonly SummaryGroup[]): ModelFit {
  const weight = totalWeight(groups);
  const logLikelihood = (values: readonly number[]): number => {
    let sum = 0;
    for (const group of groups) sum += group.weight * model.logLikelihood(values, group);
    return sum;
  };
  const scale = groups.reduce((sum, group) => sum + group.weight * group.T, 0) / weight;
  const starts =
    model.name === 'PARETO_NBD'
      ? [
          [1, scale, 1, scale],
          [0.5, scale / 4, 0.5, scale / 4],
          [2, scale, 1, 2 * scale],
        ]
      : [
          [1, scale, 1, 1],
          [0.25, scale / 10, 0.5, 2],
          [2, scale, 2, 4],
        ];
  return fitByStarts(model.name, model.parameterNames, logLikelihood, weight, starts);
}

/** Fits the Gamma-Gamma spend model to grouped repeat buyers (x > 0). */
export function fitGammaGamma(groups: readonly SpendGroup[]): ModelFit {
  const weight = totalWeight(groups);
  const logLikelihood = (values: readonly number[]): number => {
    let sum = 0;
    for (const group of groups) sum += group.weight * gammaGammaLogLikelihood(values, group);
    return sum;
  };
  const meanSpend = groups.reduce((sum, group) => sum + group.weight * group.meanSpend, 0) / weight;
  const starts = [
    [1, 2, meanSpend],
    [5, 3, meanSpend],
    [2, 5, 2 * meanSpend],
  ];
  return fitByStarts('GAMMA_GAMMA', GAMMA_GAMMA_PARAMETER_NAMES, logLikelihood, weight, starts);
}

/** Bayesian information criterion: k log n − 2 log L (lower is better). */
export function bic(fit: ModelFit): number {
  return fit.values.length * Math.log(fit.observations) - 2 * fit.logLikelihood;
}

function fitByStarts(
  model: string,
  names: readonly string[],
  logLikelihood: (values: readonly number[]) => number,
  weight: number,
  starts: readonly (readonly number[])[],
): ModelFit {
  const objective: Objective = (logValues) => {
    try {
      return -logLikelihood(logValues.map(Math.exp)) / weight;
    } catch (error) {
      // A special function outside the range it computes reliably: the
      // optimiser treats the point as too far and steps back.
      if (error instanceof RangeError) return Infinity;
      throw error;
    }
  };
  const results = starts.map((start) => minimize(objective, start.map(Math.log)));
  const best = results.reduce((a, b) => (b.value < a.value || !Number.isFinite(a.value) ? b : a));
  const agreeing = results.filter((result) => Math.abs(result.value - best.value) <= 1e-6 * Math.abs(best.value)).length;
  const values = best.point.map(Math.exp);
  const errors = standardErrors(objective, best.point, weight);
  return {
    model,
    parameters: names.map((name, i) => ({ name, value: values[i]!, standardError: errors?.[i] ?? null })),
    values,
    logLikelihood: -best.value * weight,
    observations: weight,
    converged: best.converged,
    iterations: best.iterations,
    starts: starts.length,
    agreeingStarts: agreeing,
    reason: best.reason,
  };
}

function standardErrors(objective: Objective, logPoint: readonly number[], weight: number): number[] | null {
  const hessian = numericHessian(objective, logPoint).map((row) => row.map((value) => value * weight));
  if (hessian.some((row) => row.some((value) => !Number.isFinite(value)))) return null;
  const covariance = invertPositiveDefinite(hessian);
  if (!covariance) return null;
  return logPoint.map((logValue, i) => Math.exp(logValue) * Math.sqrt(covariance[i]![i]!));
}
