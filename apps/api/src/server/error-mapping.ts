import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';
import { ClmError, CoreError, databaseUnavailableError } from '../core/errors';
import { DatabaseError } from '../database/database.errors';
import type { DatabaseErrorCode } from '../database/database.errors';
import { databaseUnavailable, RetryTransaction, sqlState } from '../database/db';
import type { CoreErrorCode } from '../core/errors';
import { LogError } from '../log';
import type { LogErrorCode } from '../log';
import { MODULE_ERROR_CODES } from '../modules/manifest';
import type { ModuleErrorCode } from '../modules/manifest';
import { LimitError } from './limits.errors';
import type { LimitErrorCode } from './limits.errors';

/** Every code a `ClmError` can carry: the core's, the database's, the log's, each module's (modules/manifest.ts) and the operation limits'. */
export type ErrorCode = CoreErrorCode | DatabaseErrorCode | LogErrorCode | ModuleErrorCode | LimitErrorCode;

/** What a client sees for a code: GraphQL's `extensions.code` and, for the HTTP routes, the status. */
export type ClientError = { graphqlCode: string; httpStatus: number };

/** The one mapping from clm's error codes to what clients see. Exhaustive: a new code does not compile until it is mapped. */
export function describeErrorCode(code: ErrorCode): ClientError {
  switch (code) {
    case 'UNAUTHENTICATED':
      return { graphqlCode: 'UNAUTHENTICATED', httpStatus: 401 };
    case 'FORBIDDEN':
      return { graphqlCode: 'FORBIDDEN', httpStatus: 403 };
    case 'INVALID_INPUT':
    case 'INVALID_CURSOR':
    case 'INVALID_LIFECYCLE_MODEL':
    case 'UNKNOWN_STAGE':
    case 'PREDICTION_NO_DATA':
      return { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 };
    case 'CUSTOMER_NOT_FOUND':
    case 'MERGE_NOT_FOUND':
    case 'API_KEY_NOT_FOUND':
    case 'CAMPAIGN_NOT_FOUND':
    case 'SEGMENT_NOT_FOUND':
    case 'PLAYBOOK_NOT_FOUND':
    case 'WEBHOOK_ENDPOINT_NOT_FOUND':
    case 'WEBHOOK_DELIVERY_NOT_FOUND':
      return { graphqlCode: 'NOT_FOUND', httpStatus: 404 };
    case 'CUSTOMER_CONFLICT':
    case 'MERGE_REFUSED':
    case 'LAST_ADMIN_KEY':
    case 'CAMPAIGN_EXISTS':
    case 'SEGMENT_EXISTS':
    case 'PLAYBOOK_EXISTS':
      return { graphqlCode: 'CONFLICT', httpStatus: 409 };
    case 'WEBHOOK_URL_FORBIDDEN':
      return { graphqlCode: 'WEBHOOK_URL_FORBIDDEN', httpStatus: 400 };
    case 'SUBSCRIBER_BEHIND':
      return { graphqlCode: 'SUBSCRIBER_BEHIND', httpStatus: 409 };
    case 'DATABASE_UNAVAILABLE':
      return { graphqlCode: 'SERVICE_UNAVAILABLE', httpStatus: 503 };
    case 'COST_LIMIT_EXCEEDED':
      return { graphqlCode: 'COST_LIMIT_EXCEEDED', httpStatus: 400 };
    case 'TOO_MANY_EXPENSIVE_OPERATIONS':
      return { graphqlCode: 'TOO_MANY_EXPENSIVE_OPERATIONS', httpStatus: 429 };
    case 'RATE_LIMITED':
      return { graphqlCode: 'RATE_LIMITED', httpStatus: 429 };
    case 'QUERY_TIMEOUT':
      return { graphqlCode: 'QUERY_TIMEOUT', httpStatus: 503 };
    case 'REQUEST_CANCELLED':
      // nginx's "client closed request": nobody reads it, but a log should not call it a server error.
      return { graphqlCode: 'REQUEST_CANCELLED', httpStatus: 499 };
  }
}

/** Every code, for the test that checks each one maps (and for documentation). */
export const ERROR_CODES: readonly ErrorCode[] = [
  ...Object.values(CoreError),
  ...Object.values(DatabaseError),
  ...Object.values(LogError),
  ...MODULE_ERROR_CODES,
  ...Object.values(LimitError),
];

/** The client view of any ClmError; an unknown code (a programming error) is internal. */
export function clientErrorOf(error: ClmError): ClientError {
  const known = (ERROR_CODES as readonly string[]).includes(error.code);
  return known ? describeErrorCode(error.code as ErrorCode) : { graphqlCode: 'INTERNAL_SERVER_ERROR', httpStatus: 500 };
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
  'RATE_LIMITED',
  'SUBSCRIBER_BEHIND',
  'TOO_MANY_OPERATIONS',
  'SERVICE_UNAVAILABLE',
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
  const unwrapped = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  // A query that failed because the database is down, full or busy says so (retryable), instead of an internal error.
  const original = retryLater(unwrapped) ? databaseUnavailableError() : unwrapped;
  if (original instanceof ClmError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: clientErrorOf(original).graphqlCode, ...original.details },
    };
  }
  const apolloRequestError = error instanceof GraphQLError ? APOLLO_REQUEST_ERRORS.get(error.message) : undefined;
  if (apolloRequestError !== undefined) return { message: apolloRequestError, extensions: { code: 'BAD_REQUEST' } };
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

/**
 * Whether a failure says nothing about the request, only about the database
 * now: unreachable or restarting (a batch cut by a crash), out of connection
 * slots (53300, "too many clients"), or a transaction that kept colliding with
 * others until its retries ran out. Nothing of the request was committed, so
 * the client's retry (the README's rule for SERVICE_UNAVAILABLE) loses
 * nothing.
 */
export function retryLater(error: unknown): boolean {
  return databaseUnavailable(error) || error instanceof RetryTransaction || RETRY_LATER_SQLSTATES.has(sqlState(error) ?? '');
}

/** serialization_failure and deadlock_detected once the transaction's own retries are spent; too_many_connections. */
const RETRY_LATER_SQLSTATES = new Set(['40001', '40P01', '53300']);

/**
 * Request errors Apollo Server raises with no code (so it would default to
 * INTERNAL_SERVER_ERROR), by their message, with what the client is told. A
 * persisted query whose hash is not the SHA-256 of its text is the client's
 * mistake: BAD_REQUEST, as Apollo's own request errors are coded (a hash the
 * server does not know, sent without its query, stays PERSISTED_QUERY_NOT_FOUND,
 * which tells APQ clients to send the query along).
 */
const APOLLO_REQUEST_ERRORS = new Map([
  ['provided sha does not match query', 'extensions.persistedQuery.sha256Hash: not the SHA-256 of the query sent'],
  ['Unsupported persisted query version', 'extensions.persistedQuery.version: only version 1 is supported'],
]);

/**
 * Subscriptions are served over WebSocket (graphql-ws) only; one sent as an
 * HTTP request is refused with BAD_REQUEST before anything runs (executed as
 * a query, its resolver has no event to resolve).
 */
export function refuseSubscriptionsOverHttp<Context extends object>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('subscriptions are served over WebSocket (graphql-ws protocol) on /graphql, not over HTTP', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        },
      };
    },
  };
}

/** Removes graphql-js's "Did you mean ...?" hints, which would reveal the schema. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/, '');
}
