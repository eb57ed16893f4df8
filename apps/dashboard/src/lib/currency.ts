/*
 * clm never converts currencies: `sales` (and CLV, ROI) add up every
 * purchase's value as sent. The dashboard reports in one currency and flags
 * every amount sent in another, so that nothing is summed silently.
 */

export type CurrencySales = { currency: string; purchases: number; amount: number };

export type CurrencyReport = {
  /** The reporting currency ('' when the purchases state none); null without purchases. */
  reporting: string | null;
  /** Purchases in any other currency (or in none, when one is reported), summed into the totals as sent. */
  others: CurrencySales[];
};

/** The reporting currency — `chosen` when given, else the one most purchases were sent in (ties: the first by code) — and the rest. */
export function currencyReport(rows: readonly CurrencySales[], chosen: string | null): CurrencyReport {
  const ranked = [...rows].sort((a, b) => b.purchases - a.purchases || a.currency.localeCompare(b.currency));
  const reporting = chosen ?? ranked[0]?.currency ?? null;
  return { reporting, others: rows.filter((row) => row.currency !== reporting) };
}

/** How a currency reads in a sentence. */
export function currencyName(currency: string): string {
  return currency === '' ? 'no stated currency' : currency;
}

/** A sentence flagging the amounts in other currencies, or null when every purchase is in the reporting one. */
export function currencyFlag(report: CurrencyReport, formatAmount: (amount: number) => string): string | null {
  if (report.reporting === null || report.others.length === 0) return null;
  const parts = report.others.map(
    (row) =>
      `${row.purchases} ${row.purchases === 1 ? 'purchase' : 'purchases'} in ${currencyName(row.currency)} (${formatAmount(row.amount)})`,
  );
  return `Not converted: ${parts.join(', ')} ${report.others.length === 1 && report.others[0].purchases === 1 ? 'is' : 'are'} added as sent to the ${currencyName(report.reporting)} amounts in Sales, CLV and ROI.`;
}
