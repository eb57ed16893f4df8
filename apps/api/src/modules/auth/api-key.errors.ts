import { ClmError } from '../../core/errors';

export const ApiKeyError = {
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
} as const;
export type ApiKeyErrorCode = (typeof ApiKeyError)[keyof typeof ApiKeyError];

export function apiKeyNotFound(id: string): ClmError<ApiKeyErrorCode> {
  return new ClmError(ApiKeyError.API_KEY_NOT_FOUND, `no API key with id "${id}"`, { field: 'id' });
}
