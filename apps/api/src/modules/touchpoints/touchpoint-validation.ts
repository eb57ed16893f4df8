import type { JsonValue } from '@clm/schema';
import { z } from 'zod';
import { isStorableDate, parseIsoDateTime } from '../../core/dates';
import { decimalOfNumber, EXACT_NUMBER_DIGITS } from '../../core/money';
import { findUnstorableText, isEmail, isUuid, jsonBytes, MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_TEXT, nestsDeeperThan } from '../../core/ids';
import { pathIssues, UNLESS_FAILED } from '../../core/zod-issues';
import type { CustomerReference } from '../customers';

/** A touchpoint as sent by a client, before validation. */
export type TouchpointSubmission = {
  messageId?: string | null;
  customer?: {
    id?: string | null;
    externalId?: string | null;
    email?: string | null;
    anonymousId?: string | null;
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
const VALUE_DECIMALS = 4;

const REQUIRED_MESSAGE_ID = 'is required (an idempotency key unique to this event)';
const NO_IDENTITY = 'give at least one of id, externalId, email, anonymousId';
const SNAKE_CASE = 'must be lowercase snake_case (letters, digits, _), starting with a letter';
const DATE_TIME = 'must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z';
const MUST_BE_TEXT = 'must be text';
const AT_MOST_TEXT = `must be at most ${MAX_TEXT} characters`;

/*
 * The shape of a submission, as zod schemas built once and compiled
 * (`z.compile`: a generated fast path for valid items, the ordinary parser
 * for the rest), because ingest validates every item of every batch; with
 * it a valid batch validates about as fast as the hand-written checks did.
 * A submission gets one error, the first problem in
 * field order, so the order of keys and checks below is the order messages
 * are chosen in. Text has been checked for storability before parsing;
 * optional text comes out trimmed, and blank is read as absent when the
 * result is put together.
 */

/** A JSON object (attributes, properties), bounded in depth and size; it arrived as JSON, so its values are JSON. */
const jsonObjectSchema = z
  .custom<Record<string, JsonValue>>(isPlainObject, { error: 'must be an object' })
  .refine((value) => !nestsDeeperThan(value, MAX_JSON_DEPTH), {
    error: `must not nest deeper than ${MAX_JSON_DEPTH} levels`,
    ...UNLESS_FAILED,
  })
  .refine((value) => jsonBytes(value) <= MAX_JSON_BYTES, { error: `must be at most ${MAX_JSON_BYTES} bytes of JSON`, ...UNLESS_FAILED });

/** Lowercase snake_case (type, channel); a missing one is quoted as "". */
const snakeCaseSchema = z
  .string({ error: (issue) => (issue.input == null ? `"" ${SNAKE_CASE}` : MUST_BE_TEXT) })
  .trim()
  .regex(NAME_PATTERN, { error: (issue) => `"${String(issue.input)}" ${SNAKE_CASE}` });

/**
 * A customer names at least one identity. Checked before the customer's
 * fields, so a customer without one is told that first, whatever else is
 * wrong with it.
 */
const customerSchema = z.preprocess(
  (customer, context) => {
    if (isPlainObject(customer) && ![customer.id, customer.externalId, customer.email, customer.anonymousId].some(isNonBlankText))
      context.addIssue({ code: 'custom', message: NO_IDENTITY, input: customer });
    return customer;
  },
  z.object(
    {
      id: z
        .string({ error: MUST_BE_TEXT })
        .trim()
        .refine((id) => id === '' || isUuid(id), { error: (issue) => `"${String(issue.input)}" is not a UUID` })
        .toLowerCase()
        .nullish(),
      externalId: z.string({ error: MUST_BE_TEXT }).trim().max(MAX_TEXT, AT_MOST_TEXT).nullish(),
      email: z
        .string({ error: MUST_BE_TEXT })
        .trim()
        .toLowerCase()
        .refine((email) => email === '' || (isEmail(email) && email.length <= MAX_TEXT), {
          error: (issue) => `"${String(issue.input)}" is not an email address`,
        })
        .nullish(),
      anonymousId: z.string({ error: MUST_BE_TEXT }).trim().max(MAX_TEXT, AT_MOST_TEXT).nullish(),
      attributes: jsonObjectSchema.nullish(),
      name: z.string({ error: MUST_BE_TEXT }).trim().max(MAX_TEXT, AT_MOST_TEXT).nullish(),
    },
    { error: (issue) => (issue.input == null ? 'is required' : 'must be an object') },
  ),
);

/** The fields up to the event time; the clock check, which needs `now`, comes between them and the rest. */
const headSchema = z.compile(
  z.object({
    messageId: z
      .string({ error: (issue) => (issue.input == null ? REQUIRED_MESSAGE_ID : MUST_BE_TEXT) })
      .trim()
      .min(1, { error: REQUIRED_MESSAGE_ID, ...UNLESS_FAILED })
      .max(MAX_TEXT, { error: AT_MOST_TEXT, ...UNLESS_FAILED }),
    customer: customerSchema,
    type: snakeCaseSchema,
    channel: snakeCaseSchema,
    occurredAt: z.unknown().transform((value, context) => {
      const date = parseDateTime(value);
      if (date !== null) return date;
      context.addIssue({ code: 'custom', message: DATE_TIME, input: value });
      return z.NEVER;
    }),
  }),
);

const tailSchema = z.compile(
  z.object({
    value: z
      .number({ error: 'must be a finite number' })
      .refine((value) => Math.abs(value) < 1e15, { error: 'must be a finite number', ...UNLESS_FAILED })
      .superRefine((value, context) => {
        const problem = inexactValue(value);
        if (problem !== null) context.addIssue({ code: 'custom', message: problem, input: value });
      }, UNLESS_FAILED)
      .nullish(),
    currency: z
      .string({ error: MUST_BE_TEXT })
      .trim()
      .toUpperCase()
      .regex(/^([A-Z]{3})?$/, { error: (issue) => `"${String(issue.input)}" is not an ISO 4217 code like USD` })
      .nullish(),
    campaign: z.string({ error: MUST_BE_TEXT }).trim().max(MAX_TEXT, AT_MOST_TEXT).nullish(),
    properties: jsonObjectSchema.nullish(),
  }),
);

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

  const head = headSchema.safeParse(input);
  if (!head.success) return firstIssue(head.error, fail);
  const { occurredAt } = head.data;
  if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS)
    return fail('occurredAt', `${occurredAt.toISOString()} is more than a day in the future`);
  const tail = tailSchema.safeParse(input);
  if (!tail.success) return firstIssue(tail.error, fail);
  // Put together here rather than by zod transforms, which made validating a batch about 20% slower.
  const { messageId, customer, type, channel } = head.data;
  const { value, currency, campaign, properties } = tail.data;
  return {
    index,
    messageId,
    customer: {
      id: customer.id || null,
      externalId: customer.externalId || null,
      email: customer.email || null,
      anonymousId: customer.anonymousId || null,
      name: customer.name || null,
      attributes: customer.attributes ?? {},
    },
    type,
    channel,
    occurredAt,
    value: value ?? null,
    currency: currency || null,
    campaign: campaign || null,
    properties: properties ?? {},
  };
}

