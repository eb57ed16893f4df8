import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { findFreePort } from '@clm/api/database/embedded-postgres';

/** The monorepo root; the API is started from there, as `npm start` does. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The built API entry point (build it first: `npx turbo run build --filter=@clm/api...`). */
export const API_MAIN = path.join(REPO_ROOT, 'apps', 'api', 'dist', 'main.js');

const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 20_000;

/** One line the process wrote, parsed when it is JSON (pino writes one object per line). */
export type LogLine = { stream: 'stdout' | 'stderr'; text: string; json: Record<string, unknown> | null };

export type ExitResult = { code: number | null; signal: NodeJS.Signals | null };

/** A running API process and what it has written so far. */
export type ApiProcess = {
  port: number;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** http://127.0.0.1:<port>/graphql */
  graphqlUrl: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  adminKey: string;
  databaseUrl: string;
  /** Every line written to stdout and stderr so far, in order. */
  lines: () => readonly LogLine[];
  /** Resolves with the first line (already written or still to come) that satisfies `match`. */
  waitForLine: (match: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  /** Resolves when the process has exited. */
  exited: Promise<ExitResult>;
  /** Sends `signal` (SIGTERM by default) unless the process has exited, and waits for the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<ExitResult>;
};

export type StartApiOptions = {
  databaseUrl: string;
  /** The admin key to register through CLM_ADMIN_KEY; a new one by default. */
  adminKey?: string;
  /** Listen on this port (e.g. to restart an API where a browser expects it); a free one by default. */
  port?: number;
  /** Extra environment variables (they win over the defaults; an empty value means "not set", as for clm's configuration). */
  env?: Record<string, string>;
};

/** A key CLM_ADMIN_KEY accepts: `clm_<8 lowercase letters or digits>_<43 base64url characters>`. */
export function generateApiKey(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const prefix = Array.from(randomBytes(8), (byte) => alphabet[byte % alphabet.length]).join('');
  return `clm_${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Starts `node apps/api/dist/main.js` as a user does, on a free port, and
 * resolves once GET /readyz answers 200. Rejects (with the process output)
 * when it exits or is not ready in time.
 */
export async function startApi(options: StartApiOptions): Promise<ApiProcess> {
  const port = options.port ?? (await findFreePort());
  const adminKey = options.adminKey ?? generateApiKey();
  const child = spawn(process.execPath, [API_MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...userEnvironment(),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      CLM_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'info',
      // The tests read the log as JSON lines, whatever the developer's shell sets.
      LOG_FORMAT: 'json',
      CLM_SWEEP_INTERVAL_MINUTES: '0',
      // The demo (on by default on the embedded database) only where a test asks for it with CLM_DEMO=1.
      CLM_DEMO: '0',
      // Bounds the cleanup of every test should a stop hang; the shutdown test runs with the default (10 s).
      CLM_SHUTDOWN_GRACE_MS: '3000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectLines(child);
  const exited = new Promise<ExitResult>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://127.0.0.1:${port}`;
  const api: ApiProcess = {
    port,
    baseUrl,
    graphqlUrl: `${baseUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    adminKey,
    databaseUrl: options.databaseUrl,
    lines: output.lines,
    waitForLine: output.waitFor,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return withTimeout(exited, EXIT_TIMEOUT_MS, () => {
        child.kill('SIGKILL');
        return `the API did not exit within ${EXIT_TIMEOUT_MS} ms of ${signal}`;
      });
    },
  };
  try {
    await waitUntilReady(baseUrl, exited);
  } catch (error) {
    await api.stop('SIGKILL');
    const log = output
      .lines()
      .map((line) => line.text)
      .join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- API output ---\n${log}`, { cause: error });
  }
  return api;
}

/**
 * The test runner's environment without what jest adds: NODE_ENV=test
 * changes how libraries behave (Apollo Server, for one, installs no signal
 * handlers under test), and a user's shell does not set it.
 */
export function userEnvironment(): NodeJS.ProcessEnv {
  const environment = { ...process.env };
  for (const name of Object.keys(environment)) {
    if (name === 'NODE_ENV' || name.startsWith('JEST_') || name === 'CLM_TEST_SERVER_URL') delete environment[name];
  }
  return environment;
}

async function waitUntilReady(baseUrl: string, exited: Promise<ExitResult>): Promise<void> {
  let exit: ExitResult | null = null;
  void exited.then((result) => (exit = result));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit !== null) throw new Error(`the API exited before it was ready: ${JSON.stringify(exit)}`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the API was not ready within ${READY_TIMEOUT_MS} ms`);
}

function collectLines(child: ChildProcess) {
  const lines: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const add = (stream: LogLine['stream'], text: string) => {
    const line: LogLine = { stream, text, json: parseJsonObject(text) };
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.match(line)) continue;
      waiters.delete(waiter);
      waiter.resolve(line);
    }
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => add('stdout', text));
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (text) => add('stderr', text));
  return {
    lines: (): readonly LogLine[] => lines,
    waitFor: (match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      let waiter: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void } | undefined;
      const line = new Promise<LogLine>((resolve) => {
        waiter = { match, resolve };
        waiters.add(waiter);
      });
      return withTimeout(line, timeoutMs, () => {
        if (waiter) waiters.delete(waiter);
        return `no matching log line within ${timeoutMs} ms; the log so far:\n${lines.map((entry) => entry.text).join('\n')}`;
      });
    },
  };
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `promise`, or a rejection with `onTimeout()`'s message once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(onTimeout())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
