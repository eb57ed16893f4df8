import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import type { EmbeddedDatabase } from '../database/embedded-postgres';

declare global {
  var __CLM_EMBEDDED__: EmbeddedDatabase | undefined;
}

/**
 * One PostgreSQL server for the whole test run: the one in DATABASE_URL when
 * set, otherwise an embedded one in a temporary folder. Each test file then
 * creates its own database on it (testing/test-database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.CLM_TEST_SERVER_URL) return;
  if (process.env.DATABASE_URL) {
    process.env.CLM_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'clm-test-'));
  // As root, the server runs as the `postgres` user, which must be able to enter the folder.
  await chmod(folder, 0o755);
  const dataDir = path.join(folder, 'postgres');
  const embedded = await startEmbeddedPostgres({ dataDir, database: 'clm', persistent: false });
  globalThis.__CLM_EMBEDDED__ = embedded;
  process.env.CLM_TEST_SERVER_URL = embedded.url;
}
