import { ClmError } from '../core/errors';

/** Codes of the operation limits (mapped for clients in error-mapping.ts). */
export const LimitError = {
  /** An operation (or export) would cost more than the limit; refused before anything runs. */
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  /** The key, or the instance, runs as many expensive operations as it may; retry after `retryAfter` seconds. */
  TOO_MANY_EXPENSIVE_OPERATIONS: 'TOO_MANY_EXPENSIVE_OPERATIONS',
  /** The key was refused more often than its rate allows (it retries without waiting): every request is refused for `retryAfter` seconds. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type LimitErrorCode = (typeof LimitError)[keyof typeof LimitError];

/** A priced part of an operation: the field (its alias when it has one) and its price. */
export type PricedField = { field: string; price: number };

const LISTED_FIELDS = 5;

/**
 * The refusal of an operation costing `cost` above `limit`. The message names
 * both and, when fields with a price made it expensive, the costliest of them.
 */
export function costLimitExceeded(cost: number, limit: number, priced: readonly PricedField[] = []): ClmError<LimitErrorCode> {
  if (priced.length === 0) {
    return new ClmError(
      LimitError.COST_LIMIT_EXCEEDED,
      `operation cost ${cost} exceeds the limit of ${limit}; ask for fewer items or fields`,
      {
        cost,
        limit,
      },
    );
  }
  const costliest = [...priced].sort((left, right) => right.price - left.price);
  const listed = costliest.slice(0, LISTED_FIELDS).map((part) => `${part.field} ${part.price}`);
  if (costliest.length > LISTED_FIELDS) listed.push(`${costliest.length - LISTED_FIELDS} more`);
  return new ClmError(
    LimitError.COST_LIMIT_EXCEEDED,
    `operation cost ${cost} exceeds the limit of ${limit} (${listed.join(', ')}); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions`,
    { cost, limit },
  );
}

/** Whose limit was reached: the calling key's, the instance's slots, or the instance's time budget for expensive work. */
export type BusyScope = 'key' | 'instance' | 'budget';

/** The refusal of an expensive operation that found no free slot in time; retry after `retryAfter` seconds. */
export function tooManyExpensiveOperations(scope: BusyScope, limit: number, retryAfter: number): ClmError<LimitErrorCode> {
  const message =
    scope === 'budget'
      ? `this server has spent its time for expensive operations (previews, segment definitions, metrics: ${limit} s per second, CLM_EXPENSIVE_BUSY_SHARE); retry in ${retryAfter} s`
      : `${scope === 'key' ? 'this API key' : 'this server'} already runs ${limit} expensive operations (previews, segment definitions, metrics) at once; retry in ${retryAfter} s`;
  return new ClmError(LimitError.TOO_MANY_EXPENSIVE_OPERATIONS, message, { limit, scope, retryAfter });
}

/** The refusal at the door of a key refused more than `perMinute` times a minute; retry after `retryAfter` seconds. */
export function keyRateLimited(perMinute: number, retryAfter: number): ClmError<LimitErrorCode> {
  return new ClmError(
    LimitError.RATE_LIMITED,
    `this API key was refused more than ${perMinute} times a minute (it did not wait as Retry-After asked); every request is refused for ${retryAfter} s (CLM_KEY_REFUSALS_PER_MINUTE)`,
    { perMinute, retryAfter },
  );
}
