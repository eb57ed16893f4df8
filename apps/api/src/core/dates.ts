import { invalidInput } from './errors';

/** The range of instants clm stores: PostgreSQL has no year 0, and nothing clm records happens before year 1 or after 9999. */
const EARLIEST = new Date('0001-01-01T00:00:00Z').getTime();
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether `date` is a real instant clm can store. */
export function isStorableDate(date: Date): boolean {
  const time = date.getTime();
  return !Number.isNaN(time) && time >= EARLIEST && time <= LATEST;
}

/** Refuses a DateTime argument outside the storable range, naming it. */
export function storableDate(date: Date, field: string): Date {
  if (!isStorableDate(date)) throw invalidInput(field, 'must be a date between the years 0001 and 9999');
  return date;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO 8601 date-time with a time zone, refusing dates that do not
 * exist (February 30, hour 24, minute 60) instead of rolling them over, and
 * years outside 0001–9999.
 */
export function parseIsoDateTime(text: string): Date | null {
  const match = ISO_DATE_TIME.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => (part === undefined ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leapFebruary = month === 2 && day === 29 && (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || leapFebruary || hour > 23 || minute > 59 || second > 59) return null;
  const parsed = new Date(text.trim());
  return isStorableDate(parsed) ? parsed : null;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a calendar day `YYYY-MM-DD` (years 0001–9999, real dates only) to its UTC midnight; null otherwise. */
export function parseIsoDate(text: string): Date | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = match.slice(1, 4).map(Number);
  if (year < 1) return null;
  const parsed = new Date(Date.UTC(2000, month - 1, day));
  parsed.setUTCFullYear(year);
  if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) return null;
  return parsed;
}

/** The calendar day of a UTC instant, `YYYY-MM-DD`. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `day` moved by `days` whole days. */
export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * 86_400_000);
}
