import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { createConnectionStatusStore } from '../lib/connection-status';
import type { ConnectionStatusStore } from '../lib/connection-status';
import { readYourWritesFetch } from '../lib/read-your-writes';

/** The API is same-origin: served by the API itself in production, proxied by Vite in development. */
const GRAPHQL_PATH = '/graphql';

/** Everything a signed-in session talks to the API with. */
export type ApiSession = {
  client: ApolloClient;
  connection: ConnectionStatusStore;
  /** Closes the socket and stops the client; call when the session ends. */
  dispose: () => void;
};

/**
 * Creates the Apollo Client for one API key: queries and mutations over HTTP
 * with `Authorization: Bearer <key>` (and the position of the session's last
 * write, so it reads its own writes), subscriptions over graphql-ws with the
 * same header value in `connectionParams`.
 */
export function createApiSession(apiKey: string, location: Location = window.location): ApiSession {
  const authorization = `Bearer ${apiKey}`;
  const connection = createConnectionStatusStore();
  const socket = createClient({
    url: webSocketUrl(location),
    connectionParams: { authorization },
    // Subscribers re-subscribe themselves after a drop so they can pass the
    // latest cursor; a graphql-ws retry would replay the original variables.
    retryAttempts: 0,
    on: connection.socketEvents,
  });
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(socket),
    // What this session wrote, it reads back: from the primary until the API's read replica has it (lib/read-your-writes.ts).
    new HttpLink({ uri: GRAPHQL_PATH, headers: { authorization }, fetch: readYourWritesFetch((input, init) => fetch(input, init)) }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });

  return {
    client,
    connection,
    dispose: () => {
      client.stop();
      void socket.dispose();
    },
  };
}

function webSocketUrl(location: Location): string {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${location.host}${GRAPHQL_PATH}`;
}
