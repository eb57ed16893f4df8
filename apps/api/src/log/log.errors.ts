import { ClmError } from '../core/errors';

export const LogError = {
  /** A live subscriber did not keep up; it resumes without loss by resubscribing with its last cursor. */
  SUBSCRIBER_BEHIND: 'SUBSCRIBER_BEHIND',
} as const;
export type LogErrorCode = (typeof LogError)[keyof typeof LogError];

export function subscriberBehind(buffered: number): ClmError<LogErrorCode> {
  return new ClmError(
    LogError.SUBSCRIBER_BEHIND,
    `subscriber fell more than ${buffered} events behind; resubscribe with the last cursor you received to resume without loss`,
  );
}
