import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import { Kind } from 'graphql';
import { setMaxListeners } from 'node:events';
import type { OperationDefinitionNode, SelectionSetNode } from 'graphql';
import type { RequestContext, RequestScope } from '../core/request-context';
import { WorkScope } from '../database/db';
import type { WorkKind } from '../database/work-kinds';
import { requestTimedOut } from '../database/database.errors';
import type { ScopedServices, Services } from './services';

/**
 * Which kind of work a GraphQL operation is, by its root fields: the kind
 * chooses its connections and its statement time limit (database/work-kinds.ts).
 * Fields not listed are interactive reads (and small writes).
 */
const ROOT_FIELD_KINDS: ReadonlyMap<string, WorkKind> = new Map<string, WorkKind>([
  ['metrics', 'metrics'],
  ['previewSegment', 'metrics'],
  // Creating or changing a segment evaluates its rule over every customer, as a preview does.
  ['createSegment', 'metrics'],
  ['updateSegment', 'metrics'],
  ['recordTouchpoint', 'ingest'],
  ['recordTouchpoints', 'ingest'],
  ['identifyCustomers', 'ingest'],
  ['recordCampaignSpend', 'ingest'],
  ['importCampaignSpend', 'ingest'],
  ['runInactivitySweep', 'sweep'],
  // A fit reads every customer's purchase statistics, as a metric over all customers does.
  ['fitPredictions', 'metrics'],
]);

/** An operation with root fields of several kinds runs as the first of these it has (the longest limits first). */
const PRECEDENCE: readonly WorkKind[] = ['sweep', 'metrics', 'ingest', 'read'];

/** The kind of work of an operation, from its root fields (inline fragments included). */
export function workKindOf(operation: OperationDefinitionNode): WorkKind {
  const kinds = new Set<WorkKind>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) kinds.add(ROOT_FIELD_KINDS.get(selection.name.value) ?? 'read');
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
    }
  };
  visit(operation.selectionSet);
  return PRECEDENCE.find((kind) => kinds.has(kind)) ?? 'read';
}

/** What an HTTP request's middleware hands on: the work scope its statements run in. */
export type WorkLocals = { work?: WorkScope };

/**
 * Gives an HTTP request a work scope of `kind` (`response.locals.work`): the
 * statements of the services built on it use that kind's connections and
 * limit, and its client leaving before the response is complete cancels them
 * at once, as does the request running longer than `totalMs` in all (0: no
 * limit; QUERY_TIMEOUT naming CLM_REQUEST_TIMEOUT_MS). `replicaReads`: its
 * reads may go to the read replica (a route that only reads; GraphQL decides
 * per operation, in workKindPlugin).
 */
export function requestWorkScope(kind: WorkKind, totalMs = 0, replicaReads = false) {
  return (_request: Request, response: Response, next: NextFunction) => {
    const gone = clientGone(response);
    if (totalMs <= 0) {
      (response.locals as WorkLocals).work = new WorkScope(kind, gone, replicaReads);
      return next();
    }
    const deadline = withDeadline(gone, totalMs);
    response.once('close', deadline.clear);
    (response.locals as WorkLocals).work = new WorkScope(kind, deadline.signal, replicaReads);
    next();
  };
}

/**
 * `signal`, also aborted `totalMs` after now with the QUERY_TIMEOUT that names
 * CLM_REQUEST_TIMEOUT_MS (what the scope's statements then fail with, and
 * any statement it would start after). `clear` drops the timer once the work
 * is over.
 */
export function withDeadline(signal: AbortSignal | null, totalMs: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(requestTimedOut(totalMs)), totalMs);
  timer.unref();
  const follow = () => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', follow);
    },
  };
}

/** Says, part-way through a request, which kind of work it is (a route known to be expensive). */
export function requestWorkKind(kind: WorkKind) {
  return (_request: Request, response: Response, next: NextFunction) => {
    const { work } = response.locals as WorkLocals;
    if (work) work.kind = kind;
    next();
  };
}

/**
 * Each request's or operation's work scope, and its services once a resolver
 * has needed them, by its context's RequestScope: Apollo hands plugins and
 * resolvers a copy of the context object, which shares that scope.
 */
const requestWork = new WeakMap<RequestScope, { scope: WorkScope; services: ScopedServices | null }>();

/** Runs the resolvers of `context` in `scope` (server/context.ts, as the context is made). */
export function bindWorkScope(context: RequestContext, scope: WorkScope): void {
  requestWork.set(context.scope, { scope, services: null });
}

/** The work scope of a request's or operation's context, if it has one. */
export function workScopeOf(context: RequestContext): WorkScope | undefined {
  return requestWork.get(context.scope)?.scope;
}

/**
 * The services a context's resolvers use: built on its work scope at its
 * first resolver, or the instance's own (background work) for a context with
 * none (a subscription's events, delivered by fan-out for many subscribers).
 */
export function servicesOf(services: Services, context: RequestContext): ScopedServices {
  const work = requestWork.get(context.scope);
  if (!work) return services;
  work.services ??= services.scoped(services.db.inScope(work.scope));
  return work.services;
}

/** A signal that fires when the response's connection closes before the response was complete (the client left). */
export function clientGone(response: Response): AbortSignal {
  const controller = new AbortController();
  // Every statement in flight listens to it: a request running many at once is no leak (0: no warning).
  setMaxListeners(0, controller.signal);
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Classifies each GraphQL operation over HTTP once it is resolved (previews and metrics, ingest, the sweep, reads),
 * and lets a query's reads go to the read replica; a mutation reads what it writes on the primary.
 */
export function workKindPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const scope = workScopeOf(contextValue);
          if (scope && operation) {
            scope.kind = workKindOf(operation);
            scope.replicaReads = operation.operation === 'query';
          }
        },
      };
    },
  };
}
