import { ClmError } from '../core/errors';
import { describeDuration, WORK_KIND_NAMES } from './work-kinds';
import type { WorkKind } from './work-kinds';

export const DatabaseError = {
  /** A statement ran longer than its kind of work allows (the server cancelled it); the message names the limit and its variable. */
  QUERY_TIMEOUT: 'QUERY_TIMEOUT',
  /** The client that asked for the work left, so it was cancelled; nobody is left to read this. */
  REQUEST_CANCELLED: 'REQUEST_CANCELLED',
} as const;
export type DatabaseErrorCode = (typeof DatabaseError)[keyof typeof DatabaseError];

/** `what` ran longer than `kind`'s limit of `limitMs`: e.g. "this request ran longer than the 5 s limit for interactive reads (CLM_READ_TIMEOUT_MS)". */
export function queryTimeout(kind: WorkKind, limitMs: number, what = 'this request ran'): ClmError<DatabaseErrorCode> {
  const { label, variable } = WORK_KIND_NAMES[kind];
  const setting = variable === '' ? '' : ` (${variable})`;
  return new ClmError(DatabaseError.QUERY_TIMEOUT, `${what} longer than the ${describeDuration(limitMs)} limit for ${label}${setting}`, {
    limitMs,
    ...(variable === '' ? {} : { setting: variable }),
  });
}

export function requestCancelled(): ClmError<DatabaseErrorCode> {
  return new ClmError(DatabaseError.REQUEST_CANCELLED, 'the client left, so its work was cancelled');
}

/** A request's total time limit was reached (QUERY_TIMEOUT): what it was still running is cancelled, and nothing more starts. */
export function requestTimedOut(limitMs: number): ClmError<DatabaseErrorCode> {
  return new ClmError(
    DatabaseError.QUERY_TIMEOUT,
    `this request took longer than the ${describeDuration(limitMs)} limit for one request (CLM_REQUEST_TIMEOUT_MS)`,
    { limitMs, setting: 'CLM_REQUEST_TIMEOUT_MS' },
  );
}

/** Why a scope's work stopped: the error its signal was aborted with (a total time limit), else its client leaving. */
export function abortedWork(signal: AbortSignal): ClmError {
  return signal.reason instanceof ClmError ? signal.reason : requestCancelled();
}
