import { backtest } from './backtest';
import type { Backtest, HoldoutGroup } from './backtest';
import { BG_NBD, MBG_NBD } from './models/bg-nbd';
import type { CountModel, CountModelName } from './models/count-model';
import { bic, fitCountModel, fitGammaGamma } from './models/fit';
import type { FittedParameter, ModelFit } from './models/fit';
import { PARETO_NBD } from './models/pareto-nbd';
import type { SpendGroup, SummaryGroup } from './models/summary';

/*
 * One fit run, pure: the count models fitted on the same calibration
 * statistics and compared (log-likelihood, BIC, holdout error), the best one
 * chosen, the Gamma-Gamma spend model fitted on the repeat buyers, and plain
 * warnings wherever the data cannot support what is reported.
 *
 * The chosen model is the converged one with the lowest holdout RMSE per
 * customer when there is a holdout, else the converged one with the lowest
 * BIC; when none converged, the lowest BIC (with a warning).
 */

export const COUNT_MODELS: Record<CountModelName, CountModel> = { BG_NBD, PARETO_NBD, MBG_NBD };

/** Time units a fit can count in; the GraphQL enum `PredictionTimeUnit` lists the same. */
export const TIME_UNITS = ['DAY', 'WEEK'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

/** Days in one time unit. */
export const DAYS_PER_UNIT: Record<TimeUnit, number> = { DAY: 1, WEEK: 7 };

/** Fewer repeat buyers than this and the fit carries a warning. */
export const FEW_REPEAT_BUYERS = 50;

/** Calibration statistics in days, with the holdout purchases, counted. */
export type DayGroup = { x: number; txDays: number; tDays: number; holdoutPurchases: number; customers: number };

/** Repeat buyers by (x, mean spend), counted. */
export type DaySpendGroup = { x: number; meanSpend: number; customers: number };

export type FitRunInput = {
  groups: readonly DayGroup[];
  spends: readonly DaySpendGroup[];
  timeUnit: TimeUnit;
  holdoutDays: number;
  models: readonly CountModelName[];
};

export type CountModelResult = {
  model: CountModelName;
  parameters: FittedParameter[];
  logLikelihood: number;
  bic: number;
  converged: boolean;
  iterations: number;
  starts: number;
  agreeingStarts: number;
  stopReason: string;
  backtest: Backtest | null;
};

export type SpendModelResult = {
  parameters: FittedParameter[];
  logLikelihood: number;
  converged: boolean;
  repeatBuyers: number;
};

/** What a fit run stores (as JSON) and reports. */
export type FitRunResult = {
  chosen: CountModelName;
  /** Why the chosen model was chosen, in words. */
  choice: string;
  models: CountModelResult[];
  spend: SpendModelResult | null;
  customers: number;
  repeatBuyers: number;
  warnings: string[];
};

/** Fits, compares and chooses. The caller has checked there is at least one repeat buyer. */
export function runFit(input: FitRunInput): FitRunResult {
  const perUnit = DAYS_PER_UNIT[input.timeUnit];
  const holdoutGroups: HoldoutGroup[] = input.groups.map((group) => ({
    x: group.x,
    tx: group.txDays / perUnit,
    T: group.tDays / perUnit,
    holdoutPurchases: group.holdoutPurchases,
    weight: group.customers,
  }));
  const calibrationGroups = collapseHoldout(holdoutGroups);
  const customers = calibrationGroups.reduce((sum, group) => sum + group.weight, 0);
  const repeatBuyers = calibrationGroups.reduce((sum, group) => sum + (group.x > 0 ? group.weight : 0), 0);
  const warnings: string[] = [];
  if (repeatBuyers < FEW_REPEAT_BUYERS) {
    warnings.push(
      `only ${repeatBuyers} of ${customers} customers bought again before the calibration date; with fewer than ${FEW_REPEAT_BUYERS} repeat buyers the estimates are too uncertain to act on`,
    );
  }
  const holdout = input.holdoutDays / perUnit;
  const models = input.models.map((name) => {
    const fit = fitCountModel(COUNT_MODELS[name], calibrationGroups);
    warnings.push(...fitWarnings(name, fit));
    return {
      model: name,
      parameters: fit.parameters,
      logLikelihood: fit.logLikelihood,
      bic: bic(fit),
      converged: fit.converged,
      iterations: fit.iterations,
      starts: fit.starts,
      agreeingStarts: fit.agreeingStarts,
      stopReason: fit.reason,
      backtest: input.holdoutDays > 0 ? backtest(COUNT_MODELS[name], fit.values, holdoutGroups, holdout) : null,
    };
  });
  if (input.holdoutDays === 0)
    warnings.push('no holdout period: the models are compared by BIC only, and nothing checks their predictions');
  const { chosen, choice } = choose(models);
  if (!chosen.converged) warnings.push(`no model converged; ${chosen.model} is used with the best parameters found`);
  const spend = fitSpend(input.spends, warnings);
  return { chosen: chosen.model, choice, models, spend, customers, repeatBuyers, warnings };
}

function collapseHoldout(groups: readonly HoldoutGroup[]): SummaryGroup[] {
  const byTriple = new Map<string, SummaryGroup>();
  for (const group of groups) {
    const key = `${group.x}|${group.tx}|${group.T}`;
    const found = byTriple.get(key);
    if (found) found.weight += group.weight;
    else byTriple.set(key, { x: group.x, tx: group.tx, T: group.T, weight: group.weight });
  }
  return [...byTriple.values()];
}

function choose(models: readonly CountModelResult[]): { chosen: CountModelResult; choice: string } {
  const converged = models.filter((model) => model.converged);
  const pool = converged.length > 0 ? converged : models;
  const withHoldout = pool.filter((model) => model.backtest !== null);
  if (withHoldout.length > 0) {
    const chosen = withHoldout.reduce((a, b) => (b.backtest!.rootMeanSquareError < a.backtest!.rootMeanSquareError ? b : a));
    return {
      chosen,
      choice: `lowest holdout RMSE per customer (${chosen.backtest!.rootMeanSquareError.toFixed(4)}) of the ${pool.length} ${converged.length > 0 ? 'converged ' : ''}models`,
    };
  }
  const chosen = pool.reduce((a, b) => (b.bic < a.bic ? b : a));
  return {
    chosen,
    choice: `lowest BIC (${chosen.bic.toFixed(1)}) of the ${pool.length} ${converged.length > 0 ? 'converged ' : ''}models (no holdout)`,
  };
}

function fitWarnings(name: string, fit: ModelFit): string[] {
  const warnings: string[] = [];
  if (!fit.converged) warnings.push(`${name} did not converge (${fit.reason}); its parameters are the best found, not a maximum`);
  for (const parameter of fit.parameters) {
    if (parameter.standardError === null) {
      warnings.push(
        `${name}: ${parameter.name} has no standard error (the likelihood is not curved at the estimate); the data do not determine it`,
      );
    } else if (parameter.standardError > parameter.value) {
      warnings.push(
        `${name}: ${parameter.name} = ${parameter.value.toPrecision(4)} has a standard error of ${parameter.standardError.toPrecision(4)}, larger than itself; treat it as unknown`,
      );
    }
  }
  return warnings;
}

function fitSpend(spends: readonly DaySpendGroup[], warnings: string[]): SpendModelResult | null {
  const groups: SpendGroup[] = spends
    .filter((group) => group.x > 0 && group.meanSpend > 0)
    .map((group) => ({ x: group.x, meanSpend: group.meanSpend, weight: group.customers }));
  const repeatBuyers = groups.reduce((sum, group) => sum + group.weight, 0);
  if (repeatBuyers < 2) {
    warnings.push('fewer than 2 repeat buyers with a positive purchase value: no spend model, so no expected spend and no predicted CLV');
    return null;
  }
  const fit = fitGammaGamma(groups);
  warnings.push(...fitWarnings('GAMMA_GAMMA', fit));
  const q = fit.parameters[1]!.value;
  if (!(q > 1))
    warnings.push(`GAMMA_GAMMA: q = ${q.toPrecision(4)} ≤ 1, so the mean spend is unbounded; no expected spend and no predicted CLV`);
  return { parameters: fit.parameters, logLikelihood: fit.logLikelihood, converged: fit.converged, repeatBuyers };
}
