import { ClmError } from '../../core/errors';

export const CustomerError = {
  CUSTOMER_NOT_FOUND: 'CUSTOMER_NOT_FOUND',
  /** Another customer already holds this externalId or email. */
  CUSTOMER_CONFLICT: 'CUSTOMER_CONFLICT',
} as const;
export type CustomerErrorCode = (typeof CustomerError)[keyof typeof CustomerError];

export function customerNotFound(id: string, field = 'id'): ClmError<CustomerErrorCode> {
  return new ClmError(CustomerError.CUSTOMER_NOT_FOUND, `no customer with id "${id}"`, { field });
}

export function customerConflict(field: 'email' | 'externalId'): ClmError<CustomerErrorCode> {
  return new ClmError(CustomerError.CUSTOMER_CONFLICT, `${field}: another customer already has this ${field}`, { field });
}
