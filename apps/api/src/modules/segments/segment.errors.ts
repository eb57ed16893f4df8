import { ClmError, CoreError } from '../../core/errors';
import type { CoreErrorCode } from '../../core/errors';
import type { RuleIssue } from './rule-validation';

/*
 * Segment errors use the shared INVALID_INPUT code (BAD_USER_INPUT for
 * clients), each naming the field, so every one is already mapped in
 * server/error-mapping.ts.
 */

/** A rule with problems: the message names them all; `issues` lists each with its path. */
export function invalidSegmentRule(issues: readonly RuleIssue[]): ClmError<CoreErrorCode> {
  const listed = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new ClmError(CoreError.INVALID_INPUT, `the segment rule is invalid: ${listed}`, { field: issues[0]?.path ?? 'rule', issues });
}

export function segmentNameTaken(name: string, field = 'input.name'): ClmError<CoreErrorCode> {
  return new ClmError(CoreError.INVALID_INPUT, `${field}: another segment is already named "${name}"`, { field });
}

export function segmentNotFound(id: string, field = 'id'): ClmError<CoreErrorCode> {
  return new ClmError(CoreError.INVALID_INPUT, `${field}: no segment with id "${id}"`, { field });
}
