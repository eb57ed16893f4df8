import type { DataSource } from 'typeorm';
import { createDataSource } from '../database/data-source';
import { createServices, stopServices } from '../server/services';
import type { Services } from '../server/services';
import { createTestDatabase } from './test-database';

export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';

/** A migrated database of its own with every service wired, for integration tests. */
export type TestContext = { url: string; dataSource: DataSource; services: Services; close: () => Promise<void> };

export async function createTestContext(): Promise<TestContext> {
  const database = await createTestDatabase();
  const dataSource = createDataSource(database.url, 12);
  await dataSource.initialize();
  await dataSource.runMigrations();
  const services = await createServices(dataSource, database.url, (error) => {
    throw error;
  });
  return {
    url: database.url,
    dataSource,
    services,
    close: async () => {
      await stopServices(services);
      await dataSource.destroy();
      await database.drop();
    },
  };
}

export { collect, startTestServer, TEST_LIMITS } from './test-server';
export type { GraphQLResponse, TestServer } from './test-server';
