/*
 * The sufficient statistics of the buy-till-you-die models. For one customer
 * at a calibration date: x, the repeat purchases (purchase days after the
 * first, so same-day purchases count once); tx, the time from the first
 * purchase to the last; T, the time from the first purchase to the
 * calibration date; all times in one unit (days or weeks). The count models'
 * likelihoods depend on a customer only through (x, tx, T), so customers
 * with equal statistics are fitted as one group with a weight: the cost of a
 * fit grows with the number of distinct triples, not with the customers.
 */

/** One customer's (or one group's) repeat-purchase statistics. */
export type PurchaseSummary = {
  /** Repeat purchases: purchase days after the first one. */
  x: number;
  /** Time from the first purchase to the last (0 when x = 0). */
  tx: number;
  /** Time from the first purchase to the calibration date. */
  T: number;
};

/** Customers sharing one (x, tx, T), counted by `weight`. */
export type SummaryGroup = PurchaseSummary & { weight: number };

/** A repeat buyer's spend: x repeat purchases with a mean value of `meanSpend` each. */
export type SpendSummary = { x: number; meanSpend: number };

/** A group of repeat buyers sharing one (x, meanSpend). */
export type SpendGroup = SpendSummary & { weight: number };

/** Groups equal summaries; the order of the groups is the order of their first appearance. */
export function groupSummaries(summaries: Iterable<PurchaseSummary>): SummaryGroup[] {
  const groups = new Map<string, SummaryGroup>();
  for (const { x, tx, T } of summaries) {
    const key = `${x}|${tx}|${T}`;
    const group = groups.get(key);
    if (group) group.weight += 1;
    else groups.set(key, { x, tx, T, weight: 1 });
  }
  return [...groups.values()];
}

/** Groups equal spend summaries (repeat buyers only: x > 0). */
export function groupSpends(spends: Iterable<SpendSummary>): SpendGroup[] {
  const groups = new Map<string, SpendGroup>();
  for (const { x, meanSpend } of spends) {
    if (x <= 0) continue;
    const key = `${x}|${meanSpend}`;
    const group = groups.get(key);
    if (group) group.weight += 1;
    else groups.set(key, { x, meanSpend, weight: 1 });
  }
  return [...groups.values()];
}

/** The total weight (customers) of some groups. */
export function totalWeight(groups: readonly { weight: number }[]): number {
  return groups.reduce((sum, group) => sum + group.weight, 0);
}
