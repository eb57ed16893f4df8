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

/** Whether a string, or any string inside a JSON value, holds a NUL character (PostgreSQL cannot store it in text or jsonb). */
export function containsNul(value: unknown): boolean {
  // Iterative, so a deeply nested value cannot exhaust the stack.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (next !== null && typeof next === 'object') {
      for (const [key, child] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

export const NUL_MESSAGE = 'contains a NUL character (\\u0000), which cannot be stored';
