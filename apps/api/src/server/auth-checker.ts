import type { AuthChecker } from 'type-graphql';
import type { Scope } from '../modules/auth/api-key.entity';
import { hasScope } from '../modules/auth/api-key.service';
import type { RequestContext } from './context';
import { ClmError } from './errors';

/** `@Authorized(Scope.X)`: the calling key must hold X (or admin). */
export const scopeChecker: AuthChecker<RequestContext, Scope> = ({ context, info }, scopes) => {
  const missing = scopes.filter((scope) => !hasScope(context.principal, scope));
  if (missing.length === 0) return true;
  throw new ClmError(
    'FORBIDDEN',
    `${info.parentType.name}.${info.fieldName} needs the "${missing.join('", "')}" scope; key "${context.principal.name}" has ${context.principal.scopes.join(', ')}`,
  );
};
