import { migrate } from '../database/data-source';
import type { Db } from '../database/db';
import { createServices } from '../server/services';
import type { ServiceOptions, Services } from '../server/services';
import { createTestDatabase } from './test-database';

export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';

/** A migrated database of its own with every service wired, for integration tests. */
export type TestContext = { url: string; db: Db; services: Services; close: () => Promise<void> };

/**
 * `options` override the services' defaults (tests of time limits give short ones). `server`: the database is created
 * there instead of on the test server; `readReplica`: a replica of that server, read as CLM_READ_DATABASE_URL (its
 * URL's database is replaced by the test's).
 */
export async function createTestContext(
  options: Partial<Pick<ServiceOptions, 'limits' | 'idleInTransactionMs' | 'webhooks' | 'ingestWriters' | 'readReplica' | 'onNotice'>> & {
    server?: string;
  } = {},
): Promise<TestContext> {
  const { server, readReplica, ...serviceOptions } = options;
  const database = await createTestDatabase(server);
  await migrate(database.url);
  const services = await createServices({
    url: database.url,
    poolSize: 12,
    ...serviceOptions,
    readReplica: readReplica && { ...readReplica, url: sameDatabase(readReplica.url, database.url) },
    // What tests run outside any request (loading 200,000 rows, say) is not clm's work: no limit on it.
    limits: { background: { statementTimeoutMs: 0, connections: 12 }, ...options.limits },
    onError: (error) => {
      throw error;
    },
  });
  return {
    url: database.url,
    db: services.db,
    services,
    close: async () => {
      await services.stop();
      await database.drop();
    },
  };
}

/** `server`'s URL naming the database of `url`. */
function sameDatabase(server: string, url: string): string {
  const result = new URL(server);
  result.pathname = new URL(url).pathname;
  return result.toString();
}

export { collect, startTestServer, TEST_EXPENSIVE_WORK, TEST_LIMITS } from './test-server';
export type { GraphQLResponse, TestServer } from './test-server';
export { Receiver } from './webhook-receiver';
export type { Answer, Received } from './webhook-receiver';
