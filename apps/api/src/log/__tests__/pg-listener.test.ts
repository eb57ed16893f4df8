import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createTestDatabase } from '../../testing';
import type { TestDatabase } from '../../testing';
import { PgListener } from '../pg-listener';

let database: TestDatabase;
let admin: Client;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await database.drop();
});

describe('the LISTEN connection', () => {
  it('tells every consumer to read as soon as it is lost, before it reconnects (200 ms later at the soonest)', async () => {
    const errors: unknown[] = [];
    const listener = new PgListener(database.url, (error) => errors.push(error));
    const heard: Array<{ channel: string; at: number }> = [];
    listener.on('clm_a', () => heard.push({ channel: 'clm_a', at: Date.now() }));
    listener.on('clm_b', () => heard.push({ channel: 'clm_b', at: Date.now() }));
    await listener.start();
    try {
      const terminatedAt = Date.now();
      const terminated = await admin.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = 'clm-listener' AND datname = current_database()`,
      );
      expect(terminated.rows).toEqual([{ terminated: true }]);
      while (heard.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heard.slice(0, 2).map((call) => call.channel)).toEqual(['clm_a', 'clm_b']);
      expect(heard[1].at - terminatedAt).toBeLessThan(200);
      expect(errors[0]).toMatchObject({ code: '57P01' });
    } finally {
      await listener.stop();
    }
  });
});
