/**
 * Errors clm raises on purpose. Every module names its own codes (see each
 * module's `*.errors.ts`); `server/error-mapping.ts` holds the one exhaustive
 * mapping from a code to what clients see (GraphQL `extensions.code` and HTTP
 * status). Anything that is not a `ClmError` is an internal error and is
 * masked.
 */
export class ClmError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** Safe, client-facing details (for example the offending field). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ClmError';
  }
}

/** Codes shared by every module: the caller and the shape of what it sent. */
export const CoreError = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INVALID_INPUT: 'INVALID_INPUT',
  INVALID_CURSOR: 'INVALID_CURSOR',
  /** The database cannot be reached now; retrying later (or resubscribing with the last cursor) loses nothing. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
} as const;
export type CoreErrorCode = (typeof CoreError)[keyof typeof CoreError];

/** A value the caller sent is wrong; `field` names it as the caller wrote it. */
export function invalidInput(field: string, problem: string): ClmError<CoreErrorCode> {
  return new ClmError(CoreError.INVALID_INPUT, `${field}: ${problem}`, { field });
}

/** A cursor this API did not hand out (or handed out for another list or order). */
export function invalidCursor(field: string, problem = 'not a cursor returned by this API'): ClmError<CoreErrorCode> {
  return new ClmError(CoreError.INVALID_CURSOR, `${field}: ${problem}`, { field });
}

export function databaseUnavailableError(action = 'retry shortly'): ClmError<CoreErrorCode> {
  return new ClmError(CoreError.DATABASE_UNAVAILABLE, `the database is unavailable; ${action}`);
}
