import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';

/** The cursor of the log's very start: a subscriber passing it asks for the whole log first. */
const LOG_START_CURSOR = Buffer.from('0.0').toString('base64url');

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a subscription whose client leaves', () => {
  let server: TestServer;
  const TOUCHPOINTS = 300_000;

  beforeAll(async () => {
    server = await startTestServer();
    // Nothing here needs the read models; the projector would spend the machine on 300,000 rows.
    await server.services.projector.stop();
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO customers (id, external_id) SELECT gen_random_uuid(), 'c' || g FROM generate_series(1, 1000) g`);
      await client.query(
        `INSERT INTO touchpoints (message_id, customer_id, type, channel, occurred_at)
         SELECT c.external_id || '-' || g, c.id, 'page_view', 'web', now() FROM customers c CROSS JOIN generate_series(1, $1::int) g`,
        [TOUCHPOINTS / 1000],
      );
    } finally {
      await client.end();
    }
  }, 120_000);

  afterAll(async () => {
    server.db.observe = undefined;
    await server.close();
  });

  it('stops replaying the log at once, even when its filter matches nothing', async () => {
    let pages = 0;
    server.db.observe = (text) => {
      if (/FROM touchpoints e/.test(text) && /LIMIT \$3/.test(text)) pages += 1;
    };
    const client = server.wsClient();
    const failures: unknown[] = [];
    client.subscribe(
      {
        query: `subscription ($after: String) { touchpointRecorded(after: $after, types: ["never_sent"]) { cursor } }`,
        variables: { after: LOG_START_CURSOR },
      },
      { next: () => undefined, error: (error) => failures.push(error), complete: () => undefined },
    );
    // Well into the 300 pages of the backlog, not one entry delivered (the filter keeps none).
    await waitFor(() => pages >= 5, 20_000);
    await client.dispose();
    const atClose = pages;
    // Settled: no page read for half a second (the page in flight when the socket closed may finish).
    let last = -1;
    await waitFor(async () => {
      const settled = pages === last;
      last = pages;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 500));
      return settled;
    }, 10_000);
    // The page in flight, and those read before the server sees the close (a page takes milliseconds; on a loaded
    // machine the close can take a page or two to arrive): never the rest of the 300.
    expect(pages - atClose).toBeLessThanOrEqual(3);
    expect(pages).toBeLessThan(TOUCHPOINTS / 1000);
    expect(failures).toEqual([]);
  }, 60_000);
});
