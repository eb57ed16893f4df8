import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/** A revoked key stops working on sockets opened before the revocation too. */
describe('revoking a key with open WebSockets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const keyId = async (key: string) => {
    const prefix = key.split('_').slice(0, 2).join('_');
    const [row] = await server.db.query<{ id: string }>(`SELECT id FROM api_keys WHERE prefix = $1`, [prefix]);
    return row.id;
  };
  /** Subscribes on `client` and resolves when the socket closes, with its code and reason and how long it took from `since`. */
  const closeOf = (client: Client) =>
    new Promise<{ code: number; reason: string; at: number }>((resolve) => {
      client.on('closed', (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolve({ code, reason, at: Date.now() });
      });
    });
  const subscribeOn = (client: Client) =>
    new Promise<void>((resolve) => {
      client.on('connected', () => resolve());
      client.subscribe(
        { query: 'subscription { stageTransitions { cursor } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
    });

  it('closes the open sockets of a key revoked through the API at once (4403), and refuses it from then on', async () => {
    const key = await server.createKey([Scope.READ]);
    const client = server.wsClient(key);
    const closed = closeOf(client);
    await subscribeOn(client);
    const revokedAt = Date.now();
    const revoke = await server.graphql(`mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: await keyId(key) });
    expect(revoke.errors).toBeUndefined();
    const { code, reason, at } = await closed;
    expect({ code, reason }).toEqual({ code: 4403, reason: 'UNAUTHENTICATED: invalid or revoked API key' });
    expect(at - revokedAt).toBeLessThan(1000);
    expect(await server.graphql(`{ viewer { name } }`, {}, key)).toEqual({
      errors: [{ message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it('closes the sockets of a key revoked where no announcement reached this instance within 2.5 s of checking', async () => {
    const key = await server.createKey([Scope.READ]);
    const client = server.wsClient(key);
    const closed = closeOf(client);
    await subscribeOn(client);
    // As another instance would, but with its NOTIFY lost: straight in the table.
    await server.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [await keyId(key)]);
    const revokedAt = Date.now();
    const { code, at } = await closed;
    expect(code).toBe(4403);
    expect(at - revokedAt).toBeLessThan(3500);
  });

  it('lets a revoked admin key mint nothing over the socket it opened before', async () => {
    const key = await server.createKey([Scope.ADMIN]);
    const client = server.wsClient(key);
    const closed = closeOf(client);
    await subscribeOn(client);
    await server.graphql(`mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: await keyId(key) });
    await closed;
    const keysBefore = await server.db.query(`SELECT count(*)::int AS count FROM api_keys`);
    const attempt = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: `mutation { createApiKey(name: "minted", scopes: [ADMIN]) { key } }` },
        { next: resolve, error: resolve, complete: () => resolve('complete') },
      );
    });
    expect(JSON.stringify(attempt)).not.toContain('clm_');
    expect(await server.db.query(`SELECT count(*)::int AS count FROM api_keys`)).toEqual(keysBefore);
  });
});
