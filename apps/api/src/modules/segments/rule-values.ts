import type { JsonValue } from '@clm/schema';
import { z } from 'zod';
import { parseIsoDateTime } from '../../core/dates';
import { findUnstorableText, jsonBytes, MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_TEXT, nestsDeeperThan } from '../../core/ids';
import { storable, UNLESS_FAILED } from '../../core/zod-issues';
import type { FieldKind } from './segment-fields';
import { SEGMENT_OPERATORS } from './segment-rule';
import type { SegmentOperator } from './segment-rule';

/*
 * The values a segment rule holds, as zod schemas with clm's messages: text,
 * numbers, choices, lists, instants, dot paths and JSON values, and what a
 * field or a JSON property is compared with. rule-validation.ts puts them
 * together into conditions and rules.
 */

export const RULE_LIMITS = {
  /** Levels of nesting, the root being level 1. */
  maxDepth: 16,
  /** Nodes (groups and conditions) in one rule. */
  maxNodes: 200,
  /** Items in one list (IN values, types, channels, campaigns). */
  maxListItems: 1000,
  /** Property conditions in one behaviour condition. */
  maxPropertyConditions: 20,
  /** Days in a window or a duration (100 years). */
  maxDays: 36_500,
  /** Bytes of the whole rule as JSON. */
  maxRuleBytes: 65_536,
} as const;

export const COMPARISONS: readonly SegmentOperator[] = ['LT', 'LTE', 'GT', 'GTE'];

const textOf = (allowEmpty: boolean) => {
  const text = z.string({ error: (issue) => `must be text, got ${describe(issue.input)}` });
  const filled = allowEmpty ? text : text.refine((value) => value.trim() !== '', { error: 'must not be empty', ...UNLESS_FAILED });
  return storable(filled.max(MAX_TEXT, { error: `must be at most ${MAX_TEXT} characters`, ...UNLESS_FAILED }));
};
export const anyText = textOf(true);
export const filledText = textOf(false);

export const numberValue = z.number({ error: (issue) => `must be a number, got ${describe(issue.input)}` });

export function choice<T extends string>(options: readonly [T, ...T[]]) {
  return z.enum(options, { error: (issue) => `${describe(issue.input)} is not one of ${options.join(', ')}` });
}

export const anyOperator = choice(SEGMENT_OPERATORS);

export function operatorOf(allowed: readonly SegmentOperator[]) {
  return anyOperator.refine((operator) => allowed.includes(operator), {
    error: (issue) => `${String(issue.input)} does not apply here; use one of ${allowed.join(', ')}`,
  });
}

/** A list of 1 to `maxListItems` items; its items are checked only when its length is right. */
export function listOf<T>(item: z.ZodType<T>) {
  return z.preprocess((value, context) => {
    if (!Array.isArray(value) || value.length === 0 || value.length > RULE_LIMITS.maxListItems)
      context.addIssue({ code: 'custom', message: `must be a list of 1 to ${RULE_LIMITS.maxListItems} items`, input: value });
    return value;
  }, z.array(item));
}

export const nameList = listOf(filledText);

/** An instant given as a Date (the DateTime scalar) or ISO text (a stored rule), as ISO text. */
export const instant = z.unknown().transform((value, context) => {
  const date = value instanceof Date ? value : typeof value === 'string' ? parseIsoDateTime(value) : null;
  if (date !== null && !Number.isNaN(date.getTime())) return date.toISOString();
  context.addIssue({
    code: 'custom',
    message: `${describe(value)} is not an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z`,
    input: value,
  });
  return z.NEVER;
});

/** A property or attribute name: dot-separated non-empty parts. */
export const dotPath = filledText.refine((text) => !text.split('.').includes(''), {
  error: (issue) => `"${String(issue.input)}" has an empty part; write names like plan or address.country`,
  ...UNLESS_FAILED,
});

/** A JSON value an attribute or property is compared with. */
export const jsonValue = z
  .custom<JsonValue>((value) => value !== null && value !== undefined, { error: 'must not be null', ...UNLESS_FAILED })
  .refine((value) => !nestsDeeperThan(value, MAX_JSON_DEPTH), {
    error: `must not nest deeper than ${MAX_JSON_DEPTH} levels`,
    ...UNLESS_FAILED,
  })
  .refine((value) => jsonBytes(value) <= MAX_JSON_BYTES, { error: `must be at most ${MAX_JSON_BYTES} bytes of JSON`, ...UNLESS_FAILED })
  .refine(isJson, { error: 'must be a JSON value', ...UNLESS_FAILED })
  .superRefine((value, context) => {
    const unstorable = findUnstorableText(value, '');
    if (unstorable !== null)
      context.addIssue({ code: 'custom', message: unstorable.message, input: value, params: { below: unstorable.field } });
  }, UNLESS_FAILED);

/** What a field of each kind is compared with, by operator (EXISTS takes nothing). */
const FIELD_VALUES: Record<FieldKind, z.ZodType<JsonValue>> = {
  text: anyText,
  number: numberValue,
  time: instant,
  duration: numberValue.refine((days) => days >= 0 && days <= RULE_LIMITS.maxDays, {
    error: (issue) => `must be between 0 and ${RULE_LIMITS.maxDays} days, got ${String(issue.input)}`,
  }),
};
const FIELD_LISTS = { text: listOf(anyText), number: listOf(numberValue) };

export function fieldValueSchema(kind: FieldKind, operator: SegmentOperator): z.ZodType<JsonValue> {
  if (operator === 'IN') return kind === 'text' ? FIELD_LISTS.text : FIELD_LISTS.number;
  return FIELD_VALUES[kind];
}

const jsonList = listOf(jsonValue);

export function jsonValueSchema(operator: SegmentOperator): z.ZodType<JsonValue> {
  if (COMPARISONS.includes(operator)) return numberValue;
  return operator === 'IN' ? jsonList : jsonValue;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Whether `value` is made only of JSON (finite numbers, no undefined, dates or functions). Iterative. */
export function isJson(value: unknown): value is JsonValue {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next === 'string' || typeof next === 'boolean') continue;
    if (typeof next === 'number' && Number.isFinite(next)) continue;
    if (Array.isArray(next)) for (const item of next) pending.push(item);
    else if (isRecord(next)) for (const item of Object.values(next)) pending.push(item);
    else return false;
  }
  return true;
}

/** A short description of a value for a message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}
