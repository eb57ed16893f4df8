import type { JsonValue } from '@clm/schema';

/*
 * How clm reads a value inside a JSON document (customer attributes,
 * touchpoint properties): one meaning for the lifecycle rule engine, which
 * reads in JavaScript, and for segment rules, which compile to SQL
 * (`segment_json_number`, `clm_try_numeric` and the path access in
 * `rule-compiler.ts`). A property test runs both over random documents.
 */

/** The longest text read as a number (longer: not a number, in JavaScript and SQL alike). */
export const MAX_NUMERIC_TEXT_LENGTH = 64;

/**
 * Numeric-looking text: ASCII blanks around an optional sign, digits with an
 * optional point, and an optional exponent of at most three digits. The same
 * pattern as `clm_try_numeric` in SQL (migration 1764900000000); no
 * full-width digits or spaces, no `NaN`, `Infinity`, hexadecimal or `1_000`.
 */
const NUMERIC_TEXT = /^[ \t\n\r]*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?[ \t\n\r]*$/;

/** Magnitudes read as numbers: 0, or from this up to (not including) `MAX_MAGNITUDE`, which a double holds. */
const MIN_MAGNITUDE = 1e-307;
const MAX_MAGNITUDE = 1e308;

/**
 * A JSON number, or a string holding one ("9" from a form field), as a
 * number; null for anything else, and for magnitudes a double cannot hold
 * (beyond 1e308, or below 1e-307 other than 0).
 */
export function jsonNumber(value: JsonValue | undefined): number | null {
  if (typeof value === 'number') return finite(value);
  if (typeof value !== 'string' || value.length > MAX_NUMERIC_TEXT_LENGTH) return null;
  const match = NUMERIC_TEXT.exec(value);
  if (match === null) return null;
  const parsed = Number(value.trim());
  // "1e-400" parses to 0: a value too small to hold, not zero.
  if (parsed === 0 && /[1-9]/.test(match[1])) return null;
  return finite(parsed);
}

function finite(value: number): number | null {
  const magnitude = Math.abs(value);
  if (!Number.isFinite(value) || magnitude >= MAX_MAGNITUDE || (value !== 0 && magnitude < MIN_MAGNITUDE)) return null;
  // -0 is 0, as in SQL.
  return value === 0 ? 0 : value;
}

/** A path part that indexes a list: a whole number written without sign, blanks or leading zeros (0-based). */
const LIST_INDEX = /^(0|[1-9][0-9]*)$/;

export function isListIndex(part: string): boolean {
  return LIST_INDEX.test(part);
}

/**
 * The value at a dot path (`plan`, `address.country`, `tags.1`), or
 * undefined when it is absent. Each part names a key of an object (its own
 * keys only: `constructor` or `__proto__` is not inherited into a match), or,
 * in a list, the element at that 0-based index when the part is a list index
 * (`tags.0` is the first tag; `tags.-1`, `tags.01` and past the end are
 * absent).
 */
export function readJsonPath(document: JsonValue | undefined, path: string): JsonValue | undefined {
  let current = document;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) {
      current = isListIndex(part) ? current[Number(part)] : undefined;
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, part)) {
      current = current[part];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Equality of JSON values as PostgreSQL's jsonb sees it: objects by their keys whatever the order, numbers by value. */
export function jsonEquals(left: JsonValue, right: JsonValue): boolean {
  if (left === right) return true;
  if (Array.isArray(left))
    return Array.isArray(right) && left.length === right.length && left.every((item, i) => jsonEquals(item, right[i]));
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object' || Array.isArray(right)) return false;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && jsonEquals(left[key], right[key]));
}
