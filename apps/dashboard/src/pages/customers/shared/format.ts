/*
 * Formatting for the customers, segments and settings pages. Every function
 * accepts a missing value and answers "—" rather than throwing.
 */

const DASH = '—';

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const number = new Intl.NumberFormat('en-US');
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "24 Nov 2026, 10:05 UTC". */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return DASH;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? DASH : `${dateTime.format(date)} UTC`;
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : number.format(value);
}

/** Two decimals, no currency (revenue is summed in the units sent). */
export function formatMoney(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return DASH;
  const amount = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(amount) ? money.format(amount) : DASH;
}

/** "1 customer", "2 customers". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${number.format(count)} ${count === 1 ? singular : pluralForm}`;
}

/** How long ago `since` was, in the largest whole unit: "3 days", "5 hours", "under a minute". */
export function formatElapsed(since: string | null | undefined, now: number = Date.now()): string {
  if (!since) return DASH;
  const start = new Date(since).getTime();
  if (Number.isNaN(start)) return DASH;
  const minutes = Math.max(0, Math.floor((now - start) / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.floor(hours / 24), 'day');
}

/** The stage's display name from the model, else its key, else "—" (not in the lifecycle yet). */
export function stageName(key: string | null | undefined, stages: ReadonlyArray<{ key: string; name: string }>): string {
  if (!key) return DASH;
  if (key === 'at-risk') return 'At risk';
  if (key === 'churned') return 'Churned';
  return stages.find((stage) => stage.key === key)?.name ?? key;
}

/** A JSON value as a short line of text. */
export function formatJsonValue(value: unknown): string {
  if (value === null || value === undefined) return DASH;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
