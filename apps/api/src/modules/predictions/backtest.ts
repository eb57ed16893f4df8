import type { CountModel } from './models/count-model';

/*
 * The calibration/holdout backtest, pure: a fitted count model's expected
 * purchases in the holdout for each calibration group, against the purchases
 * that happened. Reported in total, by calibration frequency (the standard
 * validation chart: 0, 1, …, 6 and 7+ repeat purchases) and as errors per
 * customer (MAE, RMSE).
 */

/** Customers sharing calibration statistics and a holdout count (times in the fit's unit). */
export type HoldoutGroup = { x: number; tx: number; T: number; holdoutPurchases: number; weight: number };

/** One bar pair of the validation chart: customers with `frequency` repeat purchases in calibration. */
export type FrequencyRow = {
  /** Repeat purchases in calibration; the last row (7) holds 7 or more. */
  frequency: number;
  customers: number;
  /** Mean holdout purchases per customer, predicted and actual. */
  predicted: number;
  actual: number;
};

export type Backtest = {
  /** Holdout length in the fit's unit. */
  holdout: number;
  customers: number;
  predictedTotal: number;
  actualTotal: number;
  /** Mean absolute and root mean square error per customer. */
  meanAbsoluteError: number;
  rootMeanSquareError: number;
  byFrequency: FrequencyRow[];
};

/** The last frequency row holds this many repeat purchases or more. */
export const TOP_FREQUENCY = 7;

/** Compares `model` with `params` against the holdout of `groups`. */
export function backtest(model: CountModel, params: readonly number[], groups: readonly HoldoutGroup[], holdout: number): Backtest {
  const rows = Array.from({ length: TOP_FREQUENCY + 1 }, (_, frequency) => ({ frequency, customers: 0, predicted: 0, actual: 0 }));
  const predictedByTriple = new Map<string, number>();
  let customers = 0;
  let predictedTotal = 0;
  let actualTotal = 0;
  let absolute = 0;
  let squared = 0;
  for (const group of groups) {
    const key = `${group.x}|${group.tx}|${group.T}`;
    let predicted = predictedByTriple.get(key);
    if (predicted === undefined) {
      predicted = model.expectedPurchases(params, group, holdout);
      predictedByTriple.set(key, predicted);
    }
    const row = rows[Math.min(group.x, TOP_FREQUENCY)]!;
    row.customers += group.weight;
    row.predicted += group.weight * predicted;
    row.actual += group.weight * group.holdoutPurchases;
    customers += group.weight;
    predictedTotal += group.weight * predicted;
    actualTotal += group.weight * group.holdoutPurchases;
    absolute += group.weight * Math.abs(predicted - group.holdoutPurchases);
    squared += group.weight * (predicted - group.holdoutPurchases) ** 2;
  }
  return {
    holdout,
    customers,
    predictedTotal,
    actualTotal,
    meanAbsoluteError: customers === 0 ? 0 : absolute / customers,
    rootMeanSquareError: customers === 0 ? 0 : Math.sqrt(squared / customers),
    byFrequency: rows
      .filter((row) => row.customers > 0)
      .map((row) => ({ ...row, predicted: row.predicted / row.customers, actual: row.actual / row.customers })),
  };
}
