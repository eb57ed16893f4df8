/** Number, money, share and duration formats shared by every page; every one shows "—" for a missing value. */
const numberFormat = new Intl.NumberFormat();
const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const moneyFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const signedPercent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const signedNumber = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, signDisplay: 'exceptZero' });

export const MISSING = '—';

const known = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

export function formatCount(value: number | null | undefined): string {
  return known(value) ? numberFormat.format(value) : MISSING;
}

export function formatDecimal(value: number | null | undefined): string {
  return known(value) ? decimalFormat.format(value) : MISSING;
}

/** 0.125 → "12.5%". */
export function formatPercent(value: number | null | undefined): string {
  return known(value) ? percentFormat.format(value) : MISSING;
}

export function formatMoney(value: number | null | undefined): string {
  return known(value) ? moneyFormat.format(value) : MISSING;
}

export function formatShare(part: number, whole: number): string {
  return whole > 0 ? percentFormat.format(part / whole) : MISSING;
}

/** A change against the previous period: relative ("+12%") or, for NPS, in points ("+3 pts"). */
export function formatChange(value: number | null | undefined, points = false): string {
  if (!known(value)) return MISSING;
  return points ? `${signedNumber.format(value)} pts` : signedPercent.format(value);
}

/** "1 customer", "2 customers", "1,204 customers". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${numberFormat.format(count)} ${count === 1 ? one : many}`;
}

/** Seconds as the largest sensible unit: "45 s", "12 min", "5.5 h", "3.2 days". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!known(seconds)) return MISSING;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${decimalFormat.format(seconds / 60)} min`;
  if (seconds < 86_400) return `${decimalFormat.format(seconds / 3600)} h`;
  const days = seconds / 86_400;
  return `${decimalFormat.format(days)} ${days === 1 ? 'day' : 'days'}`;
}
