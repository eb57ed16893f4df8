import type { CountModel } from './count-model';
import type { PurchaseSummary } from './summary';

/*
 * Predicted customer lifetime value over a horizon: the expected purchases
 * in each month ahead, times the expected spend per purchase, discounted
 * monthly. A month is 365.25 / 12 days (in the time unit of the fit), so a
 * 12-month horizon is exactly one year.
 */

/** Days in a month of the CLV horizon. */
export const DAYS_PER_MONTH = 365.25 / 12;

export type ClvInput = {
  model: CountModel;
  params: readonly number[];
  customer: PurchaseSummary;
  /** Expected spend per purchase. */
  averageSpend: number;
  /** Months ahead, a positive integer. */
  months: number;
  /** Discount per month, e.g. 0.01 for 1 %. */
  monthlyDiscount: number;
  /** Length of a month in the fit's time unit (DAYS_PER_MONTH for days, DAYS_PER_MONTH / 7 for weeks). */
  monthLength: number;
};

/** Σ over months i = 1…H of (E[Y(i)] − E[Y(i − 1)]) · spend / (1 + d)^i. */
export function predictedClv({ model, params, customer, averageSpend, months, monthlyDiscount, monthLength }: ClvInput): number {
  let value = 0;
  let previous = 0;
  for (let month = 1; month <= months; month++) {
    const expected = model.expectedPurchases(params, customer, month * monthLength);
    value += ((expected - previous) * averageSpend) / Math.pow(1 + monthlyDiscount, month);
    previous = expected;
  }
  return value;
}
