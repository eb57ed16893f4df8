import type { Queryable } from '../../database/db';
import type { Scope } from '../../core/principal';
import { ApiKey } from './api-key.type';

/** The `api_keys` table: its row, its one mapper and its statements. */
export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: Scope[];
  created_at: Date;
  created_by: string | null;
  revoked_at: Date | null;
  /** The key's own cost limit; NULL: the instance's (CLM_MAX_COST). */
  max_cost: number | null;
};

const COLUMNS = 'id, name, prefix, secret_hash, scopes, created_at, created_by, revoked_at, max_cost';

export function toApiKey(row: ApiKeyRow): ApiKey {
  return Object.assign(new ApiKey(), {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    maxCost: row.max_cost,
  });
}

export async function insertApiKey(
  db: Queryable,
  key: { name: string; prefix: string; secretHash: string; scopes: Scope[]; createdBy: string | null; maxCost: number | null },
): Promise<ApiKeyRow> {
  const [row] = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (name, prefix, secret_hash, scopes, created_by, max_cost) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [key.name, key.prefix, key.secretHash, key.scopes, key.createdBy, key.maxCost],
  );
  return row;
}

/** Sets the key's own cost limit (null: the instance's); null when there is no such key. */
export async function setApiKeyMaxCost(db: Queryable, id: string, maxCost: number | null): Promise<ApiKeyRow | null> {
  const rows = await db.query<ApiKeyRow>(`UPDATE api_keys SET max_cost = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, maxCost]);
  return rows[0] ?? null;
}

export async function findApiKeyByPrefix(db: Queryable, prefix: string, options: { activeOnly: boolean }): Promise<ApiKeyRow | null> {
  const rows = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1 ${options.activeOnly ? 'AND revoked_at IS NULL' : ''}`,
    [prefix],
  );
  return rows[0] ?? null;
}

export function listApiKeys(db: Queryable): Promise<ApiKeyRow[]> {
  return db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
}

/** Revokes the key (keeping the first revocation time); null when there is no such key. */
export async function revokeApiKey(db: Queryable, id: string): Promise<ApiKeyRow | null> {
  const rows = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * Locks every active admin key (in id order, so concurrent revocations queue
 * instead of deadlocking) and returns their ids. Inside a transaction, a
 * revocation that checks this list cannot race another one into leaving no
 * admin key: the second waits, then sees the first one's key revoked.
 */
export async function lockActiveAdminKeys(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL ORDER BY id FOR UPDATE`,
  );
  return rows.map((row) => row.id);
}

export async function findApiKeyById(db: Queryable, id: string): Promise<ApiKeyRow | null> {
  const rows = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function countActiveAdminKeys(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL`,
  );
  return row.count;
}
