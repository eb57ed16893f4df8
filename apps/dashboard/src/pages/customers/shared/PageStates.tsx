import { CombinedGraphQLErrors } from '@apollo/client';
import type { ErrorLike } from '@apollo/client';
import { ErrorState as ErrorMessage } from '../../../components/States';
import { describeError, isUnauthenticated, REJECTED_KEY_MESSAGE } from '../../../app/api-errors';

export { EmptyState, LoadingState } from '../../../components/States';

/** A query's failure in words a person can act on: a refused key or a missing scope says so. */
export function ErrorState({ error, onRetry }: { error: ErrorLike; onRetry?: () => void }) {
  return <ErrorMessage message={apiErrorMessage(error)} onRetry={onRetry} />;
}

/** The message for an API error: a refused key, a missing scope, or the API's own words. */
export function apiErrorMessage(error: ErrorLike): string {
  if (isUnauthenticated(error)) return REJECTED_KEY_MESSAGE;
  if (isForbidden(error)) return 'This API key lacks the scope for this: an admin key is needed.';
  return describeError(error);
}

/** True when the API refused the operation for the key's scopes. */
export function isForbidden(error: ErrorLike | undefined): boolean {
  return CombinedGraphQLErrors.is(error) && error.errors.some((graphQLError) => graphQLError.extensions?.code === 'FORBIDDEN');
}
