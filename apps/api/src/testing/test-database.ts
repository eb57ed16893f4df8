import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A database of its own for one test file, dropped by `drop()`. */
export type TestDatabase = { url: string; drop: () => Promise<void> };

/**
 * Creates an empty database on the test server (CLM_TEST_SERVER_URL, set by
 * the jest global setup; DATABASE_URL works too), or on `server` (a URL of
 * any database on it).
 */
export async function createTestDatabase(server?: string): Promise<TestDatabase> {
  const serverUrl = server ?? process.env.CLM_TEST_SERVER_URL ?? process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('CLM_TEST_SERVER_URL is not set: run the tests through jest (its global setup starts PostgreSQL)');
  const name = `clm_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
