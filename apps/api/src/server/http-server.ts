import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from '../config';
import { migrationsAreCurrent } from '../database/data-source';
import { databaseUnavailable } from '../database/db';
import { ClmError } from '../core/errors';
import type { Principal } from '../core/principal';
import type { RequestContext } from '../core/request-context';
import { authenticate, createContext } from './context';
import { CSV_EXPORT_PATH, csvExportRouter } from './csv-export';
import { clientErrorOf, formatClientError, GENERIC_MESSAGE } from './error-mapping';
import { attachGraphQLWebSocket } from './graphql-ws-server';
import type { Logger } from './logger';
import { costError, limitRules, operationCost, variablesDepthError } from './operation-limits';
import { buildClmSchema } from './schema';
import { requestWorkScope, workKindPlugin } from './work-scope';
import { resolverContainer } from './services';
import type { Services } from './services';

export const GRAPHQL_PATH = '/graphql';

export type RunningServer = {
  url: string;
  port: number;
  /** Subscription executions so far (see subscription-fanout.ts): what shared execution saves is visible here. */
  subscriptionExecutions: () => number;
  close: () => Promise<void>;
};

type Locals = { requestId: string; principal?: Principal };

/**
 * The HTTP server: GraphQL over HTTP and WebSocket on one port and path,
 * health probes, and the built dashboard at `/` when present.
 */
export async function startHttpServer(options: {
  config: Pick<Config, 'port' | 'host' | 'limits' | 'introspection'> & Partial<Pick<Config, 'exports'>>;
  services: Services;
  logger: Logger;
  dashboardDir?: string;
}): Promise<RunningServer> {
  const { config, services, logger } = options;
  const schema = await buildClmSchema(resolverContainer(services));
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const webSocket = attachGraphQLWebSocket({ httpServer, path: GRAPHQL_PATH, schema, services, limits: config.limits, logger });

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.introspection,
    // clm's own shutdown stops Apollo, in order, after the WebSocket server.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: true,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: limitRules(config.limits),
    formatError: (formatted, error) =>
      formatClientError(formatted, error, (original) => logger.error({ err: original }, 'unexpected error in a GraphQL operation')),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Cache hints wrap every field resolver; clm sets none, and the wrapping cost a tenth of a list's time.
      ApolloServerPluginCacheControlDisabled(),
      costLimitPlugin(config.limits),
      workKindPlugin(services.db),
    ],
  });
  await apollo.start();

  app.use(requestLogging(logger));
  // Liveness with the database's state: 503 while it cannot be reached (clm reconnects when it is back).
  app.get('/healthz', async (_request, response) => {
    try {
      // On connections of its own: busy previews or exports cannot make a healthy instance look dead.
      await services.db.forKind('control').query('SELECT 1');
      response.json({ status: 'ok', database: 'reachable' });
    } catch {
      response.status(503).json({ status: 'degraded', database: 'unreachable' });
    }
  });
  app.get('/readyz', async (_request, response) => {
    try {
      const current = await migrationsAreCurrent(services.db);
      response.status(current ? 200 : 503).json({ status: current ? 'ready' : 'migrations pending', database: 'reachable' });
    } catch {
      response.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use(
    GRAPHQL_PATH,
    // The key first: a request without a valid key is refused before its body is read.
    requireApiKey(services),
    express.json({ limit: '5mb' }),
    refuseDeepVariables(schema),
    // Interactive reads until the operation says otherwise (workKindPlugin); the client leaving cancels its statements.
    requestWorkScope(services.db, 'read'),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const locals = res.locals as Locals;
        return createContext(services, locals.principal as Principal, locals.requestId);
      },
    }),
  );
  app.use(GRAPHQL_PATH, graphqlHttpErrors(logger));
  // CSV exports for BI tools (read key): /api/customers.csv, /api/metrics.csv.
  app.use(CSV_EXPORT_PATH, csvExportRouter({ services, logger, limits: config.exports }));
  if (options.dashboardDir && existsSync(path.join(options.dashboardDir, 'index.html'))) {
    const dashboardDir = options.dashboardDir;
    app.use(express.static(dashboardDir, { index: 'index.html', maxAge: '1h' }));
    app.get(/^\/(?!graphql|healthz|readyz).*/, (_request, response) => response.sendFile(path.join(dashboardDir, 'index.html')));
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`,
    port,
    subscriptionExecutions: webSocket.subscriptionExecutions,
    close: async () => {
      await webSocket.close();
      await apollo.stop();
    },
  };
}

/** Typed input nested absurdly deep is refused before GraphQL coerces it (which would overflow the stack). */
function refuseDeepVariables(schema: GraphQLSchema) {
  return (request: Request, response: Response, next: NextFunction) => {
    const body: unknown = request.body;
    const { query, variables } = body !== null && typeof body === 'object' ? (body as { query?: unknown; variables?: unknown }) : {};
    const error = variablesDepthError(schema, query, variables ?? null);
    if (!error) return next();
    response.status(400).json({ errors: [{ message: error.message, extensions: error.extensions }] });
  };
}

/** Every GraphQL request over HTTP needs a valid key; without one the answer is 401 UNAUTHENTICATED. */
function requireApiKey(services: Services) {
  return async (request: Request, response: Response, next: NextFunction) => {
    try {
      (response.locals as Locals).principal = await authenticate(services, request.headers.authorization);
      next();
    } catch (error) {
      if (!(error instanceof ClmError)) return next(error);
      const client = clientErrorOf(error);
      response.status(client.httpStatus).json({ errors: [{ message: error.message, extensions: { code: client.graphqlCode } }] });
    }
  };
}

/**
 * Whatever fails before or around GraphQL on /graphql (a body that is not
 * JSON, one over the size limit, anything unexpected) is answered in the
 * GraphQL error shape, as JSON, never with an HTML page.
 */
function graphqlHttpErrors(logger: Logger) {
  return (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const type = typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : '';
    const [status, code, message] =
      type === 'entity.parse.failed'
        ? [400, 'BAD_REQUEST', 'the request body is not valid JSON']
        : type === 'entity.too.large'
          ? [413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than 5 MB; send smaller batches']
          : databaseUnavailable(error)
            ? [503, 'SERVICE_UNAVAILABLE', 'the database is unavailable; retry shortly']
            : [500, 'INTERNAL_SERVER_ERROR', GENERIC_MESSAGE];
    if (status >= 500) logger.error({ err: error }, 'unexpected error on /graphql');
    response.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

function requestLogging(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.headers['x-request-id'];
    const requestId = typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
    (response.locals as Locals).requestId = requestId;
    response.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const locals = response.locals as Locals;
      logger.info(
        {
          requestId,
          method: request.method,
          path: request.originalUrl.split('?')[0],
          status: response.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          keyName: locals.principal?.name,
        },
        'request',
      );
    });
    next();
  };
}

/** Refuses operations whose cost (see operation-limits.ts) exceeds the limit, before they run. */
function costLimitPlugin(limits: Config['limits']): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const error = costError(operationCost(schema, document, request.operationName ?? undefined, request.variables ?? {}), limits);
          if (error) throw error;
        },
      };
    },
  };
}
