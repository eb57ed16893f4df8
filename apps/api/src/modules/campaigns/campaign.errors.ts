import { ClmError, CoreError } from '../../core/errors';
import type { CoreErrorCode } from '../../core/errors';
import type { Issue } from './campaign-validation';

export const CampaignError = {
  CAMPAIGN_NOT_FOUND: 'CAMPAIGN_NOT_FOUND',
  CAMPAIGN_EXISTS: 'CAMPAIGN_EXISTS',
} as const;
export type CampaignErrorCode = (typeof CampaignError)[keyof typeof CampaignError];

export function campaignNotFound(key: string, field = 'key'): ClmError<CampaignErrorCode> {
  return new ClmError(CampaignError.CAMPAIGN_NOT_FOUND, `${field}: no campaign with key ${JSON.stringify(key)}`, { field });
}

export function campaignExists(key: string, field = 'input.key'): ClmError<CampaignErrorCode> {
  return new ClmError(CampaignError.CAMPAIGN_EXISTS, `${field}: a campaign with key ${JSON.stringify(key)} already exists`, { field });
}

/** How many issues an error lists in full (a 10,000-row file can have 30,000); the message quotes fewer. */
const LISTED_ISSUES = 100;
const QUOTED_ISSUES = 10;

/**
 * Bad input with one or more problems, all refused at once: the message
 * starts with `outcome` ("nothing recorded") and quotes the first ten, `issues` lists up to a
 * hundred, `issueCount` says how many there are, and `field` names the first.
 */
export function invalidItems(issues: readonly Issue[], outcome: string): ClmError<CoreErrorCode> {
  const quoted = issues.slice(0, QUOTED_ISSUES).map((found) => found.message);
  const rest = issues.length - quoted.length;
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new ClmError(CoreError.INVALID_INPUT, `${outcome} (${count}): ${quoted.join('; ')}${rest > 0 ? `; and ${rest} more` : ''}`, {
    field: issues[0]?.path ?? null,
    issues: issues.slice(0, LISTED_ISSUES).map((found) => ({ path: found.path, message: found.message })),
    issueCount: issues.length,
  });
}
