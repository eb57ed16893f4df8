import { ClmError, CoreError } from '../../core/errors';
import type { CoreErrorCode } from '../../core/errors';
import type { PlaybookIssue } from './playbook-definition';

/** Codes of the playbooks module (mapped for clients in server/error-mapping.ts); a bad definition is INVALID_INPUT. */
export const PlaybookError = {
  PLAYBOOK_NOT_FOUND: 'PLAYBOOK_NOT_FOUND',
  PLAYBOOK_EXISTS: 'PLAYBOOK_EXISTS',
} as const;
export type PlaybookErrorCode = (typeof PlaybookError)[keyof typeof PlaybookError];

/** A definition with problems: the message names them all; `issues` lists each with its path. */
export function invalidPlaybook(issues: readonly PlaybookIssue[]): ClmError<CoreErrorCode> {
  const listed = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new ClmError(CoreError.INVALID_INPUT, `the playbook is invalid: ${listed}`, { field: issues[0]?.path ?? 'input', issues });
}

export function playbookNameTaken(name: string, field = 'input.name'): ClmError<PlaybookErrorCode> {
  return new ClmError(PlaybookError.PLAYBOOK_EXISTS, `${field}: another playbook is already named "${name}"`, { field });
}

export function playbookNotFound(id: string, field = 'id'): ClmError<PlaybookErrorCode> {
  const shown = id.length > 100 ? `${id.slice(0, 100)}…` : id;
  return new ClmError(PlaybookError.PLAYBOOK_NOT_FOUND, `${field}: no playbook with id "${shown}"`, { field });
}
