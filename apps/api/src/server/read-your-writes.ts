import type { ApolloServerPlugin } from '@apollo/server';
import { invalidInput } from '../core/errors';
import type { RequestContext } from '../core/request-context';
import { parseLsn } from '../database/db';
import type { Db } from '../database/db';
import { workScopeOf } from './work-scope';

/** Sent with every mutation's response when a read replica is configured: the primary's WAL position after it. */
export const WAL_POSITION_HEADER = 'x-clm-wal-position';
/** Sent back by a client with its queries: they read the replica only once it has replayed that far. */
export const READ_AFTER_HEADER = 'x-clm-read-after';

/**
 * Reading one's own writes across requests, with a read replica: a mutation's
 * response says where the primary's WAL was after it (`x-clm-wal-position`);
 * a query that sends the highest position it was given back
 * (`x-clm-read-after`) runs on the primary until the replica has replayed
 * that far, as last measured. Without a replica, nothing is added or read.
 */
export function readYourWritesPlugin(db: Db): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request }) {
      if (db.replicaHealth() === null) return;
      return {
        async didResolveOperation({ contextValue }) {
          const header = request.http?.headers.get(READ_AFTER_HEADER);
          const scope = workScopeOf(contextValue);
          if (header && scope) scope.readAfter = readAfter(header);
        },
        async willSendResponse({ operation, response }) {
          if (operation?.operation !== 'mutation') return;
          // Without the position the client only loses the guarantee (its next query may read the replica): the response stands.
          const position = await db.walPosition().catch(() => null);
          if (position !== null) response.http.headers.set(WAL_POSITION_HEADER, position);
        },
      };
    },
  };
}

function readAfter(header: string): bigint {
  try {
    return parseLsn(header.trim());
  } catch {
    throw invalidInput(READ_AFTER_HEADER, `must be a WAL position as a mutation's ${WAL_POSITION_HEADER} gave it (like 0/3A21F08)`);
  }
}