function firstIssue(error: z.ZodError, fail: (field: string, message: string) => FieldError): FieldError {
  const [{ path, message }] = pathIssues(error, '');
  return fail(path, message);
}

/**
 * A touchpoint's value is stored exactly as sent (numeric, 4 decimals), or
 * refused: below 10^15 (checked before), at most 4 decimal places, and at
 * most 15 significant digits, all a JSON number carries exactly (with more,
 * parsing may already have changed digits the client sent:
 * 12345678901234.567 arrives as 12345678901234.566).
 */
function inexactValue(value: number): string | null {
  const decimal = decimalOfNumber(value);
  if (decimal === null)
    return `${String(value)} has more than ${EXACT_NUMBER_DIGITS} significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send at most ${EXACT_NUMBER_DIGITS}`;
  const places = decimal.split('.')[1]?.length ?? 0;
  if (places > VALUE_DECIMALS)
    return `${decimal} has more than ${VALUE_DECIMALS} decimal places (values are stored with ${VALUE_DECIMALS})`;
  return null;
}

function firstUnstorableField(input: TouchpointSubmission): { field: string; message: string } | null {
  const candidates: Array<[string, unknown]> = [
    ['messageId', input.messageId],
    ['customer.id', input.customer?.id],
    ['customer.externalId', input.customer?.externalId],
    ['customer.email', input.customer?.email],
    ['customer.anonymousId', input.customer?.anonymousId],
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

function parseDateTime(value: unknown): Date | null {
  if (value instanceof Date) return isStorableDate(value) ? value : null;
  return typeof value === 'string' ? parseIsoDateTime(value) : null;
}

function isNonBlankText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
