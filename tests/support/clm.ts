import { startApi } from './api-process';
import type { ApiProcess, StartApiOptions } from './api-process';
import { createTestDatabase } from './database';
import type { TestDatabase } from './database';
import { graphqlClient } from './graphql-http';
import type { GraphQLHttpClient } from './graphql-http';
import { connectWs } from './graphql-ws';
import type { WsConnection } from './graphql-ws';

export type Scope = 'INGEST' | 'READ' | 'ADMIN';

/**
 * A database of its own and the API processes started on it. `close()` stops
 * every process (SIGTERM), closes every WebSocket client and drops the database.
 */
export type ClmEnvironment = {
  database: TestDatabase;
  /** The first API process. */
  api: ApiProcess;
  /** GraphQL over HTTP to the first process with its admin key. */
  admin: GraphQLHttpClient;
  /** Starts another API process on the same database with the same admin key. */
  startAnotherApi: (options?: Partial<StartApiOptions>) => Promise<ApiProcess>;
  /** Creates a key with `scopes` through createApiKey and returns the secret. */
  createKey: (name: string, scopes: Scope[]) => Promise<string>;
  /** A graphql-ws client on `api` (the first process by default), closed by `close()`. */
  connectWs: (key: string | null, options?: { api?: ApiProcess; lazy?: boolean }) => WsConnection;
  close: () => Promise<void>;
};

export async function startClm(options: Partial<StartApiOptions> = {}): Promise<ClmEnvironment> {
  const database = await createTestDatabase();
  const processes: ApiProcess[] = [];
  const connections: WsConnection[] = [];
  let api: ApiProcess;
  try {
    api = await startApi({ ...options, databaseUrl: database.url });
  } catch (error) {
    await database.drop();
    throw error;
  }
  processes.push(api);
  const admin = graphqlClient(api.graphqlUrl, api.adminKey);
  return {
    database,
    api,
    admin,
    startAnotherApi: async (more = {}) => {
      const another = await startApi({ adminKey: api.adminKey, ...options, ...more, databaseUrl: database.url });
      processes.push(another);
      return another;
    },
    createKey: async (name, scopes) => {
      const data = await admin.data<{ createApiKey: { key: string } }>(
        `mutation CreateKey($name: String!, $scopes: [Scope!]!) { createApiKey(name: $name, scopes: $scopes) { key } }`,
        { name, scopes },
      );
      return data.createApiKey.key;
    },
    connectWs: (key, connectOptions = {}) => {
      const connection = connectWs((connectOptions.api ?? api).wsUrl, key, { lazy: connectOptions.lazy });
      connections.push(connection);
      return connection;
    },
    close: async () => {
      await Promise.all(connections.map((connection) => connection.dispose()));
      await Promise.all(processes.map((process) => process.stop()));
      await database.drop();
    },
  };
}
