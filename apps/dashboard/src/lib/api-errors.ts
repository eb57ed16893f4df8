import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import type { ErrorLike } from '@apollo/client';
import { CloseCode } from 'graphql-ws';

/** The `extensions.code` the API puts on errors caused by a missing, unknown or revoked key. */
const UNAUTHENTICATED = 'UNAUTHENTICATED';

/** True when the API refused the key, over HTTP or on the WebSocket. */
export function isUnauthenticated(error: ErrorLike | undefined, socketCloseCode: number | null = null): boolean {
  if (socketCloseCode === CloseCode.Unauthorized || socketCloseCode === CloseCode.Forbidden) return true;
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.some((graphQLError) => graphQLError.extensions?.code === UNAUTHENTICATED);
  }
  return ServerError.is(error) && error.statusCode === 401;
}

/** A one-line message for errors other than a refused key. */
export function describeError(error: ErrorLike): string {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.map((graphQLError) => graphQLError.message).join('; ');
  }
  if (ServerError.is(error)) return `The API answered ${error.statusCode}.`;
  return error.message || 'Something went wrong.';
}

/** Shown on the sign-in form when the API refuses the key. */
export const REJECTED_KEY_MESSAGE = 'The API rejected this key (UNAUTHENTICATED). Check that it is current and has the read scope.';

/** True when the API refused the operation for the key's scopes. */
export function isForbidden(error: ErrorLike | undefined): boolean {
  return CombinedGraphQLErrors.is(error) && error.errors.some((graphQLError) => graphQLError.extensions?.code === 'FORBIDDEN');
}

/** The message for an API error: a refused key, a missing scope, or the API's own words. */
export function apiErrorMessage(error: ErrorLike): string {
  if (isUnauthenticated(error)) return REJECTED_KEY_MESSAGE;
  if (isForbidden(error)) return 'This API key lacks the scope for this: an admin key is needed.';
  return describeError(error);
}

/** One problem the API found in an input, with its path (`rule.and[1].field`). */
export type ApiIssue = { path: string; message: string };

/** The issues a BAD_USER_INPUT error lists, else none. */
export function issuesOf(error: ErrorLike | undefined | null): ApiIssue[] {
  if (!CombinedGraphQLErrors.is(error)) return [];
  return error.errors.flatMap((graphQLError) => {
    const issues = graphQLError.extensions?.issues;
    if (!Array.isArray(issues)) return [];
    return issues.flatMap((issue: unknown) =>
      typeof issue === 'object' && issue !== null && 'path' in issue && 'message' in issue
        ? [{ path: String(issue.path), message: String(issue.message) }]
        : [],
    );
  });
}
