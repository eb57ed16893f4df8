/** A range of whole UTC days, both ends included, as the metrics API takes it. */
export type DayRange = { from: string; to: string };

export const RANGE_PRESETS = [
  { key: '7d', label: 'Last 7 days', days: 7 },
  { key: '30d', label: 'Last 30 days', days: 30 },
  { key: '90d', label: 'Last 90 days', days: 90 },
  { key: '365d', label: 'Last 12 months', days: 365 },
] as const;

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function validDay(text: string): boolean {
  return DAY.test(text) && isoDay(new Date(`${text}T00:00:00Z`)) === text;
}

/**
 * The URL's `range`: a preset (`30d`: the last 30 days up to today, UTC) or
 * `YYYY-MM-DD..YYYY-MM-DD`. Anything else falls back to `fallback`.
 */
export function parseRange(param: string | null, fallback: string, today: Date = new Date()): { key: string; range: DayRange } {
  const key = param ?? fallback;
  const preset = RANGE_PRESETS.find((candidate) => candidate.key === key);
  if (preset) return { key, range: { from: isoDay(new Date(today.getTime() - (preset.days - 1) * DAY_MS)), to: isoDay(today) } };
  const [from, to] = key.split('..');
  if (from && to && validDay(from) && validDay(to) && from <= to) return { key, range: { from, to } };
  return key === fallback ? parseRange('30d', '30d', today) : parseRange(fallback, fallback, today);
}

/** [from, to) instants of a day range, for the APIs that take date-times. */
export function rangeInstants(range: DayRange): { from: string; to: string } {
  const end = new Date(`${range.to}T00:00:00Z`);
  return { from: `${range.from}T00:00:00.000Z`, to: new Date(end.getTime() + DAY_MS).toISOString() };
}
