import { ClmError } from '../../core/errors';

export const CustomerError = {
  CUSTOMER_NOT_FOUND: 'CUSTOMER_NOT_FOUND',
  /** Another customer already holds this externalId or email. */
  CUSTOMER_CONFLICT: 'CUSTOMER_CONFLICT',
  /** A merge or unmerge that cannot be made: never-merge pair, one customer twice, already undone, survivor gone. */
  MERGE_REFUSED: 'MERGE_REFUSED',
  MERGE_NOT_FOUND: 'MERGE_NOT_FOUND',
} as const;
export type CustomerErrorCode = (typeof CustomerError)[keyof typeof CustomerError];

export function customerNotFound(id: string, field = 'id'): ClmError<CustomerErrorCode> {
  return new ClmError(CustomerError.CUSTOMER_NOT_FOUND, `no customer with id "${id}"`, { field });
}

export function customerConflict(field: 'email' | 'externalId'): ClmError<CustomerErrorCode> {
  return new ClmError(CustomerError.CUSTOMER_CONFLICT, `${field}: another customer already has this ${field}`, { field });
}

export function mergeRefused(field: string, message: string): ClmError<CustomerErrorCode> {
  return new ClmError(CustomerError.MERGE_REFUSED, `${field}: ${message}`, { field });
}

export function mergeNotFound(id: string): ClmError<CustomerErrorCode> {
  return new ClmError(CustomerError.MERGE_NOT_FOUND, `mergeId: no merge with id "${id}"`, { field: 'mergeId' });
}
