/** Checks on identifiers and text that several modules accept from callers. */

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

export function isEmail(value: string): boolean {
  return EMAIL_PATTERN.test(value);
}

/** Emails are compared and stored trimmed and lowercase. */
export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

export const NUL_MESSAGE = 'contains a NUL character (\\u0000), which cannot be stored';

/** A lone UTF-16 surrogate: half of a pair, which is not Unicode text (JSON and PostgreSQL refuse it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const LONE_SURROGATE_MESSAGE = 'contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode';

/** Why `text` cannot be stored as PostgreSQL text or jsonb, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return LONE_SURROGATE_MESSAGE;
  return null;
}

/**
 * The first string (value or object key) inside `value` that PostgreSQL
 * cannot store, with its path below `path` (`properties.note`,
 * `stages[2].name`), or null. Iterative, so any depth is safe.
 */
export function findUnstorableText(value: unknown, path: string): { field: string; message: string } | null {
  const pending: Array<[unknown, string]> = [[value, path]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [next, where] = entry;
    if (typeof next === 'string') {
      const problem = textProblem(next);
      if (problem !== null) return { field: where, message: problem };
    } else if (Array.isArray(next)) {
      next.forEach((item, index) => pending.push([item, `${where}[${index}]`]));
    } else if (next !== null && typeof next === 'object') {
      for (const [key, child] of Object.entries(next)) {
        const problem = textProblem(key);
        if (problem !== null) return { field: where, message: `has a key that ${problem}` };
        pending.push([child, where === '' ? key : `${where}.${key}`]);
      }
    }
  }
  return null;
}

/** How deep JSON values may nest (attributes, properties). Deeper values are refused before anything recursive touches them. */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests objects or arrays deeper than `maxDepth` levels. Iterative, so any depth is safe. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [next, depth] = entry;
    if (next === null || typeof next !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return false;
}

/** The longest identifier or name clm stores (well inside a btree index entry). */
export const MAX_TEXT = 256;

/** The largest free-form JSON value clm stores (touchpoint properties, customer attributes). */
export const MAX_JSON_BYTES = 32_768;

/** Bytes of `value` as UTF-8 JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
