import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUuid, textProblem } from '../../core/ids';
import { invalidInput } from '../../core/errors';
import { Scope } from '../../core/principal';
import type { Principal } from '../../core/principal';
import type { Db } from '../../database/db';
import type { ApiKey } from './api-key.type';
import { apiKeyNotFound, lastAdminKey } from './api-key.errors';
import {
  countActiveAdminKeys,
  findApiKeyById,
  findApiKeyByPrefix,
  insertApiKey,
  listApiKeys,
  lockActiveAdminKeys,
  revokeApiKey,
  setApiKeyMaxCost,
  toApiKey,
} from './api-key.sql';

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

  constructor(private readonly db: Db) {}

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
  async create(
    name: string,
    scopes: Scope[],
    createdBy: string | null,
    options: { presetKey?: string; maxCost?: number | null } = {},
  ): Promise<{ key: string; apiKey: ApiKey }> {
    const { presetKey, maxCost = null } = options;
    const trimmed = name.trim();
    if (trimmed === '') throw invalidInput('name', 'must not be empty');
    const problem = textProblem(trimmed);
    if (problem !== null) throw invalidInput('name', problem);
    if (scopes.length === 0) throw invalidInput('scopes', 'give at least one scope');
    checkMaxCost(maxCost);
    const key = presetKey ?? generateKey();
    const match = KEY_PATTERN.exec(key);
    if (!match) throw invalidInput('key', 'not a clm API key');
    const row = await insertApiKey(this.db, {
      name: trimmed,
      prefix: match[1],
      secretHash: hashKey(key),
      scopes: [...new Set(scopes)],
      createdBy,
      maxCost,
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
    const principal: Principal = { keyId: apiKey.id, name: apiKey.name, scopes: apiKey.scopes, maxCost: apiKey.max_cost };
    this.verified.set(key, { principal, until: Date.now() + CACHE_TTL_MS });
    return principal;
  }

  async list(): Promise<ApiKey[]> {
    return (await listApiKeys(this.db)).map(toApiKey);
  }

  /**
   * Sets the key's own cost limit (null: back to the server's, CLM_MAX_COST).
   * It applies on this instance at once, on others within the 5 s a verified
   * key is trusted from cache.
   */
  async setCostLimit(id: string, maxCost: number | null): Promise<ApiKey> {
    checkMaxCost(maxCost);
    const row = isUuid(id) ? await setApiKeyMaxCost(this.db, id, maxCost) : null;
    if (!row) throw apiKeyNotFound(id);
    for (const [key, entry] of this.verified) if (entry.principal.keyId === row.id) this.verified.delete(key);
    return toApiKey(row);
  }

  /**
   * Revokes the key. The last active admin key is refused (LAST_ADMIN_KEY):
   * without one nobody could create or revoke keys again. Revoking a key
   * twice keeps its first revocation time.
   */
  async revoke(id: string): Promise<ApiKey> {
    if (!isUuid(id)) throw apiKeyNotFound(id);
    const row = await this.db.transaction(async (uow) => {
      const admins = await lockActiveAdminKeys(uow);
      const key = await findApiKeyById(uow, id);
      if (!key) throw apiKeyNotFound(id);
      if (admins.length === 1 && admins[0] === key.id) throw lastAdminKey(key.name);
      return revokeApiKey(uow, id);
    });
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
      if (!existing) await this.create('admin (CLM_ADMIN_KEY)', [Scope.ADMIN], null, { presetKey: configuredKey });
      return null;
    }
    if ((await countActiveAdminKeys(this.db)) > 0) return null;
    const { key } = await this.create('admin', [Scope.ADMIN], null);
    return key;
  }
}

/** The largest cost limit a key may have (PostgreSQL's integer). */
export const MAX_KEY_COST_LIMIT = 2_147_483_647;

function checkMaxCost(maxCost: number | null): void {
  if (maxCost === null) return;
  if (!Number.isSafeInteger(maxCost) || maxCost < 1 || maxCost > MAX_KEY_COST_LIMIT)
    throw invalidInput('maxCost', `must be a whole number from 1 to ${MAX_KEY_COST_LIMIT}, or null for the server's limit (CLM_MAX_COST)`);
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
