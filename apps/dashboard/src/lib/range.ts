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

/** A parsed `range`: the key the page uses (the fallback's when the URL's is bad), its days, and what was wrong with the URL's. */
export type ParsedRange = { key: string; range: DayRange; problem: string | null };

/**
 * The URL's `range`: a preset (`30d`: the last 30 days up to today, UTC) or
 * `YYYY-MM-DD..YYYY-MM-DD`. Anything else falls back to `fallback`, with a
 * `problem` that says why, so the page can say it shows another range.
 */
export function parseRange(param: string | null, fallback: string, today: Date = new Date()): ParsedRange {
  const key = param ?? fallback;
  const preset = RANGE_PRESETS.find((candidate) => candidate.key === key);
  if (preset)
    return { key, range: { from: isoDay(new Date(today.getTime() - (preset.days - 1) * DAY_MS)), to: isoDay(today) }, problem: null };
  const [from, to] = key.split('..');
  const days = from !== undefined && to !== undefined && validDay(from) && validDay(to);
  if (days && from <= to) return { key, range: { from, to }, problem: null };
  const problem = days ? `"${key}" ends before it starts` : `"${key}" is not a range (a preset such as 30d, or YYYY-MM-DD..YYYY-MM-DD)`;
  const shown = key === fallback ? parseRange('30d', '30d', today) : parseRange(fallback, fallback, today);
  return { ...shown, problem };
}

/** How a range reads in the picker: a preset's label, or its two days. */
export function rangeLabel(key: string, range: DayRange): string {
  return RANGE_PRESETS.find((preset) => preset.key === key)?.label ?? `${range.from} to ${range.to}`;
}

/** [from, to) instants of a day range, for the APIs that take date-times. */
export function rangeInstants(range: DayRange): { from: string; to: string } {
  const end = new Date(`${range.to}T00:00:00Z`);
  return { from: `${range.from}T00:00:00.000Z`, to: new Date(end.getTime() + DAY_MS).toISOString() };
}
