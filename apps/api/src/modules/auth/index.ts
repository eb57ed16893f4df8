/** API keys: create, verify, revoke, cost limits; the `viewer`, `apiKeys`, `createApiKey`, `setApiKeyCostLimit` and `revokeApiKey` operations. */
export { ApiKeyResolver } from './api-key.resolver';
export { ApiKeyService, hashKey, KEYS_CHANNEL } from './api-key.service';
export { ApiKeyError } from './api-key.errors';
export type { ApiKeyErrorCode } from './api-key.errors';
