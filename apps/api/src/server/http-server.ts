import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { ProjectionHealth } from '../log';
import { migrationsAreCurrent } from '../database/data-source';
import { databaseUnavailable } from '../database/db';
import type { ReplicaHealth } from '../database/db';
import { ClmError } from '../core/errors';
import { DEFAULT_V1_MAX_PENDING } from '../config';
import type { Principal } from '../core/principal';
import type { RequestContext } from '../core/request-context';
import { bindPort } from './bind-port';
import type { BoundPort } from './bind-port';
import { authenticate, createContext } from './context';
import { CSV_EXPORT_PATH, csvExportRouter } from './csv-export';
import { IngestGate } from './ingest-gate';
import { SEGMENT_V1_PATH, segmentV1Router } from './segment-v1';
import { clientErrorOf, formatClientError, GENERIC_MESSAGE, refuseSubscriptionsOverHttp } from './error-mapping';
import { attachGraphQLWebSocket } from './graphql-ws-server';
import type { Logger } from './logger';
import { ExpensiveWork } from './expensive-work';
import { refuseRateLimitedKeys } from './rate-limited-keys';
import { costError, limitRules, operationCosts, variablesDepthError } from './operation-limits';
import { buildClmSchema } from './schema';
import { CompiledExecution, compiledGateway } from './compiled-execution';
import { readYourWritesPlugin } from './read-your-writes';
import { requestWorkScope, workKindPlugin } from './work-scope';
import type { WorkLocals } from './work-scope';
import { resolverContainer } from './services';
import type { Services } from './services';

export const GRAPHQL_PATH = '/graphql';

export type RunningServer = {
  url: string;
  port: number;
  /** Subscription executions so far (see subscription-fanout.ts): what shared execution saves is visible here. */
  subscriptionExecutions: () => number;
  /** Subscriptions whose feed has opened so far (their start position is taken). */
  subscriptionsStarted: () => number;
  /** Expensive operations running and waiting for a slot now (see expensive-work.ts). */
  expensiveWork: () => { running: number; waiting: number };
  /** /v1 requests holding a place at the ingest gate now (see ingest-gate.ts). */
  v1Pending: () => number;
  /** GraphQL operations over HTTP served compiled, on graphql-js, and compiled then rerun (see compiled-execution.ts). */
  executions: () => CompiledExecution['served'];
  close: () => Promise<void>;
};

/** `asset`: the request is for the dashboard (a static file or its index.html), logged at debug rather than info. */
type Locals = WorkLocals & { requestId: string; principal?: Principal; asset?: boolean };

/** The projections that are lagging or stalled (none when all are fine). */
async function troubledProjections(services: Services): Promise<ProjectionHealth[]> {
  return (await services.projections.health()).filter((health) => health.state !== 'ok');
}

const isStalled = (health: ProjectionHealth) => health.state === 'stalled';

/** The health probes name only projections in trouble, so a healthy answer stays `{status, database}`. */
function projectionsPart(troubled: ProjectionHealth[]): { projections?: ProjectionHealth[] } {
  return troubled.length === 0 ? {} : { projections: troubled };
}

/**
 * The read replica's state and lag, when one is configured. It never fails a probe: a replica bypassed or away only
 * sends reads to the primary.
 */
function replicaPart(services: Services): { readReplica?: ReplicaHealth } {
  const health = services.db.replicaHealth();
  return health === null ? {} : { readReplica: health };
}

/**
 * The HTTP server: GraphQL over HTTP and WebSocket on one port and path,
 * health probes, and the built dashboard at `/` when present. It serves on
 * `bound` (the port clm took before anything else) or binds `config.port`.
 */
