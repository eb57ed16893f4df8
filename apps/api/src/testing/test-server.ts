import type { Client } from 'graphql-ws';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExpensiveWorkLimits, OperationLimits } from '../config';
import { Scope } from '../core/principal';
import { startHttpServer } from '../server/http-server';
import { createLogger } from '../server/logger';
import { createTestContext } from './index';
import type { TestContext } from './index';

/** Operation limits used by test servers (the defaults of config.ts). */
export const TEST_LIMITS = { maxDepth: 10, maxAliases: 15, maxTokens: 5000, maxCost: 10000 };
/** Expensive operations at once, per key and per instance, and the wait for a slot (the defaults of config.ts). */
export const TEST_EXPENSIVE_WORK = { perKey: 2, perInstance: 4, waitMs: 2000 };

export type GraphQLResponse<T = Record<string, unknown>> = {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }>;
};

/** An API server on a free port with its own database and an admin key. */
export type TestServer = TestContext & {
  httpUrl: string;
  wsUrl: string;
  adminKey: string;
  /** Runs one operation over HTTP with `key` (the admin key by default). */
  graphql: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ) => Promise<GraphQLResponse<T>>;
  /** A graphql-ws client authenticated with `key` (the admin key by default). */
  wsClient: (key?: string) => Client;
  createKey: (scopes: Scope[]) => Promise<string>;
  /** How many times the server has executed a subscription's selection for an event. */
  subscriptionExecutions: () => number;
  /** Subscriptions whose feed has opened so far: wait on it rather than on a clock before sending what they must see. */
  subscriptionsStarted: () => number;
  /** Resolves once `count` more subscriptions than `before` have opened their feed. */
  subscriptionsOpened: (before: number, count?: number) => Promise<void>;
  /** Expensive operations running and waiting for a slot now. */
  expensiveWork: () => { running: number; waiting: number };
  /** The Segment-compatible routes' base, `http://127.0.0.1:<port>/v1`. */
  v1Url: string;
  /** /v1 requests holding a place at the ingest gate now. */
  v1Pending: () => number;
};

/**
 * `expensiveWork` and `operationLimits` replace the defaults of config.ts (a test of one layer of protection can lift
 * the others); the rest goes to the services (createTestContext).
 */
export async function startTestServer(
  options: Parameters<typeof createTestContext>[0] & {
    expensiveWork?: ExpensiveWorkLimits;
    operationLimits?: OperationLimits;
    v1MaxPending?: number;
    /** CLM_REQUEST_TIMEOUT_MS (none by default). */
    requestTimeoutMs?: number;
  } = {},
): Promise<TestServer> {
  const { expensiveWork, operationLimits, v1MaxPending, requestTimeoutMs, ...contextOptions } = options;
  const context = await createTestContext(contextOptions);
  const logger = createLogger('silent');
  const server = await startHttpServer({
    config: {
      port: 0,
      host: '127.0.0.1',
      limits: operationLimits ?? TEST_LIMITS,
      expensiveWork: expensiveWork ?? TEST_EXPENSIVE_WORK,
      introspection: true,
      v1MaxPending,
      requestTimeoutMs,
    },
    services: context.services,
    logger,
  });
  const { key: adminKey } = await context.services.apiKeys.create('test admin', [Scope.ADMIN], null);
  const clients: Client[] = [];
  const httpUrl = `http://127.0.0.1:${server.port}/graphql`;
  const wsUrl = `ws://127.0.0.1:${server.port}/graphql`;
  return {
    ...context,
    httpUrl,
    wsUrl,
    adminKey,
    graphql: async <T>(
      query: string,
      variables: Record<string, unknown> = {},
      key: string | null = adminKey,
    ): Promise<GraphQLResponse<T>> => {
      const response = await fetch(httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<T>;
    },
    wsClient: (key = adminKey) => {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    subscriptionExecutions: server.subscriptionExecutions,
    subscriptionsStarted: server.subscriptionsStarted,
    subscriptionsOpened: async (before, count = 1) => {
      while (server.subscriptionsStarted() < before + count) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    expensiveWork: server.expensiveWork,
    v1Url: `http://127.0.0.1:${server.port}/v1`,
    v1Pending: server.v1Pending,
    createKey: async (scopes) => (await context.services.apiKeys.create(`test ${scopes.join('+')}`, scopes, null)).key,
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await server.close();
      await context.close();
    },
  };
}

/** Collects a subscription's results until `count` arrived (or `timeoutMs` passed). */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  count: number,
  timeoutMs = 20000,
): { done: Promise<T[]>; stop: () => void; received: T[] } {
  const received: T[] = [];
  let stop = () => undefined as void;
  const done = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out with ${received.length} of ${count} events`));
    }, timeoutMs);
    const unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(result.errors)));
            return;
          }
          received.push(result.data as T);
          if (received.length >= count) {
            clearTimeout(timer);
            unsubscribe();
            resolve(received);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(received);
        },
      },
    );
    stop = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve(received);
    };
  });
  return { done, stop: () => stop(), received };
}
