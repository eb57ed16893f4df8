import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLBody } from './graphql-http';
import { withTimeout } from './api-process';

/** How the server closed a socket. */
export type CloseInfo = { code: number; reason: string };

/** A graphql-ws client and what happened to its socket. */
export type WsConnection = {
  client: Client;
  /** Resolves with the first close of the socket, whoever closed it. */
  closed: Promise<CloseInfo>;
  dispose: () => Promise<void>;
};

/**
 * A graphql-transport-ws client on `wsUrl` that sends `Bearer <key>` as
 * `connectionParams.authorization` (nothing when `key` is null). It never
 * retries, so a close is seen as it happened; `lazy: false` connects at once.
 */
export function connectWs(wsUrl: string, key: string | null, options: { lazy?: boolean } = {}): WsConnection {
  let onClosed: (info: CloseInfo) => void = () => undefined;
  const closed = new Promise<CloseInfo>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: key === null ? {} : { authorization: `Bearer ${key}` },
    lazy: options.lazy ?? false,
    retryAttempts: 0,
    // Reported through `closed` instead of the console.
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  return { client, closed, dispose: async () => client.dispose() };
}

/** One running subscription: every result it delivered, and how it ended. */
export type Subscription<T> = {
  /** Every result delivered so far, in order. */
  results: () => ReadonlyArray<GraphQLBody<T>>;
  /** The `data` of every result so far (results with errors are skipped). */
  data: () => readonly T[];
  /** Resolves once `predicate(data so far)` holds; rejects after `timeoutMs` or when the subscription ends first. */
  waitUntil: (predicate: (data: readonly T[]) => boolean, timeoutMs?: number) => Promise<readonly T[]>;
  /** Resolves when the server completes the subscription or fails it (with the error). */
  ended: Promise<{ error: unknown }>;
  unsubscribe: () => void;
};

/** Starts `query` on `client` and collects what it delivers. */
export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const results: Array<GraphQLBody<T>> = [];
  const listeners = new Set<() => void>();
  let finished: { error: unknown } | null = null;
  let onEnd: (outcome: { error: unknown }) => void = () => undefined;
  const ended = new Promise<{ error: unknown }>((resolve) => (onEnd = resolve));
  const end = (outcome: { error: unknown }) => {
    finished = outcome;
    onEnd(outcome);
    for (const listener of [...listeners]) listener();
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        results.push(result as GraphQLBody<T>);
        for (const listener of [...listeners]) listener();
      },
      error: (error) => end({ error }),
      complete: () => end({ error: null }),
    },
  );
  const data = () => results.filter((result) => result.errors === undefined && result.data != null).map((result) => result.data as T);
  return {
    results: () => results,
    data,
    ended,
    unsubscribe,
    waitUntil: (predicate, timeoutMs = 15_000) => {
      let listener: () => void = () => undefined;
      const reached = new Promise<readonly T[]>((resolve, reject) => {
        listener = () => {
          if (predicate(data())) resolve(data());
          else if (finished !== null)
            reject(new Error(`the subscription ended first: ${describe(finished.error)}; results: ${JSON.stringify(results)}`));
        };
        listeners.add(listener);
        listener();
      });
      return withTimeout(
        reached,
        timeoutMs,
        () => `the subscription did not deliver what was expected within ${timeoutMs} ms; results: ${JSON.stringify(results)}`,
      ).finally(() => listeners.delete(listener));
    },
  };
}

function describe(error: unknown): string {
  if (error === null) return 'completed';
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'code' in error)
    return `closed ${(error as CloseInfo).code} ${String((error as CloseInfo).reason)}`;
  return JSON.stringify(error);
}
