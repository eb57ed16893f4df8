import { ClmError } from '../../core/errors';

/** Codes of the webhooks module (mapped for clients in server/error-mapping.ts); a malformed field is INVALID_INPUT. */
export const WebhookError = {
  WEBHOOK_ENDPOINT_NOT_FOUND: 'WEBHOOK_ENDPOINT_NOT_FOUND',
  WEBHOOK_DELIVERY_NOT_FOUND: 'WEBHOOK_DELIVERY_NOT_FOUND',
  /** The URL's host is, or resolves to, an address clm does not call (loopback, private, link-local, metadata…). */
  WEBHOOK_URL_FORBIDDEN: 'WEBHOOK_URL_FORBIDDEN',
} as const;
export type WebhookErrorCode = (typeof WebhookError)[keyof typeof WebhookError];

export function endpointNotFound(id: string, field = 'id'): ClmError<WebhookErrorCode> {
  return new ClmError(WebhookError.WEBHOOK_ENDPOINT_NOT_FOUND, `${field}: no webhook endpoint with id "${id}"`, { field });
}

export function deliveryNotFound(id: string, field = 'deliveryId'): ClmError<WebhookErrorCode> {
  return new ClmError(WebhookError.WEBHOOK_DELIVERY_NOT_FOUND, `${field}: no webhook delivery with id "${id}"`, { field });
}

export function urlForbidden(field: string, reason: string): ClmError<WebhookErrorCode> {
  return new ClmError(WebhookError.WEBHOOK_URL_FORBIDDEN, `${field}: ${reason}`, { field });
}
