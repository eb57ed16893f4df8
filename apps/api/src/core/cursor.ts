import { invalidCursor } from './errors';

/**
 * Opaque cursors: base64url of a small JSON array. Keyset cursors start with
 * a tag naming the list and order they belong to, so a cursor from one list
 * or sort order is refused by another instead of silently paging wrong.
 */
export function encodeCursor(parts: ReadonlyArray<string | null>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/**
 * The longest keyset cursor accepted: a tag, a sort value of at most a few
 * hundred characters (4 bytes each at most in UTF-8) and an id, in base64url,
 * with room to spare. A longer one is refused before it is decoded.
 */
export const MAX_KEYSET_CURSOR_LENGTH = 8192;

/** Decodes a cursor made by `encodeCursor` with `length` parts whose first is `tag`; the rest are returned. */
export function decodeCursor(cursor: string, tag: string, length: number, field: string): Array<string | null> {
  if (cursor.length > MAX_KEYSET_CURSOR_LENGTH)
    throw invalidCursor(field, `longer than ${MAX_KEYSET_CURSOR_LENGTH} characters: not a cursor returned by this API`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(field);
  }
  if (!Array.isArray(parsed) || parsed.length !== length || !parsed.every((part) => part === null || typeof part === 'string')) {
    throw invalidCursor(field);
  }
  if (parsed[0] !== tag)
    throw invalidCursor(field, `a cursor of another list or sort order (${String(parsed[0]).slice(0, 100)}), not of ${tag}`);
  return parsed.slice(1) as Array<string | null>;
}

/** PostgreSQL's text output of a timestamptz (`2026-03-01 12:00:00.123+00`), as keyset cursors carry it. */
export function isTimestampText(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/.test(value);
}
