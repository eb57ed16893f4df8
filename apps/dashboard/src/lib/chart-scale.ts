import type { DayRange } from './range';

/*
 * The arithmetic of a readable trend chart: round axis ticks, the period
 * before a range, and which buckets hold fewer days than a whole one (a
 * bucket cut by the range, or the current one, still filling up), so that a
 * short bucket is drawn as partial rather than read as a drop.
 */

const DAY_MS = 86_400_000;

export type BucketKind = 'DAY' | 'WEEK' | 'MONTH';

const dayOf = (text: string) => new Date(`${text}T00:00:00Z`);
const textOf = (date: Date) => date.toISOString().slice(0, 10);

/** Round ticks from 0 (or the lowest value when negative) to at least the highest, about `count` of them; whole numbers when `whole`. */
export function niceTicks(values: ReadonlyArray<number | null>, count = 4, whole = false): number[] {
  const known = values.filter((value): value is number => value !== null && Number.isFinite(value));
  const low = Math.min(0, ...known);
  const high = Math.max(0, ...known);
  // Nothing to spread (or differences below any display's precision): one unit from the lowest.
  if (!(high - low > 1e-9)) return [low, low + 1];
  const rough = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  const step = whole ? Math.max(1, Math.ceil(nice)) : nice;
  const first = Math.floor(low / step);
  const last = Math.ceil(high / step);
  // Twelve significant digits, so that 3 × 0.1 shows as 0.3.
  const ticks: number[] = [];
  for (let index = first; index <= last; index += 1) ticks.push(Number((index * step).toPrecision(12)));
  return ticks;
}

/** The period of the same number of days just before `range` (what `compareToPrevious` measures). */
export function previousRange(range: DayRange): DayRange {
  const from = dayOf(range.from);
  const days = Math.round((dayOf(range.to).getTime() - from.getTime()) / DAY_MS) + 1;
  return { from: textOf(new Date(from.getTime() - days * DAY_MS)), to: textOf(new Date(from.getTime() - DAY_MS)) };
}

/** The first day after the whole bucket that starts on `start` (buckets are keyed by their calendar start). */
export function bucketEnd(start: string, kind: BucketKind): string {
  const day = dayOf(start);
  if (kind === 'DAY') return textOf(new Date(day.getTime() + DAY_MS));
  if (kind === 'WEEK') return textOf(new Date(day.getTime() + 7 * DAY_MS));
  return textOf(new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1)));
}

/**
 * Why a bucket holds less than a whole one, or null: it began before the
 * range, the range ends within it, or it is the current bucket (today is in
 * it; `today` a UTC day).
 */
export function partialReason(start: string, kind: BucketKind, range: DayRange, today: string): string | null {
  const end = bucketEnd(start, kind);
  const lastDay = textOf(new Date(dayOf(end).getTime() - DAY_MS));
  if (today >= start && today <= lastDay && range.to >= today) return `partial: the current ${kind.toLowerCase()}, up to ${today}`;
  if (start < range.from) return `partial: from ${range.from}, the range's first day`;
  if (range.to < lastDay) return `partial: to ${range.to}, the range's last day`;
  return null;
}
