import type { Queryable } from '../database/db';
import { sqlState } from '../database/pg-errors';
import { databaseFingerprint } from './log-position';

/**
 * The fingerprint of this database's identity (migration
 * 1765100000001-database-identity), which every stream cursor carries; null
 * on a database not yet migrated that far (its cursors then carry none, and
 * only the "from the future" check tells another database's cursors apart).
 */
export async function readDatabaseFingerprint(db: Queryable): Promise<string | null> {
  try {
    const [row] = await db.query<{ id: string }>(`SELECT id::text AS id FROM database_identity`);
    return row ? databaseFingerprint(row.id) : null;
  } catch (error) {
    if (sqlState(error) === '42P01') return null;
    throw error;
  }
}
