import { randomUUID } from 'node:crypto';
import { ClmError, CoreError } from '../core/errors';
import type { Principal } from '../core/principal';
import { RequestScope } from '../core/request-context';
import type { RequestContext } from '../core/request-context';
import type { WorkScope } from '../database/db';
import type { Services } from './services';
import { bindWorkScope } from './work-scope';

/** Reads the key from `Bearer <key>` (header or connection parameter). */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  return match ? match[1] : null;
}

/** Verifies the key; a missing or unknown key is UNAUTHENTICATED. */
export async function authenticate(services: Services, authorization: unknown, options: { fresh?: boolean } = {}): Promise<Principal> {
  const key = bearerToken(authorization);
  if (key === null) throw new ClmError(CoreError.UNAUTHENTICATED, 'missing API key: send "Authorization: Bearer <key>"');
  const principal = await services.apiKeys.verify(key, options);
  if (principal === null) throw new ClmError(CoreError.UNAUTHENTICATED, 'invalid or revoked API key');
  return principal;
}

/**
 * The context of one HTTP request or one WebSocket operation: loaders live
 * exactly that long. Its resolvers run in `work` (its kind of work, and its
 * client leaving cancels their statements); without one, as background work.
 */
export function createContext(
  services: Services,
  principal: Principal,
  requestId: string = randomUUID(),
  work?: WorkScope,
): RequestContext {
  const context = { requestId, principal, scope: new RequestScope(), streams: services.streams };
  if (work) bindWorkScope(context, work);
  return context;
}
