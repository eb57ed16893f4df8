import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ClmError } from '../../../core/errors';
import { Scope } from '../../../core/principal';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { name revokedAt } }`;

/** Nobody can lock themselves out: the last active admin key is never revoked. */
describe('revoking the last admin key', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const idOf = async (key: string) => {
    const prefix = key.split('_').slice(0, 2).join('_');
    const [row] = await server.db.query<{ id: string }>(`SELECT id FROM api_keys WHERE prefix = $1`, [prefix]);
    return row.id;
  };
  const activeAdmins = async () =>
    (await server.db.query<{ id: string }>(`SELECT id FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL ORDER BY id`)).map(
      (row) => row.id,
    );

  it('refuses to revoke the only active admin key with LAST_ADMIN_KEY, and the key keeps working', async () => {
    expect(await activeAdmins()).toEqual([await idOf(server.adminKey)]);
    const response = await server.graphql(REVOKE, { id: await idOf(server.adminKey) });
    expect(response).toEqual({
      data: null,
      errors: [
        {
          message: 'id: "test admin" is the last active admin key; create another admin key before revoking this one',
          path: ['revokeApiKey'],
          locations: [{ line: 1, column: 23 }],
          extensions: { code: 'CONFLICT', field: 'id' },
        },
      ],
    });
    expect(await server.graphql(`{ viewer { name } }`)).toEqual({ data: { viewer: { name: 'test admin' } } });
  });

  it('revokes the key in use once another admin key exists, then refuses the other one', async () => {
    const second = await server.createKey([Scope.ADMIN]);
    const first = await server.graphql<{ revokeApiKey: { name: string } }>(REVOKE, { id: await idOf(server.adminKey) });
    expect(first.errors).toBeUndefined();
    expect(first.data?.revokeApiKey.name).toBe('test admin');
    expect(await activeAdmins()).toEqual([await idOf(second)]);
    const last = await server.graphql(REVOKE, { id: await idOf(second) }, second);
    expect(last.errors?.map((error) => error.extensions?.code)).toEqual(['CONFLICT']);
    expect(await activeAdmins()).toEqual([await idOf(second)]);
  });

  it('revokes keys without the admin scope and already revoked keys while one admin key remains', async () => {
    const reader = await server.createKey([Scope.READ, Scope.INGEST]);
    const revoked = await server.graphql<{ revokeApiKey: { name: string } }>(REVOKE, { id: await idOf(reader) });
    expect(revoked.data?.revokeApiKey.name).toBe('test read+ingest');
    const again = await server.graphql(REVOKE, { id: await idOf(reader) });
    expect(again.errors).toBeUndefined();
    expect(await activeAdmins()).toEqual([await idOf(server.adminKey)]);
  });

  it('lets exactly one of two concurrent revocations of the last two admin keys through', async () => {
    const second = await server.createKey([Scope.ADMIN]);
    const ids = [await idOf(server.adminKey), await idOf(second)];
    const outcomes = await Promise.allSettled(ids.map((id) => server.services.apiKeys.revoke(id)));
    const refused = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' && outcome.reason instanceof ClmError ? [outcome.reason.code] : [],
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(refused).toEqual(['LAST_ADMIN_KEY']);
    expect(await activeAdmins()).toHaveLength(1);
  });

  it('says which id is unknown', async () => {
    const response = await server.graphql(REVOKE, { id: '00000000-0000-4000-8000-000000000000' });
    expect(response.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ['no API key with id "00000000-0000-4000-8000-000000000000"', 'NOT_FOUND'],
    ]);
  });
});
