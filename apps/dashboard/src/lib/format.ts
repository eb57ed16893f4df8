/*
 * How every page writes numbers, money, shares, durations and dates. Every
 * function accepts a missing value and answers "—" rather than throwing.
 * Numbers are written the en-US way and dates in UTC, whatever the browser's
 * settings: the dashboard's words are English, and the API's days are UTC days.
 */

export const MISSING = '—';

const numberFormat = new Intl.NumberFormat('en-US');
const decimalFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const moneyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedPercent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const signedNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

const known = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/** 1204 → "1,204". */
export function formatCount(value: number | null | undefined): string {
  return known(value) ? numberFormat.format(value) : MISSING;
}

/** 12.34 → "12.3". */
export function formatDecimal(value: number | null | undefined): string {
  return known(value) ? decimalFormat.format(value) : MISSING;
}

/** 0.125 → "12.5%". */
export function formatPercent(value: number | null | undefined): string {
  return known(value) ? percentFormat.format(value) : MISSING;
}

/** Two decimals, no currency (revenue is summed in the units sent); the API's Decimal comes as text. */
export function formatMoney(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return MISSING;
  const amount = typeof value === 'number' ? value : Number(value);
  return known(amount) ? moneyFormat.format(amount) : MISSING;
}

/** `part` as a share of `whole`: (3, 8) → "37.5%". */
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

/** "24 Nov 2026, 10:05 UTC". */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return MISSING;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? MISSING : `${dateTimeFormat.format(date)} UTC`;
}

/** How long ago `since` was, in the largest whole unit: "3 days", "5 hours", "under a minute". */
export function formatElapsed(since: string | null | undefined, now: number = Date.now()): string {
  if (!since) return MISSING;
  const start = new Date(since).getTime();
  if (Number.isNaN(start)) return MISSING;
  const minutes = Math.max(0, Math.floor((now - start) / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.floor(hours / 24), 'day');
}

/** The stage's display name from the model, else its key, else "—" (not in the lifecycle yet). */
export function stageName(key: string | null | undefined, stages: ReadonlyArray<{ key: string; name: string }>): string {
  if (!key) return MISSING;
  if (key === 'at-risk') return 'At risk';
  if (key === 'churned') return 'Churned';
  return stages.find((stage) => stage.key === key)?.name ?? key;
}

/** A JSON value as a short line of text. */
export function formatJsonValue(value: unknown): string {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
