import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createTestDatabase } from '../../testing';
import type { TestDatabase } from '../../testing';
import { databaseUnavailable, Db } from '../db';

/*
 * The server taking a connection away while clm holds it (a database that
 * died or restarts; here pg_terminate_backend) must fail that work, never the
 * process: node-postgres emits 'error' on a checked-out client, and an 'error'
 * event nobody listens to ends a Node process.
 */

let database: TestDatabase;
let db: Db;
let admin: Client;

beforeAll(async () => {
  database = await createTestDatabase();
  db = Db.open({ url: database.url, poolSize: 2 });
  admin = new Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await db.end();
  await database.drop();
});

const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);
const backendPid = () => db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((rows) => rows[0].pid);

describe('a connection the server drops while clm holds it', () => {
  it('between two statements: the work ends, the process stays up, and the next statement gets a new connection', async () => {
    let heldPid = 0;
    const result = await db.withConnection(async (client) => {
      heldPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const ended = new Promise((resolve) => client.once('end', resolve));
      await terminate(heldPid);
      // A cursor read waiting for a slow reader is in this state: no statement in flight when the server goes away.
      await ended;
      return 'finished';
    });
    expect(result).toBe('finished');
    const next = await backendPid();
    expect(next).not.toBe(heldPid);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('during a statement: the statement fails as unavailable, the process stays up, and the Db serves again', async () => {
    const statement = db.query('SELECT pg_backend_pid() AS pid, pg_sleep(30)');
    let sleeping: number | undefined;
    while (sleeping === undefined) {
      const rows = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)' AND pid <> pg_backend_pid()`,
      );
      sleeping = rows.rows[0]?.pid;
    }
    await terminate(sleeping);
    const error = await statement.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(databaseUnavailable(error)).toBe(true);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('in a transaction, with every other connection of the pools terminated at once: the process stays up', async () => {
    const outcome = db
      .transaction(async (uow) => {
        await uow.query('SELECT 1');
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await uow.query('SELECT 2');
        return 'committed';
      })
      .catch((caught: unknown) => (databaseUnavailable(caught) ? 'unavailable' : caught));
    expect(await outcome).toBe('unavailable');
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});

describe('a health check against a server that accepts connections and never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('fails as unavailable within the control connection timeout, not never', async () => {
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('the silent server has no port');
    const unreachable = Db.open({ url: `postgres://clm@127.0.0.1:${address.port}/clm`, poolSize: 1 });
    const started = Date.now();
    const error = await unreachable
      .forKind('control')
      .query('SELECT 1')
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    const waitedMs = Date.now() - started;
    expect(databaseUnavailable(error)).toBe(true);
    expect(waitedMs).toBeGreaterThanOrEqual(1_900);
    expect(waitedMs).toBeLessThan(4_000);
    for (const socket of sockets) socket.destroy();
    await unreachable.end();
  });
});
