import type { JsonValue } from '@clm/schema';
import { isStorableDate, parseIsoDateTime } from '../../core/dates';
import { decimalOfNumber, EXACT_NUMBER_DIGITS } from '../../core/money';
import {
  findUnstorableText,
  isEmail,
  isUuid,
  jsonBytes,
  MAX_JSON_BYTES,
  MAX_JSON_DEPTH,
  MAX_TEXT,
  nestsDeeperThan,
  normaliseEmail,
} from '../../core/ids';
import type { CustomerReference } from '../customers';

/** A touchpoint as sent by a client, before validation. */
export type TouchpointSubmission = {
  messageId?: string | null;
  customer?: {
    id?: string | null;
    externalId?: string | null;
    email?: string | null;
    name?: string | null;
    attributes?: Record<string, unknown> | null;
  } | null;
  type?: string | null;
  channel?: string | null;
  occurredAt?: string | Date | null;
  value?: number | null;
  currency?: string | null;
  campaign?: string | null;
  properties?: Record<string, unknown> | null;
};

/** A touchpoint that passed validation, normalised. */
export type ValidTouchpoint = {
  index: number;
  messageId: string;
  customer: CustomerReference;
  type: string;
  channel: string;
  occurredAt: Date;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, JsonValue>;
};

export type FieldError = { index: number; field: string; message: string };

const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Event times further ahead than this are refused as clock errors. */
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000;

/**
 * Validates one submitted touchpoint. `path` names it in messages, for
 * example `touchpoints[3]`; errors name the exact field.
 */
export function validateTouchpoint(index: number, path: string, input: TouchpointSubmission, now: Date): ValidTouchpoint | FieldError {
  const fail = (field: string, message: string): FieldError => ({
    index,
    field: `${path}.${field}`,
    message: `${path}.${field}: ${message}`,
  });

  // PostgreSQL cannot store NUL or lone surrogates in text or JSON; refuse them here rather than fail the whole batch.
  const unstorable = firstUnstorableField(input);
  if (unstorable !== null) return fail(unstorable.field, unstorable.message);

  const messageId = input.messageId?.trim() ?? '';
  if (messageId === '') return fail('messageId', 'is required (an idempotency key unique to this event)');
  if (messageId.length > MAX_TEXT) return fail('messageId', `must be at most ${MAX_TEXT} characters`);

  const customer = input.customer;
  if (!customer) return fail('customer', 'is required');
  const id = customer.id?.trim() || null;
  const externalId = customer.externalId?.trim() || null;
  const email = customer.email != null && customer.email.trim() !== '' ? normaliseEmail(customer.email) : null;
  if (id === null && externalId === null && email === null) return fail('customer', 'give at least one of id, externalId, email');
  if (id !== null && !isUuid(id)) return fail('customer.id', `"${id}" is not a UUID`);
  if (externalId !== null && externalId.length > MAX_TEXT) return fail('customer.externalId', `must be at most ${MAX_TEXT} characters`);
  if (email !== null && (!isEmail(email) || email.length > MAX_TEXT)) return fail('customer.email', `"${email}" is not an email address`);
  if (customer.attributes != null && !isPlainObject(customer.attributes)) return fail('customer.attributes', 'must be an object');
  if (nestsDeeperThan(customer.attributes, MAX_JSON_DEPTH))
    return fail('customer.attributes', `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
  if (customer.attributes != null && jsonBytes(customer.attributes) > MAX_JSON_BYTES)
    return fail('customer.attributes', `must be at most ${MAX_JSON_BYTES} bytes of JSON`);
  if (customer.name != null && customer.name.trim().length > MAX_TEXT)
    return fail('customer.name', `must be at most ${MAX_TEXT} characters`);

  const type = input.type?.trim() ?? '';
  if (!NAME_PATTERN.test(type)) return fail('type', `"${type}" must be lowercase snake_case (letters, digits, _), starting with a letter`);
  const channel = input.channel?.trim() ?? '';
  if (!NAME_PATTERN.test(channel))
    return fail('channel', `"${channel}" must be lowercase snake_case (letters, digits, _), starting with a letter`);

  const occurredAt = parseDateTime(input.occurredAt);
  if (occurredAt === null) return fail('occurredAt', 'must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z');
  if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS)
    return fail('occurredAt', `${occurredAt.toISOString()} is more than a day in the future`);

  const value = input.value ?? null;
  const valueProblem = value === null ? null : checkValue(value);
  if (valueProblem !== null) return fail('value', valueProblem);
  const currency = input.currency?.trim().toUpperCase() || null;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency)) return fail('currency', `"${currency}" is not an ISO 4217 code like USD`);
  const campaign = input.campaign?.trim() || null;
  if (campaign !== null && campaign.length > MAX_TEXT) return fail('campaign', `must be at most ${MAX_TEXT} characters`);

  const properties = input.properties ?? {};
  if (!isPlainObject(properties)) return fail('properties', 'must be an object');
  if (nestsDeeperThan(properties, MAX_JSON_DEPTH)) return fail('properties', `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
  if (jsonBytes(properties) > MAX_JSON_BYTES) return fail('properties', `must be at most ${MAX_JSON_BYTES} bytes of JSON`);

  return {
    index,
    messageId,
    customer: {
      id: id?.toLowerCase() ?? null,
      externalId,
      email,
      name: customer.name?.trim() || null,
      attributes: (customer.attributes ?? {}) as Record<string, JsonValue>,
    },
    type,
    channel,
    occurredAt,
    value,
    currency,
    campaign,
    properties: properties as Record<string, JsonValue>,
  };
}

/**
 * A touchpoint's value is stored exactly as sent (numeric, 4 decimals), or
 * refused: below 10^15, at most 4 decimal places, and at most 15 significant
 * digits, all a JSON number carries exactly (with more, parsing may already
 * have changed digits the client sent: 12345678901234.567 arrives as
 * 12345678901234.566).
 */
function checkValue(value: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= 1e15) return 'must be a finite number';
  const decimal = decimalOfNumber(value);
  if (decimal === null)
    return `${String(value)} has more than ${EXACT_NUMBER_DIGITS} significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send at most ${EXACT_NUMBER_DIGITS}`;
  const places = decimal.split('.')[1]?.length ?? 0;
  if (places > VALUE_DECIMALS)
    return `${decimal} has more than ${VALUE_DECIMALS} decimal places (values are stored with ${VALUE_DECIMALS})`;
  return null;
}

const VALUE_DECIMALS = 4;

function firstUnstorableField(input: TouchpointSubmission): { field: string; message: string } | null {
  const candidates: Array<[string, unknown]> = [
    ['messageId', input.messageId],
    ['customer.id', input.customer?.id],
    ['customer.externalId', input.customer?.externalId],
    ['customer.email', input.customer?.email],
    ['customer.name', input.customer?.name],
    ['customer.attributes', input.customer?.attributes],
    ['type', input.type],
    ['channel', input.channel],
    ['currency', input.currency],
    ['campaign', input.campaign],
    ['properties', input.properties],
  ];
  for (const [field, value] of candidates) {
    const found = findUnstorableText(value, field);
    if (found !== null) return found;
  }
  return null;
}

function parseDateTime(value: string | Date | null | undefined): Date | null {
  if (value instanceof Date) return isStorableDate(value) ? value : null;
  return typeof value === 'string' ? parseIsoDateTime(value) : null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
