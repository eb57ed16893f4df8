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
