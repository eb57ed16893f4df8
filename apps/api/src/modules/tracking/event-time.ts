import { isStorableDate, parseIsoDateTime } from '../../core/dates';

/*
 * When a Segment message happened. The sender's clock may be wrong, so the
 * Spec's rule corrects the event time by how far the sender's clock was off
 * when it sent: `receivedAt − (sentAt − timestamp)`, with both `sentAt` and
 * `timestamp` read from the sender's clock (the error cancels). Without
 * `sentAt` the time is taken as sent; without any time it is `receivedAt`.
 * `originalTimestamp` (the name the Spec gives the sender's uncorrected time)
 * is read when `timestamp` is absent. Times may carry up to nine fraction
 * digits; the offset is computed in microseconds and the result kept to the
 * millisecond (clm's instants are milliseconds).
 */

/** An instant to the microsecond, since the epoch. */
type Micros = bigint;

export type TimeProblem = { field: 'timestamp' | 'originalTimestamp' | 'sentAt'; reason: string };

const TIME_FORMAT = 'must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00.123456Z';

/** `text` as microseconds since the epoch, or null when it is not an ISO 8601 date-time with a zone. */
export function parseMicros(text: string): Micros | null {
  const date = parseIsoDateTime(text);
  if (date === null) return null;
  const fraction = /\.(\d+)(?:Z|[+-])/i.exec(text.trim())?.[1] ?? '';
  // The date parsed to whole milliseconds; the fourth to sixth fraction digits are the microseconds below them.
  const belowMillis = BigInt((fraction.slice(3, 6) + '000').slice(0, 3));
  return BigInt(date.getTime()) * 1000n + belowMillis;
}

/**
 * The corrected time of a message. `sentAt` is the message's own, else its
 * batch's (`batchSentAt`); `receivedAt` is when clm received the request.
 */
export function eventTime(
  message: { timestamp?: unknown; originalTimestamp?: unknown; sentAt?: unknown },
  batchSentAt: unknown,
  receivedAt: Date,
): Date | TimeProblem {
  const field = message.timestamp != null ? 'timestamp' : 'originalTimestamp';
  const sent = message.timestamp ?? message.originalTimestamp ?? null;
  const at = readTime(sent);
  if (at === undefined) return { field, reason: TIME_FORMAT };
  if (at === null) return receivedAt;
  const sentAtValue = message.sentAt ?? batchSentAt ?? null;
  const sentAt = readTime(sentAtValue);
  if (sentAt === undefined) return { field: 'sentAt', reason: TIME_FORMAT };
  const micros = sentAt === null ? at : BigInt(receivedAt.getTime()) * 1000n - (sentAt - at);
  // Floor to the millisecond (BigInt division truncates toward zero, so step down for instants before 1970).
  const millis = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const date = new Date(Number(millis));
  if (!isStorableDate(date)) return { field, reason: `${String(sent)} corrected by sentAt falls outside the years 0001–9999` };
  return date;
}

/** undefined: present but not a date-time; null: absent. */
function readTime(value: unknown): Micros | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return undefined;
  return parseMicros(value) ?? undefined;
}
