import type { CountModelName } from './models/count-model';
import { COUNT_MODELS, DAYS_PER_UNIT } from './fit-run';
import type { FitRunResult, TimeUnit } from './fit-run';
import { DAYS_PER_MONTH, predictedClv } from './models/clv';
import { expectedAverageSpend } from './models/gamma-gamma';

/*
 * Scoring one customer with a stored fit, pure. The fit's parameters are
 * population-level, so a customer is scored on their statistics as of the
 * scoring day (T from their first purchase to that day), not as of the fit's
 * calibration date. Times in the API are days; the fit's unit is applied
 * here. Every function returns null, never NaN: an unscorable customer says
 * why in `reason`.
 */

/** A customer's statistics on the scoring day, in days. */
export type CustomerHistory = { x: number; txDays: number; tDays: number; meanRepeatSpend: number };

/** What scoring needs of a stored fit. */
export type ScoringFit = { id: string; model: CountModelName; timeUnit: TimeUnit; result: FitRunResult };

export type Scorer = {
  pAlive: () => number | null;
  pAliveAfter: (days: number) => number | null;
  expectedPurchases: (days: number) => number | null;
  expectedAverageSpend: () => number | null;
  predictedClv: (months: number, monthlyDiscount: number) => number | null;
};

/** The scorer of `history` under `fit`. */
export function scorer(fit: ScoringFit, history: CustomerHistory): Scorer {
  const model = COUNT_MODELS[fit.model];
  const chosen = fit.result.models.find((candidate) => candidate.model === fit.model)!;
  const params = chosen.parameters.map((parameter) => parameter.value);
  const perUnit = DAYS_PER_UNIT[fit.timeUnit];
  const customer = { x: history.x, tx: history.txDays / perUnit, T: history.tDays / perUnit };
  const spendParams = fit.result.spend?.parameters.map((parameter) => parameter.value) ?? null;
  const spend = (): number | null =>
    spendParams === null ? null : safe(() => expectedAverageSpend(spendParams, { x: history.x, meanSpend: history.meanRepeatSpend }));
  return {
    pAlive: () => safe(() => model.pAlive(params, customer)),
    pAliveAfter: (days) => safe(() => model.pAliveAt(params, customer, days / perUnit)),
    expectedPurchases: (days) => safe(() => model.expectedPurchases(params, customer, days / perUnit)),
    expectedAverageSpend: spend,
    predictedClv: (months, monthlyDiscount) => {
      const averageSpend = spend();
      if (averageSpend === null) return null;
      return safe(() =>
        predictedClv({ model, params, customer, averageSpend, months, monthlyDiscount, monthLength: DAYS_PER_MONTH / perUnit }),
      );
    },
  };
}

/** The value, or null when it cannot be computed (a special function out of its range) or is not finite. */
function safe(compute: () => number | null): number | null {
  try {
    const value = compute();
    return value !== null && Number.isFinite(value) ? value : null;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}
