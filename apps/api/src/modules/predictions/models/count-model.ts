import type { PurchaseSummary } from './summary';

/** The repeat-purchase models clm fits; the GraphQL enum `PredictionModel` lists the same names. */
export const COUNT_MODEL_NAMES = ['BG_NBD', 'PARETO_NBD', 'MBG_NBD'] as const;
export type CountModelName = (typeof COUNT_MODEL_NAMES)[number];

/**
 * A model of repeat purchases and dropout, written for one customer's
 * sufficient statistics. Parameters are passed in the order of
 * `parameterNames`, all strictly positive; times are in the unit the
 * statistics were computed in.
 */
export type CountModel = {
  name: CountModelName;
  /** The parameters' names in order, as the literature writes them (r, alpha, a, b / r, alpha, s, beta). */
  parameterNames: readonly string[];
  /** log L(params | x, tx, T) for one customer. */
  logLikelihood(params: readonly number[], customer: PurchaseSummary): number;
  /** P(the customer is alive at T | x, tx, T). */
  pAlive(params: readonly number[], customer: PurchaseSummary): number;
  /** P(the customer is still alive at T + t | x, tx, T), t ≥ 0. */
  pAliveAt(params: readonly number[], customer: PurchaseSummary, t: number): number;
  /** E[purchases in (T, T + t] | x, tx, T], t ≥ 0. */
  expectedPurchases(params: readonly number[], customer: PurchaseSummary, t: number): number;
};
