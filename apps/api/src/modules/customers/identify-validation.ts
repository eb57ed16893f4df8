import type { JsonValue } from '@clm/schema';
import { isStorableDate, parseIsoDateTime } from '../../core/dates';
import {
  findUnstorableText,
  isEmail,
  jsonBytes,
  MAX_JSON_BYTES,
  MAX_JSON_DEPTH,
  MAX_TEXT,
  nestsDeeperThan,
  normaliseEmail,
} from '../../core/ids';
import type { CustomerReference } from './identity';

/** An identify message as a client sends it, before validation (Segment's identify, and alias with `previousId`). */
export type IdentifySubmission = {
  messageId?: string | null;
  occurredAt?: string | Date | null;
  externalId?: string | null;
  anonymousId?: string | null;
  previousId?: string | null;
  email?: string | null;
  name?: string | null;
  attributes?: Record<string, unknown> | null;
};

/** An identify message that passed validation: text trimmed (blank read as absent), the email lowercase. */
export type ValidIdentify = {
  index: number;
  messageId: string;
  occurredAt: Date;
  /** The customer it names, as touchpoints name theirs (name and attributes included). */
  customer: CustomerReference;
  /** Another identity of the same person (an anonymousId or an externalId it was known by before). */
  previousId: string | null;
};

export type IdentifyFieldError = { index: number; field: string; message: string };

/** Event times further ahead than this are refused as clock errors (as for touchpoints). */
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000;
const TEXT_FIELDS = ['messageId', 'externalId', 'anonymousId', 'previousId', 'email', 'name'] as const;

/**
 * Validates one identify message; `path` names it in messages (for example
 * `items[3]`), and an error names the exact field. The first problem in
 * field order is reported.
 */
export function validateIdentify(index: number, path: string, input: IdentifySubmission, now: Date): ValidIdentify | IdentifyFieldError {
  const fail = (field: string, message: string): IdentifyFieldError => ({
    index,
    field: `${path}.${field}`,
    message: `${path}.${field}: ${message}`,
  });
  const text: Partial<Record<(typeof TEXT_FIELDS)[number], string>> = {};
  for (const field of TEXT_FIELDS) {
    const value: unknown = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return fail(field, 'must be text');
    const unstorable = findUnstorableText(value, field);
    if (unstorable !== null) return fail(field, unstorable.message);
    if (value.trim().length > MAX_TEXT) return fail(field, `must be at most ${MAX_TEXT} characters`);
    if (value.trim() !== '') text[field] = value.trim();
  }
  if (text.messageId === undefined) return fail('messageId', 'is required (an idempotency key unique to this message)');
  const occurredAt = parseOccurredAt(input.occurredAt);
  if (occurredAt === null) return fail('occurredAt', 'must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z');
  if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS)
    return fail('occurredAt', `${occurredAt.toISOString()} is more than a day in the future`);
  if (text.email !== undefined && !isEmail(text.email.toLowerCase())) return fail('email', `"${text.email}" is not an email address`);
  const attributes = input.attributes;
  if (attributes !== undefined && attributes !== null) {
    if (!isJsonObject(attributes)) return fail('attributes', 'must be an object');
    const unstorable = findUnstorableText(attributes, 'attributes');
    if (unstorable !== null) return fail(unstorable.field, unstorable.message);
    if (nestsDeeperThan(attributes, MAX_JSON_DEPTH)) return fail('attributes', `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
    if (jsonBytes(attributes) > MAX_JSON_BYTES) return fail('attributes', `must be at most ${MAX_JSON_BYTES} bytes of JSON`);
  }
  if (text.externalId === undefined && text.email === undefined && text.anonymousId === undefined)
    return fail('externalId', 'give at least one of externalId, email, anonymousId');
  if (text.previousId !== undefined && text.externalId === undefined && text.email === undefined)
    return fail('previousId', 'an alias needs the externalId (or email) the previous id now belongs to');
  return {
    index,
    messageId: text.messageId,
    occurredAt,
    customer: {
      id: null,
      externalId: text.externalId ?? null,
      email: text.email === undefined ? null : normaliseEmail(text.email),
      anonymousId: text.anonymousId ?? null,
      name: text.name ?? null,
      attributes: isJsonObject(attributes) ? attributes : {},
    },
    previousId: text.previousId ?? null,
  };
}

function parseOccurredAt(value: unknown): Date | null {
  if (value instanceof Date) return isStorableDate(value) ? value : null;
  return typeof value === 'string' ? parseIsoDateTime(value) : null;
}

/** An object of attributes; it arrived as JSON (GraphQL's JSONObject, or parsed by the caller), so its values are JSON. */
function isJsonObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
