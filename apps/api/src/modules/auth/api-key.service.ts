import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUuid, textProblem } from '../../core/ids';
import { invalidInput } from '../../core/errors';
import { Scope } from '../../core/principal';
import type { Principal } from '../../core/principal';
import type { Queryable } from '../../database/db';
import type { ApiKey } from './api-key.type';
import { apiKeyNotFound } from './api-key.errors';
import { countActiveAdminKeys, findApiKeyByPrefix, insertApiKey, listApiKeys, revokeApiKey, toApiKey } from './api-key.sql';

const KEY_PATTERN = /^(clm_[a-z0-9]{8})_([A-Za-z0-9_-]{32,})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** How long a verified key is trusted without asking the database again. */
const CACHE_TTL_MS = 5000;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Creates, verifies and revokes API keys. A key reads
 * `clm_<8-character prefix>_<43-character secret>`; only its SHA-256 is
 * stored (the secret is 256 random bits, so a slow hash adds nothing).
 */
/** The channel on which instances tell each other that a key was revoked (payload: the key id). */
export const KEYS_CHANNEL = 'clm_keys';

export class ApiKeyService {
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private readonly revokedListeners: Array<(keyId: string) => void> = [];

  constructor(private readonly db: Queryable) {}

  /** Calls `listener` with the id of every key revoked, here or (through KEYS_CHANNEL) on another instance. */
  onRevoked(listener: (keyId: string) => void): void {
    this.revokedListeners.push(listener);
  }

  /** Forgets a revoked key at once: the cache entry goes, and open connections using it are told. */
  forget(keyId: string): void {
    for (const [key, entry] of this.verified) if (entry.principal.keyId === keyId) this.verified.delete(key);
    for (const listener of this.revokedListeners) listener(keyId);
  }

  /** Creates a key and returns it with its secret, which is never shown again. */
  async create(name: string, scopes: Scope[], createdBy: string | null, presetKey?: string): Promise<{ key: string; apiKey: ApiKey }> {
    const trimmed = name.trim();
    if (trimmed === '') throw invalidInput('name', 'must not be empty');
    const problem = textProblem(trimmed);
    if (problem !== null) throw invalidInput('name', problem);
    if (scopes.length === 0) throw invalidInput('scopes', 'give at least one scope');
    const key = presetKey ?? generateKey();
    const match = KEY_PATTERN.exec(key);
    if (!match) throw invalidInput('key', 'not a clm API key');
    const row = await insertApiKey(this.db, {
      name: trimmed,
      prefix: match[1],
      secretHash: hashKey(key),
      scopes: [...new Set(scopes)],
      createdBy,
    });
    return { key, apiKey: toApiKey(row) };
  }

  /**
   * The principal behind `key`, or null when it is unknown, malformed or
   * revoked. Trusted from cache for up to 5 s unless `fresh`.
   */
  async verify(key: string, options: { fresh?: boolean } = {}): Promise<Principal | null> {
    const cached = this.verified.get(key);
    if (cached && cached.until > Date.now() && !options.fresh) return cached.principal;
    const match = KEY_PATTERN.exec(key);
    if (!match) return null;
    const apiKey = await findApiKeyByPrefix(this.db, match[1], { activeOnly: true });
    if (!apiKey || !sameHash(apiKey.secret_hash, hashKey(key))) {
      this.verified.delete(key);
      return null;
    }
    const principal: Principal = { keyId: apiKey.id, name: apiKey.name, scopes: apiKey.scopes };
    this.verified.set(key, { principal, until: Date.now() + CACHE_TTL_MS });
    return principal;
  }

  async list(): Promise<ApiKey[]> {
    return (await listApiKeys(this.db)).map(toApiKey);
  }

  async revoke(id: string): Promise<ApiKey> {
    const row = isUuid(id) ? await revokeApiKey(this.db, id) : null;
    if (!row) throw apiKeyNotFound(id);
    this.forget(row.id);
    await this.db.query(`SELECT pg_notify($1, $2)`, [KEYS_CHANNEL, row.id]);
    return toApiKey(row);
  }

  /**
   * Makes sure an admin key exists. With `configuredKey` that key is
   * registered (once); otherwise a key is generated when no active admin key
   * exists. Returns the generated key so the caller can show it once.
   */
  async ensureAdminKey(configuredKey: string | null): Promise<string | null> {
    if (configuredKey !== null) {
      const match = KEY_PATTERN.exec(configuredKey);
      const existing = match ? await findApiKeyByPrefix(this.db, match[1], { activeOnly: false }) : null;
      if (!existing) await this.create('admin (CLM_ADMIN_KEY)', [Scope.ADMIN], null, configuredKey);
      return null;
    }
    if ((await countActiveAdminKeys(this.db)) > 0) return null;
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
