import '../production-mode';
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import type { Config } from '../config';
import { Scope } from '../core/principal';
import { migrationsAreCurrent } from '../database/data-source';
import { Db, sqlState } from '../database/db';
import { embeddedPostgresState, startEmbeddedPostgres } from '../database/embedded-postgres';
import { ApiKeyService } from '../modules/auth';

/*
 * `npm run admin-key [name]`: mints a new admin API key straight in the
 * database, for the machine's owner who lost the one clm printed at its first
 * start. It runs beside the database, not through the API (which would need a
 * key): on DATABASE_URL, or on the embedded PostgreSQL in CLM_DATA_DIR, whether
 * clm is running on it (the command connects to that server) or not (it starts
 * the server for the moment it needs it). The key goes to stdout alone, once;
 * what to do with it goes to stderr.
 */

/** A failure the command explains in one sentence (no stack). */
class CommandError extends Error {}

type Database = { url: string; close: () => Promise<void> };

const USAGE = `usage: npm run admin-key [-- "key name"]
  Creates a new admin API key in clm's database (DATABASE_URL, or the embedded one in CLM_DATA_DIR) and prints it once.`;

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (argv.length > 1 || argv.some((argument) => argument.startsWith('-'))) throw new CommandError(`unexpected arguments\n${USAGE}`);
  const name = argv[0] ?? `admin (npm run admin-key, ${new Date().toISOString().slice(0, 10)})`;
  const config = loadConfig();
  const database = await openDatabase(config);
  const db = Db.open({ url: database.url, poolSize: 1 });
  try {
    if (!(await schemaIsCurrent(db)))
      throw new CommandError(
        'the database has not been set up by this version of clm (migrations are pending); start clm once (npm start), then run this command again',
      );
    const { key, apiKey } = await new ApiKeyService(db).create(name, [Scope.ADMIN], null);
    process.stderr.write(
      `\n  clm created the admin API key "${apiKey.name}" (${apiKey.prefix}). It is shown only this once; store it now.\n` +
        `  Send it as "Authorization: Bearer <key>"; revoke a lost key with the revokeApiKey mutation (the apiKeys query lists them).\n\n`,
    );
    process.stdout.write(`${key}\n`);
  } finally {
    await db.end();
    await database.close();
  }
}

/** DATABASE_URL; else the embedded server a running clm has on CLM_DATA_DIR; else that server, started for the moment. */
async function openDatabase(config: Config): Promise<Database> {
  const nothing = async () => undefined;
  if (config.databaseUrl !== null) return { url: config.databaseUrl, close: nothing };
  const options = { dataDir: config.dataDir, explicitDataDir: config.dataDirExplicit, database: 'clm' };
  const state = await embeddedPostgresState(options);
  if (!state.initialised)
    throw new CommandError(
      `there is no clm database in ${state.dataDir} yet; start clm (npm start): its first start creates the database and prints an admin key (set DATABASE_URL or CLM_DATA_DIR if clm uses another database)`,
    );
  if (state.runningUrl !== null) return { url: state.runningUrl, close: nothing };
  const embedded = await startEmbeddedPostgres({ ...options, persistent: true });
  return { url: embedded.url, close: embedded.stop };
}

/** Whether every migration of this build has run; a database clm never started on has no `migrations` table. */
async function schemaIsCurrent(db: Db): Promise<boolean> {
  try {
    return await migrationsAreCurrent(db);
  } catch (error) {
    if (sqlState(error) === '42P01') return false;
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message =
    error instanceof CommandError || error instanceof ConfigError
      ? error.message
      : `could not create a key: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`clm admin-key: ${message}\n`);
  process.exitCode = error instanceof ConfigError ? 78 : 1;
});
