import { execute, getOperationAST, GraphQLError } from 'graphql';
import type { ExecutionArgs, GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { setMaxListeners } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { OperationLimits } from '../config';
import { ClmError } from '../core/errors';
import type { Principal } from '../core/principal';
import { authenticate, createContext } from './context';
import { formatClientError } from './error-mapping';
import type { Logger } from './logger';
import type { ExpensiveWork } from './expensive-work';
import { costError, operationCosts, parseWithLimits, validateWithLimits, variablesDepthError } from './operation-limits';
import type { Services } from './services';
import { SubscriptionFanout } from './subscription-fanout';
import { withDeadline, workKindOf } from './work-scope';
import { WorkScope } from '../database/db';

type SocketExtra = { principal?: Principal; authorization?: unknown; gone?: AbortSignal };

/** The largest WebSocket message accepted, as for an HTTP body. */
export const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;
/** How often open connections' keys are verified again in the database: the longest a missed revocation can go unseen. */
const KEY_RECHECK_MS = 2_500;
/** Subscriptions (and other operations) running at once on one connection. */
export const MAX_OPERATIONS_PER_SOCKET = 100;

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and
 * path. The API key comes in `connectionParams.authorization` as
 * `Bearer <key>`; every operation passes the same limits and error masking
 * as HTTP.
 */
export function attachGraphQLWebSocket(options: {
  httpServer: HttpServer;
  path: string;
  schema: GraphQLSchema;
  services: Services;
  limits: OperationLimits;
  expensiveWork: ExpensiveWork;
  logger: Logger;
  /** The longest a query or mutation may take in all (CLM_REQUEST_TIMEOUT_MS); 0 or absent: no limit. */
  requestTimeoutMs?: number;
}) {
  const { schema, services, limits, expensiveWork, logger } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 0;
  // The same body limit as HTTP: a larger message closes the socket (1009) before it is parsed.
  const wsServer = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: MAX_MESSAGE_BYTES });
  const mask = (errors: readonly GraphQLError[]) =>
    errors.map((error) =>
      formatClientError(error.toJSON(), error, (original) => logger.error({ err: original }, 'unexpected error in a WebSocket operation')),
    );

  const fanout = new SubscriptionFanout({ context: (principal) => createContext(services, principal), mask });

  /** Open connections and the key each authenticated with, to close them when that key is revoked. */
  const sockets = new Map<WebSocket, SocketExtra>();
  const closeRevoked = (socket: WebSocket) => socket.close(CloseCode.Forbidden, 'UNAUTHENTICATED: invalid or revoked API key');
  services.apiKeys.onRevoked((keyId) => {
    for (const [socket, extra] of sockets) if (extra.principal?.keyId === keyId) closeRevoked(socket);
  });
  // A revocation whose NOTIFY was missed (the listener reconnecting) is found by asking the database again, once per key.
  const recheck = setInterval(() => {
    const byKey = new Map<unknown, WebSocket[]>();
    for (const [socket, extra] of sockets) byKey.set(extra.authorization, [...(byKey.get(extra.authorization) ?? []), socket]);
    for (const [authorization, open] of byKey) {
      authenticate(services, authorization, { fresh: true }).catch((error: unknown) => {
        if (error instanceof ClmError) for (const socket of open) closeRevoked(socket);
      });
    }
  }, KEY_RECHECK_MS);
  recheck.unref();

  /** The timer of each query's or mutation's total time limit, by its context, dropped once it is executed. */
  const deadlines = new WeakMap<object, () => void>();
  /** The key of each expensive operation's context (one context per operation), for `execute` to take its slot. */
  const expensiveKeys = new WeakMap<object, string>();

  const disposable = useServer<Record<string, unknown>, SocketExtra>(
    {
      schema,
      // A query or mutation with a priced field runs in a slot of its key's (see expensive-work.ts); a refusal is its result.
      onConnect: async (ctx) => {
        try {
          ctx.extra.authorization = ctx.connectionParams?.authorization;
          ctx.extra.principal = await authenticate(services, ctx.extra.authorization);
          sockets.set(ctx.extra.socket, ctx.extra);
          // The socket closing cancels the statements of its queries and mutations in flight.
          const gone = new AbortController();
          setMaxListeners(0, gone.signal);
          ctx.extra.gone = gone.signal;
          ctx.extra.socket.once('close', () => {
            sockets.delete(ctx.extra.socket);
            gone.abort();
          });
          return true;
        } catch (error) {
          if (!(error instanceof ClmError)) logger.error({ err: error }, 'WebSocket authentication failed');
          const reason = error instanceof ClmError ? `UNAUTHENTICATED: ${error.message}` : 'UNAUTHENTICATED';
          ctx.extra.socket.close(CloseCode.Forbidden, reason.slice(0, 120));
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        // Counted before anything is awaited: the operation being started holds a reservation in ctx.subscriptions already.
        if (Object.keys(ctx.subscriptions).length > MAX_OPERATIONS_PER_SOCKET) {
          return [
            new GraphQLError(
              `at most ${MAX_OPERATIONS_PER_SOCKET} operations may run at once on one connection; complete some or open another`,
              {
                extensions: { code: 'TOO_MANY_OPERATIONS' },
              },
            ),
          ];
        }
        // The key is checked again for every operation: a revoked key runs nothing more on a socket opened before.
        try {
          ctx.extra.principal = await authenticate(services, ctx.extra.authorization);
        } catch (error) {
          if (!(error instanceof ClmError)) throw error;
          closeRevoked(ctx.extra.socket);
          return [new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        // A key refused too often (it ignores Retry-After) is refused before its operation is parsed.
        const rateLimited = expensiveWork.rateLimited((ctx.extra.principal as Principal).keyId);
        if (rateLimited) return mask([new GraphQLError(rateLimited.message, { originalError: rateLimited })]).map(toGraphQLError);
        let document;
        try {
          document = parseWithLimits(payload.query, limits);
        } catch (error) {
          const message = error instanceof GraphQLError ? error.message : 'could not parse the operation';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validateWithLimits(schema, document, limits);
        if (errors.length > 0) return mask(errors).map(toGraphQLError);
        const variables = payload.variables ?? {};
        const tooDeep = variablesDepthError(schema, payload.query, variables);
        if (tooDeep) return [tooDeep];
        const { total, priced } = operationCosts(schema, document, payload.operationName ?? undefined, variables);
        const principal = ctx.extra.principal as Principal;
        const tooCostly = costError(total, limits, priced, principal.maxCost);
        if (tooCostly) {
          expensiveWork.refused(principal.keyId);
          return mask([tooCostly]).map(toGraphQLError);
        }
        // Its work scope: the connections and time limit of its kind, and its socket closing cancels its statements; a
        // query or mutation also stops at its total time limit, counted from here (a slot waited for included).
        const operation = getOperationAST(document, payload.operationName);
        const gone = ctx.extra.gone ?? null;
        const deadline = requestTimeoutMs > 0 && operation?.operation !== 'subscription' ? withDeadline(gone, requestTimeoutMs) : null;
        // A query may read the replica; a mutation reads what it writes, and a subscription's reads follow the logs, on the primary.
        const work = new WorkScope(operation ? workKindOf(operation) : 'read', deadline?.signal ?? gone, operation?.operation === 'query');
        const contextValue = createContext(services, principal, undefined, work);
        if (deadline) deadlines.set(contextValue, deadline.clear);
        if (priced.length > 0) expensiveKeys.set(contextValue, contextValue.principal.keyId);
        fanout.bind(contextValue, { socket: ctx.extra.socket, stream: ctx.extra.request.socket, id });
        return { schema, document, variableValues: variables, operationName: payload.operationName, contextValue };
      },
      // An expensive query or mutation first takes its key's slot (server/expensive-work.ts).
      execute: async (args) => {
        const { contextValue } = args;
        const known = typeof contextValue === 'object' && contextValue !== null;
        const keyId = known ? expensiveKeys.get(contextValue) : undefined;
        try {
          if (keyId === undefined) return await execute(args);
          return await expensiveWork.run(keyId, async () => execute(args));
        } catch (refusal) {
          if (!(refusal instanceof ClmError)) throw refusal;
          return { errors: [new GraphQLError(refusal.message, { originalError: refusal })] };
        } finally {
          if (known) deadlines.get(contextValue)?.();
        }
      },
      // Every subscription is delivered by fan-out: executed and serialised once per event and selection (see subscription-fanout.ts).
      subscribe: (args) => fanout.subscribe(args),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors || result.errors.length === 0) return result;
        return { ...result, errors: mask(result.errors).map(toGraphQLError) };
      },
      onError: (_ctx, _id, _payload, errors) => mask(errors).map(toGraphQLError),
    },
    wsServer,
  );
  return {
    /** How many times a subscription's selection was executed for an event (once per event and distinct selection). */
    subscriptionExecutions: () => fanout.executions,
    subscriptionsStarted: () => fanout.started,
    /** Closes every socket (1001 Going Away) and stops accepting new ones. */
    close: async () => {
      clearInterval(recheck);
      for (const client of wsServer.clients) client.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

function toGraphQLError(formatted: { message: string; extensions?: Record<string, unknown> }): GraphQLError {
  return new GraphQLError(formatted.message, { extensions: formatted.extensions });
}
