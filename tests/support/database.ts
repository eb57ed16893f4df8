import { Client } from 'pg';

export { createTestDatabase } from '@clm/api/testing/test-database';
export type { TestDatabase } from '@clm/api/testing/test-database';

/** Runs one SQL statement on `url` with a short-lived connection and returns its rows. */
export async function queryDatabase<T extends Record<string, unknown>>(url: string, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, parameters)).rows;
  } finally {
    await client.end();
  }
}
