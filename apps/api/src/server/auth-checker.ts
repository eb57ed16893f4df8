import type { AuthChecker } from 'type-graphql';
import { ClmError, CoreError } from '../core/errors';
import { hasScope } from '../core/principal';
import type { Scope } from '../core/principal';
import type { RequestContext } from '../core/request-context';
import { checkWriteOnlySelection } from './write-only-keys';

/** `@Authorized(Scope.X)`: the calling key must hold X (or admin). */
export const scopeChecker: AuthChecker<RequestContext, Scope> = ({ context, info }, scopes) => {
  const missing = scopes.filter((scope) => !hasScope(context.principal, scope));
  if (missing.length === 0) {
    checkWriteOnlySelection(info, context.principal);
    return true;
  }
  throw new ClmError(
    CoreError.FORBIDDEN,
    `${info.parentType.name}.${info.fieldName} needs the "${missing.join('", "')}" scope; key "${context.principal.name}" has ${context.principal.scopes.join(', ')}`,
  );
};
