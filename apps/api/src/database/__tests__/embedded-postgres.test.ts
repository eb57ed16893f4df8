import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../embedded-postgres';

/** The built module, for child processes that play a clm being killed (npm test builds before testing). */
const BUILT = path.resolve(__dirname, '../../../dist/database/embedded-postgres.js');

/** Starts a child process that starts the embedded server on `dataDir`, prints its URL and waits to be killed. */
function startChild(dataDir: string) {
  const script = `require(${JSON.stringify(BUILT)}).startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, database: 'clm', persistent: true })
    .then((db) => { process.stdout.write(db.url + '\\n'); setInterval(() => undefined, 1000); })`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the child exited with ${code}`)));
  });
  return { child, url };
}

const serverPid = (dataDir: string) => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const query = async (url: string) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0].one;
  } finally {
    await client.end();
  }
};

describe('the embedded PostgreSQL', () => {
  const folders: string[] = [];
  const folder = async () => {
    const created = await mkdtemp(path.join(tmpdir(), 'clm-embedded-'));
    await chmod(created, 0o755);
    folders.push(created);
    return created;
  };
  afterAll(async () => {
    for (const created of folders) await rm(created, { recursive: true, force: true });
  });

  it('recovers the server a kill -9 of clm left running: stops it cleanly, then starts', async () => {
    const dataDir = path.join(await folder(), 'postgres');
    const { child, url } = startChild(dataDir);
    expect(await query(await url)).toBe(1);
    const orphan = serverPid(dataDir);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isAlive(orphan)).toBe(true); // the server outlives clm: its own process group

    const logged: string[] = [];
    const database = await startEmbeddedPostgres({ dataDir, database: 'clm', persistent: true, onLog: (message) => logged.push(message) });
    try {
      expect(logged).toEqual([
        'found the embedded PostgreSQL of a clm that did not shut down (killed?) still running; stopping it cleanly before starting',
      ]);
      expect(isAlive(orphan)).toBe(false);
      expect(await query(database.url)).toBe(1);
    } finally {
      await database.stop();
    }
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  }, 120_000);

  it('refuses a data folder another running clm uses, naming it', async () => {
    const dataDir = path.join(await folder(), 'postgres');
    const { child, url } = startChild(dataDir);
    await url;
    try {
      await expect(startEmbeddedPostgres({ dataDir, database: 'clm', persistent: true })).rejects.toThrow(
        `another clm (process ${child.pid}) is using the embedded database in ${dataDir}; stop it, or set CLM_DATA_DIR or DATABASE_URL`,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 120_000);

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'runs as root from a folder only root can enter: the data goes where the postgres user can reach it, or a clear refusal',
    async () => {
      const privateHome = await folder();
      await chmod(privateHome, 0o700);
      const dataDir = path.join(privateHome, 'checkout', '.clm', 'postgres');
      const logged: Array<{ message: string; details?: Record<string, unknown> }> = [];
      const database = await startEmbeddedPostgres({
        dataDir,
        database: 'clm',
        persistent: false,
        onLog: (message, details) => logged.push({ message, details }),
      });
      try {
        expect(logged).toEqual([
          {
            message: 'the postgres user cannot enter this checkout; keeping the embedded database elsewhere',
            details: { dataDir: database.dataDir },
          },
        ]);
        expect(database.dataDir).toMatch(/^\/var\/lib\/clm\/data-[0-9a-f]{12}\/postgres$/);
        expect(await query(database.url)).toBe(1);
      } finally {
        await database.stop();
      }
      await expect(startEmbeddedPostgres({ dataDir, explicitDataDir: true, database: 'clm', persistent: false })).rejects.toThrow(
        `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${path.dirname(dataDir)} (CLM_DATA_DIR); choose a folder it can reach, or set DATABASE_URL to a server of your own`,
      );
    },
    120_000,
  );
});