export async function startHttpServer(options: {
  config: Pick<Config, 'port' | 'host' | 'limits' | 'expensiveWork' | 'introspection'> &
    Partial<Pick<Config, 'exports' | 'requestTimeoutMs' | 'v1MaxPending'>>;
  services: Services;
  logger: Logger;
  dashboardDir?: string;
  bound?: BoundPort;
}): Promise<RunningServer> {
  const { config, services, logger } = options;
  const bound = options.bound ?? (await bindPort(config));
  const schema = await buildClmSchema(resolverContainer(services));
  const app = express();
  app.disable('x-powered-by');
  const httpServer = bound.server;
  // One gate for every way in (HTTP, WebSocket, CSV): the limits are per instance.
  const expensiveWork = new ExpensiveWork(config.expensiveWork);
  const ingestGate = new IngestGate(config.v1MaxPending ?? DEFAULT_V1_MAX_PENDING);
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    path: GRAPHQL_PATH,
    schema,
    services,
    limits: config.limits,
    expensiveWork,
    logger,
    requestTimeoutMs: config.requestTimeoutMs ?? 0,
  });

  const execution = new CompiledExecution(schema);
  const apollo = new ApolloServer<RequestContext>({
    // The schema and an executor of clm's own: hot query operations run compiled (compiled-execution.ts).
    gateway: compiledGateway(schema, execution),
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
      refuseSubscriptionsOverHttp(),
      costLimitPlugin(config.limits, expensiveWork),
      workKindPlugin(),
      readYourWritesPlugin(services.db),
    ],
  });
  await apollo.start();

  app.use(requestLogging(logger));
  // Liveness: 200 while the process can serve and reach its database, 503 while the database cannot be reached (clm
  // reconnects when it is back). A stalled projection is named here but does not fail liveness: restarting the process
  // does not unstick a projection held back by a long transaction, and readiness says it.
  app.get('/healthz', async (_request, response) => {
    try {
      // On connections of its own: busy previews or exports cannot make a healthy instance look dead.
      await services.db.forKind('control').query('SELECT 1');
    } catch {
      response.status(503).json({ status: 'degraded', database: 'unreachable', ...replicaPart(services) });
      return;
    }
    // Before the migrations are applied the positions cannot be read; liveness does not depend on them.
    const troubled = await troubledProjections(services).catch((): ProjectionHealth[] => []);
    response.json({
      status: troubled.some(isStalled) ? 'degraded' : 'ok',
      database: 'reachable',
      ...projectionsPart(troubled),
      ...replicaPart(services),
    });
  });
  // Readiness: 503 while migrations are pending or a projection is stalled (its read models, metrics or segment
  // membership, no longer move); a lagging projection is named and the instance stays ready.
  app.get('/readyz', async (_request, response) => {
    try {
      if (!(await migrationsAreCurrent(services.db))) {
        response.status(503).json({ status: 'migrations pending', database: 'reachable' });
        return;
      }
      const troubled = await troubledProjections(services);
      const stalled = troubled.filter(isStalled);
      response.status(stalled.length > 0 ? 503 : 200).json({
        status:
          stalled.length > 0
            ? `projection stalled: ${stalled.map((health) => `${health.projection} (${health.log})`).join(', ')}`
            : 'ready',
        database: 'reachable',
        ...projectionsPart(troubled),
        ...replicaPart(services),
      });
    } catch {
      response.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use(
    GRAPHQL_PATH,
    // Interactive reads until the operation says otherwise (workKindPlugin); the client leaving cancels its statements.
    requestWorkScope('read', config.requestTimeoutMs ?? 0),
    // The key first: a request without a valid key is refused before its body is read.
    requireApiKey(services),
    // A key that keeps coming back after being refused, without waiting, is refused before its body is read.
    refuseRateLimitedKeys(expensiveWork),
    express.json({ limit: '5mb' }),
    refuseDeepVariables(schema),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const locals = res.locals as Locals;
        return createContext(services, locals.principal as Principal, locals.requestId, locals.work);
      },
    }),
  );
  app.use(GRAPHQL_PATH, graphqlHttpErrors(logger));
  // CSV exports for BI tools (read key): /api/customers.csv, /api/metrics.csv.
  app.use(CSV_EXPORT_PATH, csvExportRouter({ services, logger, limits: config.limits, expensiveWork, exportLimits: config.exports }));
  // The Segment-compatible HTTP Tracking API (write key), with CORS for browsers on other origins.
  app.use(SEGMENT_V1_PATH, segmentV1Router({ services, logger, gate: ingestGate }));
  if (options.dashboardDir && existsSync(path.join(options.dashboardDir, 'index.html'))) {
    const dashboardDir = options.dashboardDir;
    app.use(markAsset);
    app.use(express.static(dashboardDir, { index: 'index.html', maxAge: '1h' }));
    app.get(/^\/(?!graphql|healthz|readyz|v1\/).*/, (_request, response) => response.sendFile(path.join(dashboardDir, 'index.html')));
  }

  bound.serve(app);
  return {
    url: bound.url,
    port: bound.port,
    subscriptionExecutions: webSocket.subscriptionExecutions,
    subscriptionsStarted: webSocket.subscriptionsStarted,
    expensiveWork: () => expensiveWork.load(),
    v1Pending: () => ingestGate.load(),
    executions: () => ({ ...execution.served }),
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
      // A page load fetches a dozen files: at info they would bury the API's own requests.
      logger[locals.asset ? 'debug' : 'info'](
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

/** Requests that reach the dashboard's files (everything the API's own routes did not answer). */
function markAsset(_request: Request, response: Response, next: NextFunction): void {
  (response.locals as Locals).asset = true;
  next();
}

/**
 * Refuses operations whose cost (see operation-limits.ts) exceeds the limit,
 * before they run; an expensive one (with a priced field) then takes a slot
 * of the key's and the instance's (see expensive-work.ts), held until its
 * response is sent, or is refused with 429 and `Retry-After`.
 */
function costLimitPlugin(limits: Config['limits'], expensiveWork: ExpensiveWork): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      let release = () => {};
      return {
        async didResolveOperation({ request, document, schema, contextValue }) {
          const { total, priced } = operationCosts(schema, document, request.operationName ?? undefined, request.variables ?? {});
          const { principal } = contextValue;
          const error = costError(total, limits, priced, principal.maxCost);
          if (error) {
            expensiveWork.refused(principal.keyId);
            throw error;
          }
          if (priced.length === 0) return;
          try {
            release = await expensiveWork.acquire(contextValue.principal.keyId);
          } catch (refusal) {
            if (!(refusal instanceof ClmError)) throw refusal;
            const retryAfter = String(expensiveWork.retryAfterSeconds);
            throw new GraphQLError(refusal.message, {
              originalError: refusal,
              extensions: { code: refusal.code, http: { status: 429, headers: new Map([['retry-after', retryAfter]]) } },
            });
          }
        },
        async willSendResponse() {
          release();
        },
      };
    },
  };
}
