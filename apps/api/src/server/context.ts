import { randomUUID } from 'node:crypto';
import type { Principal } from '../modules/auth/api-key.service';
import { createCustomerLoaders } from '../modules/customers/customer.loaders';
import type { CustomerLoaders } from '../modules/customers/customer.loaders';
import { ClmError } from './errors';
import type { Services } from './services';

/** What every resolver receives. Loaders live for one HTTP request or one subscription event. */
export type RequestContext = {
  requestId: string;
  principal: Principal;
  services: Services;
  loaders: CustomerLoaders;
};

/** Reads the key from `Bearer <key>` (header or connection parameter). */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  return match ? match[1] : null;
}

/** Verifies the key and builds the context; a missing or unknown key is UNAUTHENTICATED. */
export async function authenticate(services: Services, authorization: unknown): Promise<Principal> {
  const key = bearerToken(authorization);
  if (key === null) throw new ClmError('UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"');
  const principal = await services.apiKeys.verify(key);
  if (principal === null) throw new ClmError('UNAUTHENTICATED', 'invalid or revoked API key');
  return principal;
}

export function createContext(services: Services, principal: Principal, requestId: string = randomUUID()): RequestContext {
  return { requestId, principal, services, loaders: createCustomerLoaders(services.dataSource, services.timeline) };
}
