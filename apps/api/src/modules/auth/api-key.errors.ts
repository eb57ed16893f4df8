import { ClmError } from '../../core/errors';

export const ApiKeyError = {
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  /** Revoking this key would leave no active admin key, and nobody could manage keys again. */
  LAST_ADMIN_KEY: 'LAST_ADMIN_KEY',
} as const;
export type ApiKeyErrorCode = (typeof ApiKeyError)[keyof typeof ApiKeyError];

export function apiKeyNotFound(id: string): ClmError<ApiKeyErrorCode> {
  return new ClmError(ApiKeyError.API_KEY_NOT_FOUND, `no API key with id "${id}"`, { field: 'id' });
}

export function lastAdminKey(name: string): ClmError<ApiKeyErrorCode> {
  return new ClmError(
    ApiKeyError.LAST_ADMIN_KEY,
    `id: "${name}" is the last active admin key; create another admin key before revoking this one`,
    { field: 'id' },
  );
}
