import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { get as httpGet } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExportLimits } from '../../config';
import { Scope } from '../../core/principal';
import { startTestServer, TEST_EXPENSIVE_WORK, TEST_LIMITS } from '../../testing';
import type { TestServer } from '../../testing';
import { csvExportRouter } from '../csv-export';
import { ExpensiveWork } from '../expensive-work';
import { createLogger } from '../logger';

const CUSTOMERS = 20_000;

type Reading = { outcome: 'ended' | 'cut off'; bytes: number; ms: number };

/**
 * A real HTTP client reading customers.csv at about `bytesPerSecond`: it
 * pauses the response whenever it is ahead of that pace, so the server's
 * writes back up exactly as behind a slow network.
 */
function readSlowly(url: string, key: string, bytesPerSecond: number) {
  let bytes = 0;
  let pace = bytesPerSecond;
  const started = Date.now();
  const done = new Promise<Reading>((resolve) => {
    const finish = (outcome: Reading['outcome']) => resolve({ outcome, bytes, ms: Date.now() - started });
    const request = httpGet(url, { headers: { authorization: `Bearer ${key}` } }, (response) => {
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const ahead = bytes / pace - (Date.now() - started) / 1000;
        if (ahead > 0) {
          response.pause();
          setTimeout(() => response.resume(), ahead * 1000);
        }
      });
      response.on('close', () => finish(response.complete ? 'ended' : 'cut off'));
      response.on('error', () => finish('cut off'));
    });
    request.on('error', () => finish('cut off'));
  });
  /** Reads what is left (what was already on its way when the server cut it off) at once. */
  const speedUp = () => {
    pace = Number.MAX_SAFE_INTEGER;
  };
  return { done, received: () => bytes, speedUp };
}

/** Backends with an export's transaction open (its cursor declared). */
async function exportBackends(server: TestServer): Promise<number> {
  const [row] = await server.db.forKind('control').query<{ count: number }>(
    `SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'clm:export' AND xact_start IS NOT NULL`,
  );
  return row.count;
}

/** Polls until `check` holds; the milliseconds it took. */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe('CSV export limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    // One export slot, so a slot that is not freed blocks the next export.
    server = await startTestServer({ limits: { export: { statementTimeoutMs: 30_000, connections: 1 } } });
    // About 1 KB per customer: a 20 MB file, far more than the sockets' buffers hold.
    await server.db.execute(
      `INSERT INTO customers (id, external_id, attributes)
       SELECT gen_random_uuid(), 'ext-' || i, jsonb_build_object('pad', repeat('x', 1000)) FROM generate_series(1, $1::int) i`,
      [CUSTOMERS],
    );
  }, 120_000);

  afterAll(async () => {
    await server.close();
  });

  /** An export route with `limits` on a port of its own, over the test server's services. */
  async function exportServer(limits: ExportLimits): Promise<{ url: string; close: () => Promise<void> }> {
    const app = express().use(
      '/api',
      csvExportRouter({
        services: server.services,
        logger: createLogger('silent'),
        limits: TEST_LIMITS,
        expensiveWork: new ExpensiveWork(TEST_EXPENSIVE_WORK),
        exportLimits: limits,
      }),
    );
    const listener: Server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    const { port } = listener.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/api/customers.csv`,
      close: async () => {
        listener.closeAllConnections();
        await new Promise((resolve) => listener.close(resolve));
      },
    };
  }

  /** A fast client's whole export: every customer and the header, so the only slot was free. */
  async function fullExportLines(url: string, key: string): Promise<number> {
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const text = await response.text();
    return text.split('\r\n').length - 1;
  }

  it('cuts off a client reading slower than the minimum rate over the window, and frees its slot', async () => {
    const key = await server.createKey([Scope.READ]);
    const route = await exportServer({ minKbPerSecond: 512, rateWindowSeconds: 1, maxSeconds: 600 });
    try {
      const slow = readSlowly(route.url, key, 32 * 1024);
      await waitFor(async () => (await exportBackends(server)) === 1, 10_000);
      // Released once the sockets' buffers were full and a whole window passed at 32 KB/s: seconds, not the 10 minutes the file takes.
      await waitFor(async () => (await exportBackends(server)) === 0, 20_000);
      // The only slot is free: a fast client gets the whole file.
      expect(await fullExportLines(route.url, key)).toBe(CUSTOMERS + 1);
      slow.speedUp();
      const reading = await slow.done;
      expect(reading.outcome).toBe('cut off');
      expect(reading.bytes).toBeLessThan(CUSTOMERS * 1000);
    } finally {
      await route.close();
    }
  }, 60_000);

  it('cuts off an export still running after the total time limit, whatever its pace', async () => {
    const key = await server.createKey([Scope.READ]);
    const route = await exportServer({ minKbPerSecond: 0, rateWindowSeconds: 1, maxSeconds: 2 });
    // The fast client reads through a route without that limit: on a loaded machine the whole 20 MB file can take more
    // than 2 s even at full speed, and the limit would cut it off too (undici's "terminated: other side closed").
    const unlimited = await exportServer({ minKbPerSecond: 0, rateWindowSeconds: 1, maxSeconds: 600 });
    try {
      // 256 KB/s would take over a minute for the whole file.
      const started = Date.now();
      const slow = readSlowly(route.url, key, 256 * 1024);
      await waitFor(async () => (await exportBackends(server)) === 1, 30_000);
      await waitFor(async () => (await exportBackends(server)) === 0, 30_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      // Cut off, not finished: far less than the file had arrived when its transaction ended.
      expect(slow.received()).toBeLessThan(CUSTOMERS * 1000);
      // The only export connection is free: a fast client gets the whole file.
      expect(await fullExportLines(unlimited.url, key)).toBe(CUSTOMERS + 1);
      slow.speedUp();
      const reading = await slow.done;
      expect(reading.outcome).toBe('cut off');
    } finally {
      await route.close();
      await unlimited.close();
    }
  }, 60_000);

  it('ends an export already streaming when its key is revoked, and refuses the key from then on', async () => {
    const { key, apiKey } = await server.services.apiKeys.create('exporter', [Scope.READ], null);
    const route = await exportServer({ minKbPerSecond: 0, rateWindowSeconds: 1, maxSeconds: 600 });
    try {
      const slow = readSlowly(route.url, key, 256 * 1024);
      await waitFor(async () => slow.received() > 100_000, 10_000);
      const revoke = await server.graphql(`mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id });
      expect(revoke.errors).toBeUndefined();
      // The export's transaction ends at once, not when the file is done: far less of it had arrived by then.
      await waitFor(async () => (await exportBackends(server)) === 0, 30_000);
      expect(slow.received()).toBeLessThan(CUSTOMERS * 1000);
      slow.speedUp();
      const { outcome, bytes } = await slow.done;
      expect(outcome).toBe('cut off');
      // The rest of the personal-data file is not delivered: at most what was already on its way.
      expect(bytes).toBeLessThan(CUSTOMERS * 1000);
      const again = await fetch(route.url, { headers: { authorization: `Bearer ${key}` } });
      expect(again.status).toBe(401);
    } finally {
      await route.close();
    }
  }, 60_000);
});
