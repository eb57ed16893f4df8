import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { IsNull } from 'typeorm';
import { ClmError } from '../../server/errors';
import { ApiKey, Scope } from './api-key.entity';

/** Who is calling: the key's id, name and scopes. */
export type Principal = { keyId: string; name: string; scopes: readonly Scope[] };

const KEY_PATTERN = /^(clm_[a-z0-9]{8})_([A-Za-z0-9_-]{32,})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** How long a verified key is trusted without asking the database again. */
const CACHE_TTL_MS = 5000;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether `principal` may act with `scope`; `admin` implies every scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(Scope.ADMIN) || principal.scopes.includes(scope);
}

/**
 * Creates, verifies and revokes API keys. A key reads
 * `clm_<8-character prefix>_<43-character secret>`; only its SHA-256 is
 * stored (the secret is 256 random bits, so a slow hash adds nothing).
 */
export class ApiKeyService {
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly dataSource: DataSource) {}

  /** Creates a key and returns it with its secret, which is never shown again. */
  async create(name: string, scopes: Scope[], createdBy: string | null, presetKey?: string): Promise<{ key: string; apiKey: ApiKey }> {
    const trimmed = name.trim();
    if (trimmed === '') throw new ClmError('INVALID_INPUT', 'name: must not be empty', { field: 'name' });
    if (scopes.length === 0) throw new ClmError('INVALID_INPUT', 'scopes: give at least one scope', { field: 'scopes' });
    const key = presetKey ?? generateKey();
    const match = KEY_PATTERN.exec(key);
    if (!match) throw new ClmError('INVALID_INPUT', 'key: not a clm API key');
    const repository = this.dataSource.getRepository(ApiKey);
    const [row] = await repository.query(
      `INSERT INTO api_keys (name, prefix, secret_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [trimmed, match[1], hashKey(key), [...new Set(scopes)], createdBy],
    );
    return { key, apiKey: await repository.findOneByOrFail({ id: row.id }) };
  }

  /** The principal behind `key`, or null when it is unknown, malformed or revoked. */
  async verify(key: string): Promise<Principal | null> {
    const cached = this.verified.get(key);
    if (cached && cached.until > Date.now()) return cached.principal;
    const match = KEY_PATTERN.exec(key);
    if (!match) return null;
    const apiKey = await this.dataSource.getRepository(ApiKey).findOneBy({ prefix: match[1], revokedAt: IsNull() });
    if (!apiKey || !sameHash(apiKey.secretHash, hashKey(key))) return null;
    const principal: Principal = { keyId: apiKey.id, name: apiKey.name, scopes: apiKey.scopes };
    this.verified.set(key, { principal, until: Date.now() + CACHE_TTL_MS });
    return principal;
  }

  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string): Promise<ApiKey> {
    const repository = this.dataSource.getRepository(ApiKey);
    await repository.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, [id]);
    const apiKey = await repository.findOneBy({ id });
    if (!apiKey) throw new ClmError('API_KEY_NOT_FOUND', `no API key with id "${id}"`, { field: 'id' });
    for (const [key, entry] of this.verified) if (entry.principal.keyId === id) this.verified.delete(key);
    return apiKey;
  }

  /**
   * Makes sure an admin key exists. With `configuredKey` that key is
   * registered (once); otherwise a key is generated when no active admin key
   * exists. Returns the generated key so the caller can show it once.
   */
  async ensureAdminKey(configuredKey: string | null): Promise<string | null> {
    const repository = this.dataSource.getRepository(ApiKey);
    if (configuredKey !== null) {
      const match = KEY_PATTERN.exec(configuredKey);
      const existing = match ? await repository.findOneBy({ prefix: match[1] }) : null;
      if (!existing) await this.create('admin (CLM_ADMIN_KEY)', [Scope.ADMIN], null, configuredKey);
      return null;
    }
    const [{ count }] = await repository.query(
      `SELECT count(*)::int AS count FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL`,
    );
    if (count > 0) return null;
    const { key } = await this.create('admin', [Scope.ADMIN], null);
    return key;
  }
}

function generateKey(): string {
  const prefixBytes = randomBytes(8);
  const prefix = Array.from(prefixBytes, (byte) => PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length]).join('');
  return `clm_${prefix}_${randomBytes(32).toString('base64url')}`;
}

function sameHash(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
