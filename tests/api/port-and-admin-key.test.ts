import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '@clm/api/database/embedded-postgres';
import { API_MAIN, REPO_ROOT, startApi, userEnvironment } from '../support/api-process';
import type { ApiProcess } from '../support/api-process';
import { createTestDatabase, queryDatabase } from '../support/database';
import type { TestDatabase } from '../support/database';
import { graphqlClient } from '../support/graphql-http';

/*
 * The door for the machine's owner: a start on a busy port creates nothing
 * (so the one-time admin key is not printed and lost), and `npm run admin-key`
 * mints a new admin key beside the database when the old one is lost.
 */

const ADMIN_KEY_CLI = path.join(REPO_ROOT, 'apps', 'api', 'dist', 'cli', 'admin-key.js');
const KEY_PATTERN = /^clm_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/;
const VIEWER = `{ viewer { name scopes } }`;

type Finished = { code: number | null; stdout: string; stderr: string };

/** Runs `node <script>` from the repository root as a user's shell would, with `env` on top of the user's environment. */
function runNode(script: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env: { ...userEnvironment(), ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment variables of clm's configuration a test does not set, emptied (empty means "not set" to clm). */
const UNSET = { DATABASE_URL: '', CLM_DATA_DIR: '', CLM_ADMIN_KEY: '', HOST: '', PORT: '', CLM_DEMO: '0', LOG_LEVEL: 'info' };

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const holder = createServer();
    holder.once('error', reject);
    holder.listen(port, '0.0.0.0', () => resolve(holder));
  });
}

const tablesIn = async (url: string) =>
  (await queryDatabase<{ count: string }>(url, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`))[0].count;

describe('clm started on a port another program holds', () => {
  let port: number;
  let holder: Server;
  let database: TestDatabase;
  let folder: string;

  beforeAll(async () => {
    port = await findFreePort();
    holder = await holdPort(port);
    database = await createTestDatabase();
    folder = await mkdtemp(path.join(tmpdir(), 'clm-e2e-busy-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await database.drop();
    await rm(folder, { recursive: true, force: true });
  });

  it('says so in one sentence naming the port and PORT=, exits with 1, and leaves the database untouched (no admin key)', async () => {
    const result = await runNode(API_MAIN, [], { ...UNSET, PORT: String(port), DATABASE_URL: database.url });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `clm: port ${port} is already in use by another program (another clm?); stop it, or start clm on another port, e.g. PORT=${port + 1} npm start\n`,
    });
    // Not even migrated: no api_keys table, so no key was created and none was printed.
    expect(await tablesIn(database.url)).toBe('0');
  });

  it('on the embedded database, creates no data folder', async () => {
    const dataDir = path.join(folder, 'postgres');
    const result = await runNode(API_MAIN, [], { ...UNSET, PORT: String(port), CLM_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `clm: port ${port} is already in use by another program (another clm?); stop it, or start clm on another port, e.g. PORT=${port + 1} npm start\n`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('npm run admin-key on DATABASE_URL', () => {
  let database: TestDatabase;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await api?.stop();
    await database.drop();
  });

  it('refuses a database clm has never started on, with one sentence, creating nothing', async () => {
    const result = await runNode(ADMIN_KEY_CLI, [], { ...UNSET, DATABASE_URL: database.url });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'clm admin-key: the database has not been set up by this version of clm (migrations are pending); start clm once (npm start), then run this command again\n',
    });
    expect(await tablesIn(database.url)).toBe('0');
  });

  it('prints a new admin key, alone on stdout, that the running API accepts at once under the name given', async () => {
    api = await startApi({ databaseUrl: database.url });
    const result = await runNode(ADMIN_KEY_CLI, ['ops laptop'], { ...UNSET, DATABASE_URL: database.url });
    expect(result.code).toBe(0);
    const key = result.stdout.trimEnd();
    expect(result.stdout).toBe(`${key}\n`);
    expect(key).toMatch(KEY_PATTERN);
    expect(result.stderr).toContain(`clm created the admin API key "ops laptop" (${key.slice(0, 12)})`);
    expect(await graphqlClient(api.graphqlUrl, key).data(VIEWER)).toEqual({ viewer: { name: 'ops laptop', scopes: ['ADMIN'] } });
    // Stored as a hash only, beside the key clm registered at its start.
    const rows = await queryDatabase<{ name: string; prefix: string; secret_hash: string }>(
      database.url,
      `SELECT name, prefix, secret_hash FROM api_keys ORDER BY created_at`,
    );
    expect(rows.map((row) => [row.name, row.prefix])).toEqual([
      ['admin (CLM_ADMIN_KEY)', api.adminKey.slice(0, 12)],
      ['ops laptop', key.slice(0, 12)],
    ]);
    expect(rows.some((row) => row.secret_hash.includes(key.slice(13)))).toBe(false);
  });

  it('refuses unexpected arguments with its usage and creates no key', async () => {
    const result = await runNode(ADMIN_KEY_CLI, ['--scopes', 'read'], { ...UNSET, DATABASE_URL: database.url });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('clm admin-key: unexpected arguments');
    expect(await queryDatabase(database.url, `SELECT 1 FROM api_keys`)).toHaveLength(2);
  });
});

describe('npm run admin-key on the embedded database', () => {
  let folder: string;
  let dataDir: string;
  let api: ApiProcess | undefined;
  const startOnEmbedded = () => startApi({ databaseUrl: '', env: { CLM_DATA_DIR: dataDir } });
  const adminKey = () => runNode(ADMIN_KEY_CLI, [], { ...UNSET, CLM_DATA_DIR: dataDir });

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'clm-e2e-admin-key-'));
    // As root the embedded server runs as `postgres`, which must reach the folder.
    await chmod(folder, 0o755);
    dataDir = path.join(folder, 'postgres');
  });
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('says to start clm first when there is no database in CLM_DATA_DIR yet, and creates none', async () => {
    const result = await adminKey();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `clm admin-key: there is no clm database in ${dataDir} yet; start clm (npm start): its first start creates the database and prints an admin key (set DATABASE_URL or CLM_DATA_DIR if clm uses another database)\n`,
    );
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(false);
  });

  it('while clm runs on it, connects to that server, and the running API accepts the key at once', async () => {
    api = await startOnEmbedded();
    const result = await adminKey();
    expect(result.code).toBe(0);
    const key = result.stdout.trimEnd();
    expect(key).toMatch(KEY_PATTERN);
    const viewer = await graphqlClient(api.graphqlUrl, key).data<{ viewer: { name: string; scopes: string[] } }>(VIEWER);
    expect(viewer.viewer.scopes).toEqual(['ADMIN']);
    expect(viewer.viewer.name).toMatch(/^admin \(npm run admin-key, \d{4}-\d{2}-\d{2}\)$/);
  });

  it('while clm is stopped, starts the server for the moment and stops it; clm started afterwards accepts the key', async () => {
    const result = await adminKey();
    expect(result.code).toBe(0);
    const key = result.stdout.trimEnd();
    expect(key).toMatch(KEY_PATTERN);
    // The command stopped the server it started: nothing holds the folder.
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
    api = await startOnEmbedded();
    expect(await graphqlClient(api.graphqlUrl, key).data(VIEWER)).toEqual({
      viewer: { name: expect.stringMatching(/^admin \(npm run admin-key, /), scopes: ['ADMIN'] },
    });
  });
});
