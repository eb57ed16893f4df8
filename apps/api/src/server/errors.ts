import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';

/**
 * Every error clm raises on purpose. Modules throw `ClmError` with one of
 * these codes; `toGraphQLCode` is the one mapping to `extensions.code`.
 */
export type ClmErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'INVALID_INPUT'
  | 'CUSTOMER_NOT_FOUND'
  | 'CUSTOMER_CONFLICT'
  | 'API_KEY_NOT_FOUND'
  | 'INVALID_LIFECYCLE_MODEL'
  | 'UNKNOWN_STAGE'
  | 'INVALID_CURSOR';

export class ClmError extends Error {
  constructor(
    readonly code: ClmErrorCode,
    message: string,
    /** Safe, client-facing details (for example the offending field). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ClmError';
  }
}

/** The GraphQL `extensions.code` clients see for each clm error code. */
export function toGraphQLCode(code: ClmErrorCode): string {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'UNAUTHENTICATED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
    case 'INVALID_INPUT':
    case 'INVALID_LIFECYCLE_MODEL':
    case 'UNKNOWN_STAGE':
    case 'INVALID_CURSOR':
      return 'BAD_USER_INPUT';
    case 'CUSTOMER_NOT_FOUND':
    case 'API_KEY_NOT_FOUND':
      return 'NOT_FOUND';
    case 'CUSTOMER_CONFLICT':
      return 'CONFLICT';
  }
}

/** Codes produced by GraphQL itself or by the operation limits; their messages are safe to show. */
const PASS_THROUGH_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'COST_LIMIT_EXCEEDED',
]);

export const GENERIC_MESSAGE = 'Internal server error';

/**
 * Turns any error into what a client may see: clm errors with their code,
 * GraphQL's own validation errors without field suggestions, and everything
 * else as a generic message with no stack, SQL or connection details.
 * `report` receives the errors that were masked, for the log.
 */
export function formatClientError(
  formatted: GraphQLFormattedError,
  error: unknown,
  report: (error: unknown) => void,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof ClmError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: toGraphQLCode(original.code), ...original.details },
    };
  }
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  const isOwnGraphQLError = error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError);
  if (code !== undefined && PASS_THROUGH_CODES.has(code) && (isOwnGraphQLError || !(error instanceof GraphQLError))) {
    return { message: withoutSuggestions(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (code === undefined && isOwnGraphQLError) {
    // Validation errors raised outside Apollo (the WebSocket path) carry no code.
    return {
      message: withoutSuggestions(formatted.message),
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    };
  }
  report(original);
  return { message: GENERIC_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Removes graphql-js's "Did you mean ...?" hints, which would reveal the schema. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/, '');
}
