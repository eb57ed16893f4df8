/*
 * How an editor writes JSON values and lists as the text a person types, and
 * reads them back. Pure. The writing side always checks that the reading side
 * gives the same value back, and falls back to strict JSON when the friendly
 * form would not (a string with a comma in a list, a string that looks like a
 * number): what an editor shows always reads back as what it was given.
 */

/**
 * A value as typed: JSON when it parses (`5`, `true`, `"5"`, `["gold", "silver"]`),
 * else the text itself, trimmed; null for a blank box.
 */
export function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return trimmed;
  }
}

/** The text `parseJsonText` reads back as `value`: plain text for a string that reads back as itself, else JSON; '' for none. */
export function jsonValueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && parseJsonText(value) === value) return value;
  return JSON.stringify(value);
}

/** Comma-separated text as its items, trimmed, blanks dropped; a JSON array of strings (`["a, b"]`) as itself. */
export function parseTextList(text: string): string[] {
  const json = jsonArray(text);
  if (json !== null && json.every((item) => typeof item === 'string')) return json;
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The text `parseTextList` reads back as `items`: "a, b", or JSON when an item holds a comma or spaces at its ends. */
export function textListText(items: readonly string[]): string {
  const friendly = items.join(', ');
  return sameJson(parseTextList(friendly), items) ? friendly : JSON.stringify(items);
}

/** Comma-separated JSON values (`1, 2, "3"`, `pro, business`), or one JSON array for the whole list. */
export function parseJsonList(text: string): unknown[] {
  return (
    jsonArray(text) ??
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map(parseJsonText)
  );
}

/** The text `parseJsonList` reads back as `items`. */
export function jsonListText(items: readonly unknown[]): string {
  const friendly = items.map(jsonValueText).join(', ');
  return sameJson(parseJsonList(friendly), items) ? friendly : JSON.stringify(items);
}

function jsonArray(text: string): unknown[] | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Deep equality of two JSON values (object keys in any order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
