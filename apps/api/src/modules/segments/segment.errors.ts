import { ClmError, CoreError } from '../../core/errors';
import type { CoreErrorCode } from '../../core/errors';
import type { RuleIssue } from './rule-validation';

/** Codes of the segments module (mapped for clients in server/error-mapping.ts); a bad rule is INVALID_INPUT. */
export const SegmentError = {
  SEGMENT_NOT_FOUND: 'SEGMENT_NOT_FOUND',
  SEGMENT_EXISTS: 'SEGMENT_EXISTS',
} as const;
export type SegmentErrorCode = (typeof SegmentError)[keyof typeof SegmentError];

/** A rule with problems: the message names them all; `issues` lists each with its path. */
export function invalidSegmentRule(issues: readonly RuleIssue[]): ClmError<CoreErrorCode> {
  const listed = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new ClmError(CoreError.INVALID_INPUT, `the segment rule is invalid: ${listed}`, { field: issues[0]?.path ?? 'rule', issues });
}

export function segmentNameTaken(name: string, field = 'input.name'): ClmError<SegmentErrorCode> {
  return new ClmError(SegmentError.SEGMENT_EXISTS, `${field}: another segment is already named "${name}"`, { field });
}

export function segmentNotFound(id: string, field = 'id'): ClmError<SegmentErrorCode> {
  return new ClmError(SegmentError.SEGMENT_NOT_FOUND, `${field}: no segment with id "${id}"`, { field });
}
