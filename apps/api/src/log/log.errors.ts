import { ClmError } from '../core/errors';

export const LogError = {
  /** A live subscriber did not keep up; it resumes without loss by resubscribing with its last cursor. */
  SUBSCRIBER_BEHIND: 'SUBSCRIBER_BEHIND',
} as const;
export type LogErrorCode = (typeof LogError)[keyof typeof LogError];

/** `behind` says by how much, e.g. "50000 events". */
export function subscriberBehind(behind: string): ClmError<LogErrorCode> {
  return new ClmError(
    LogError.SUBSCRIBER_BEHIND,
    `subscriber fell more than ${behind} behind; resubscribe with the last cursor you received to resume without loss`,
  );
}
