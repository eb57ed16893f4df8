import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { get as httpGet } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Scope } from '../../core/principal';
import { startTestServer, TEST_EXPENSIVE_WORK, TEST_LIMITS } from '../../testing';
import type { TestServer } from '../../testing';
import { ExpensiveWork } from '../expensive-work';
import { csvExportRouter } from '../csv-export';
import { parseCustomersCsvQuery, parseMetricsCsvQuery } from '../csv-params';
import { createLogger } from '../logger';

/** A full garbage collection, without starting node with --expose-gc (the flag takes effect for new contexts). */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const HEADER =
  'id,external_id,email,name,stage,stage_entered_at,first_seen_at,last_seen_at,orders,revenue,acquired_at,' +
  'acquisition_channel,acquisition_campaign,segments,attributes\r\n';

/** The first `bytes` of a response body, read as it streams; the rest is counted, never kept. */
async function readCounting(response: Response, keep: number, onChunk: () => void = () => undefined) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let bytes = 0;
  let lines = 0;
  let previous = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    for (let index = 0; index < value.length; index++) {
      if (value[index] === 0x0a && (index > 0 ? value[index - 1] : previous) === 0x0d) lines++;
    }
    previous = value[value.length - 1];
    if (keptBytes < keep) {
      kept.push(value.slice(0, keep - keptBytes));
      keptBytes += Math.min(value.length, keep - keptBytes);
    }
    onChunk();
  }
  return { bytes, lines, head: Buffer.concat(kept).toString('utf8') };
}

describe('CSV exports', () => {
  let server: TestServer;
  let base: string;
  let readKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    base = server.httpUrl.replace(/\/graphql$/, '');
    readKey = await server.createKey([Scope.READ]);
  });

  afterAll(async () => {
    await server.close();
  });

  const get = (path: string, key: string | null = readKey) =>
    fetch(`${base}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

  describe('keys', () => {
    it('refuses a request without a key, with an unknown key, or with a key lacking the read scope', async () => {
      const ingestKey = await server.createKey([Scope.INGEST]);
      const answers = [];
      for (const [path, key] of [
        ['/api/customers.csv', null],
        ['/api/customers.csv', 'clm_abcdefgh_notarealkeynotarealkeynotarealkey00'],
        ['/api/customers.csv', ingestKey],
        ['/api/metrics.csv?metric=x', ingestKey],
      ] as const) {
        const response = await get(path, key);
        answers.push({ status: response.status, type: response.headers.get('content-type'), body: await response.json() });
      }
      const json = 'application/json; charset=utf-8';
      expect(answers).toEqual([
        {
          status: 401,
          type: json,
          body: { errors: [{ message: 'missing API key: send "Authorization: Bearer <key>"', extensions: { code: 'UNAUTHENTICATED' } }] },
        },
        { status: 401, type: json, body: { errors: [{ message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }] } },
        {
          status: 403,
          type: json,
          body: { errors: [{ message: 'this API key lacks the read scope that CSV exports need', extensions: { code: 'FORBIDDEN' } }] },
        },
        {
          status: 403,
          type: json,
          body: { errors: [{ message: 'this API key lacks the read scope that CSV exports need', extensions: { code: 'FORBIDDEN' } }] },
        },
      ]);
    });

    it('answers 404 in JSON for anything else under /api', async () => {
      const response = await get('/api/orders.csv');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ errors: [{ message: 'no export at /api/orders.csv', extensions: { code: 'NOT_FOUND' } }] });
    });
  });

  describe('customers.csv', () => {
    beforeAll(async () => {
      await server.services.ingest.record(
        [
          {
            messageId: 'a-1',
            customer: { externalId: 'u-1', email: 'ada@example.com' },
            type: 'page_view',
            channel: 'web',
            occurredAt: '2026-01-01T10:00:00Z',
          },
          { messageId: 'a-2', customer: { externalId: 'u-1' }, type: 'signup', channel: 'web', occurredAt: '2026-01-02T10:00:00.250Z' },
        ],
        (index) => `touchpoints[${index}]`,
      );
      await server.services.ingest.record(
        [
          {
            messageId: 'g-1',
            customer: { email: 'grace@example.com' },
            type: 'purchase',
            channel: 'ads',
            campaign: 'spring',
            occurredAt: '2026-01-03T10:00:00Z',
            value: 40.5,
            currency: 'usd',
          },
        ],
        (index) => `touchpoints[${index}]`,
      );
      await server.services.customers.create({
        externalId: '-1+1',
        name: '=HYPERLINK("http://evil.example","click")',
        attributes: { plan: 'pro', note: 'a,b\r\nc' },
      });
      // Acquisitions are written by the metrics projection, a moment after ingest.
      await server.services.projector.catchUp();
      buyers = await server.services.segments.create(
        { name: 'Buyers', rule: { field: { field: 'ORDERS', operator: 'GTE', value: 1 } } },
        'test',
      );
      await server.services.segments.create(
        { name: 'Everyone; really', rule: { field: { field: 'ORDERS', operator: 'GTE', value: 0 } } },
        'test',
      );
    });
    let buyers: { id: string };

    it('writes a header and one record per customer, in creation order, with exact values', async () => {
      const ids = await server.db.query<{ id: string }>(`SELECT id::text FROM customers ORDER BY created_at, id`);
      const [hostile] = await server.db.query<{ stage_entered_at: Date }>(
        `SELECT stage_entered_at FROM customers WHERE external_id = '-1+1'`,
      );
      const response = await get('/api/customers.csv');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="customers.csv"');
      expect(await response.text()).toBe(
        HEADER +
          `${ids[0].id},u-1,ada@example.com,,acquisition,2026-01-02T10:00:00.250Z,2026-01-01T10:00:00.000Z,2026-01-02T10:00:00.250Z,0,0.0000,` +
          `2026-01-02T10:00:00.250Z,web,,Everyone; really,{}\r\n` +
          `${ids[1].id},,grace@example.com,,acquisition,2026-01-03T10:00:00.000Z,2026-01-03T10:00:00.000Z,2026-01-03T10:00:00.000Z,1,40.5000,` +
          `2026-01-03T10:00:00.000Z,ads,spring,Buyers;Everyone; really,{}\r\n` +
          // Text starting with = or - is prefixed with a single quote; quotes doubled; JSON attributes as one quoted field.
          `${ids[2].id},'-1+1,,"'=HYPERLINK(""http://evil.example"",""click"")",awareness,${hostile.stage_entered_at.toISOString()},,,0,0.0000,,,,Everyone; really,` +
          `"{""note"": ""a,b\\r\\nc"", ""plan"": ""pro""}"\r\n`,
      );
    });

    it('keeps the customers in the stages asked for', async () => {
      const response = await get('/api/customers.csv?stage=awareness&stage=retention');
      const lines = (await response.text()).split('\r\n').slice(0, -1);
      expect(lines.map((line) => line.split(',')[1])).toEqual(['external_id', "'-1+1"]);
    });

    it('keeps the members of the segment asked for', async () => {
      const response = await get(`/api/customers.csv?segment=${buyers.id.toUpperCase()}`);
      const lines = (await response.text()).split('\r\n').slice(0, -1);
      expect(lines.map((line) => line.split(',')[2])).toEqual(['email', 'grace@example.com']);
    });

    it('names every bad parameter', async () => {
      const response = await get(`/api/customers.csv?stages=a&segment=vip&stage=ok&stage=${encodeURIComponent('\u0000')}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        errors: [
          {
            message:
              'stages: unknown parameter (known: stage, segment); stage[1]: contains a NUL character (\\u0000), which cannot be stored; segment: not a segment id (a UUID)',
            extensions: {
              code: 'BAD_USER_INPUT',
              field: 'stages',
              issues: [
                { field: 'stages', message: 'unknown parameter (known: stage, segment)' },
                { field: 'stage[1]', message: 'contains a NUL character (\\u0000), which cannot be stored' },
                { field: 'segment', message: 'not a segment id (a UUID)' },
              ],
            },
          },
        ],
      });
    });

    describe('metrics.csv (over the customers above)', () => {
      const csv = async (query: string) => {
        const response = await get(`/api/metrics.csv?${query}`);
        return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
      };

      const ok = (body: string) => ({ status: 200, type: 'text/csv; charset=utf-8', body });

      it('answers one row per bucket for a series metric, with the filters of the metrics query', async () => {
        // Ada is acquired by her signup on 01-02, Grace by her purchase on 01-03.
        expect(await csv('metric=newCustomers&from=2026-01-01&to=2026-01-04')).toEqual(
          ok('bucket,value\r\n2026-01-01,0\r\n2026-01-02,1\r\n2026-01-03,1\r\n2026-01-04,0\r\n'),
        );
        // Credited to the first touch: Ada's was on web, Grace's (the purchase) on ads.
        expect(await csv('metric=newCustomers&from=2026-01-01&to=2026-01-04&channel=ads')).toEqual(
          ok('bucket,value\r\n2026-01-01,0\r\n2026-01-02,0\r\n2026-01-03,1\r\n2026-01-04,0\r\n'),
        );
        // ISO weeks start on Monday: 2026-01-01 is in the week of 2025-12-29, with Grace's 40.5 on 01-03.
        expect(await csv('metric=sales&from=2026-01-01&to=2026-01-14&bucket=WEEK')).toEqual(
          ok('bucket,value\r\n2025-12-29,40.5\r\n2026-01-05,0\r\n2026-01-12,0\r\n'),
        );
      });

      it('answers a journey metric with its own columns, an empty field for a rate with no denominator', async () => {
        // Cohort of January: Ada (entered 01-01 10:00, acquired 86,400.25 s later) and Grace (entered in acquisition):
        // both reached awareness and acquisition (1 = 2/2), median time to acquisition (0 + 86,400.25) / 2.
        expect(await csv('metric=funnel&from=2026-01-01&to=2026-01-31')).toEqual(
          ok(
            'stage,reached,conversion_from_previous,median_seconds_to_reach\r\n' +
              'awareness,2,,0\r\nacquisition,2,1,43200.125\r\nengagement,0,0,\r\nretention,0,,\r\nadvocacy,0,,\r\n',
          ),
        );
      });

      it('names every bad parameter, and lists the metrics when the one asked for is unknown', async () => {
        const response = await get('/api/metrics.csv?metric=revenue&from=2026-01-01&bucket=year');
        expect(response.status).toBe(400);
        const body = (await response.json()) as { errors: Array<{ extensions: { issues: unknown } }> };
        expect(body.errors[0].extensions.issues).toEqual([
          {
            field: 'metric',
            message:
              'unknown metric "revenue" (valid: pageViews, uniqueVisitors, socialEngagements, socialShares, brandMentions, newCustomers, ' +
              'conversionRate, cac, sales, salesGrowth, engagementRate, activeCustomers, csat, retentionRate, churnRate, historicalClv, ' +
              'repeatPurchaseRate, nps, referralRate, funnel, timeInStage, stageDistribution, cohortRetention, campaigns, channels)',
          },
          { field: 'to', message: 'required, a date (YYYY-MM-DD)' },
          { field: 'bucket', message: 'must be DAY, WEEK or MONTH' },
        ]);
      });
    });
  });

  describe('customers.csv at 200,000 customers', () => {
    const COUNT = 200_000;
    /** Each customer's attributes carry 1,000 bytes of padding, so the file (about 250 MB) dwarfs any memory bound below. */
    const PAD = 1000;

    beforeAll(async () => {
      await server.db.execute(`DELETE FROM customers`);
      await server.db.execute(
        `INSERT INTO customers (id, external_id, name, attributes, stage, stage_entered_at, first_seen_at, last_seen_at, orders, revenue, created_at)
         SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'ext-' || i, 'Customer ' || i,
                jsonb_build_object('i', i, 'pad', repeat('x', $1)), 'retention',
                timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second', timestamptz '2025-01-01T00:00:00Z',
                timestamptz '2026-02-01T00:00:00Z', i % 7, i * 1.25, timestamptz '2025-06-01T00:00:00Z' + i * interval '1 second'
           FROM generate_series(1, $2::int) i`,
        [PAD, COUNT],
      );
    }, 600_000);

    it('streams every customer with flat memory', async () => {
      // Memory that stays reachable is what buffering would show; garbage not yet collected is not, so
      // each sample is taken right after a full collection.
      const retained = () => {
        collectGarbage();
        return process.memoryUsage();
      };
      const before = retained();
      let maxHeap = before.heapUsed;
      let maxRss = before.rss;
      let lastSample = 0;
      const sample = () => {
        if (Date.now() - lastSample < 1000) return;
        lastSample = Date.now();
        const now = retained();
        maxHeap = Math.max(maxHeap, now.heapUsed);
        maxRss = Math.max(maxRss, now.rss);
      };
      const started = Date.now();
      const response = await get('/api/customers.csv');
      const { bytes, lines, head } = await readCounting(response, 4000, sample);
      const seconds = (Date.now() - started) / 1000;
      const heapGrowth = (maxHeap - before.heapUsed) / 2 ** 20;
      const rssGrowth = (maxRss - before.rss) / 2 ** 20;
      process.stdout.write(
        `customers.csv: ${COUNT} customers, ${(bytes / 2 ** 20).toFixed(0)} MB in ${seconds.toFixed(1)} s; ` +
          `retained heap +${heapGrowth.toFixed(1)} MB, rss +${rssGrowth.toFixed(1)} MB\n`,
      );

      expect(lines).toBe(COUNT + 1);
      const pad = 'x'.repeat(PAD);
      const [header, first, second] = head.split('\r\n');
      expect(`${header}\r\n`).toBe(HEADER);
      expect(first).toBe(
        `00000000-0000-4000-8000-000000000001,ext-1,,Customer 1,retention,2026-01-01T00:00:01.000Z,2025-01-01T00:00:00.000Z,` +
          `2026-02-01T00:00:00.000Z,1,1.25,,,,,"{""i"": 1, ""pad"": ""${pad}""}"`,
      );
      expect(second).toBe(
        `00000000-0000-4000-8000-000000000002,ext-2,,Customer 2,retention,2026-01-01T00:00:02.000Z,2025-01-01T00:00:00.000Z,` +
          `2026-02-01T00:00:00.000Z,2,2.50,,,,,"{""i"": 2, ""pad"": ""${pad}""}"`,
      );
      // Server and client share this process: buffering the export anywhere (rows, the CSV text, the
      // socket) would keep memory growing towards the file's size, about 230 MB here. Streaming keeps one
      // batch of 1,000 rows (about 1 MB of rows and 1 MB of CSV) plus socket buffers in flight: 50 MB of
      // retained heap is far above that and a fifth of the file. RSS also counts pages the allocator
      // keeps after freeing them, hence its looser bound, still well below the file.
      expect(bytes).toBeGreaterThan(4 * 50 * 2 ** 20);
      expect(heapGrowth).toBeLessThan(50);
      expect(rssGrowth).toBeLessThan(120);
      // 230 MB through one process: 90 s on a quiet 2-core machine, several minutes on a loaded one.
    }, 600_000);

    it('releases the database connection when the client goes away mid-stream', async () => {
      const controller = new AbortController();
      const response = await fetch(`${base}/api/customers.csv`, {
        headers: { authorization: `Bearer ${readKey}` },
        signal: controller.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      while (received < 5 * 2 ** 20) received += (await reader.read()).value?.length ?? 0;
      const busy = await exportBackends();
      expect(busy).toBe(1);
      controller.abort();

      expect(await released()).toBe(true);
    });

    it('cuts off a client that stops reading, releasing the connection', async () => {
      const app = express().use(
        '/api',
        csvExportRouter({
          services: server.services,
          logger: createLogger('silent'),
          stallMs: 300,
          limits: TEST_LIMITS,
          expensiveWork: new ExpensiveWork(TEST_EXPENSIVE_WORK),
        }),
      );
      const listener = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => listener.once('listening', resolve));
      const { port } = listener.address() as AddressInfo;
      try {
        let paused: IncomingMessage | undefined;
        const ended = new Promise<string>((resolve) => {
          const request = httpGet(
            `http://127.0.0.1:${port}/api/customers.csv`,
            { headers: { authorization: `Bearer ${readKey}` } },
            (response) => {
              // Read nothing: the socket's buffers fill and the export waits for a drain that does not come.
              response.pause();
              paused = response;
              response.on('close', () => resolve(response.complete ? 'ended' : 'cut off'));
              response.on('error', () => resolve('cut off'));
            },
          );
          request.on('error', () => resolve('cut off'));
        });
        // The export starts, stalls, and after 300 ms without a drain gives its connection back.
        const deadline = Date.now() + 10_000;
        while ((await exportBackends()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await released()).toBe(true);
        expect(paused?.statusCode).toBe(200);
        // Reading again, the client finds the response cut short (no terminating chunk), not complete.
        paused?.resume();
        expect(await ended).toBe('cut off');
      } finally {
        listener.closeAllConnections();
        await new Promise((resolve) => listener.close(resolve));
      }
    });

    /**
     * Whether, within 10 s, no backend holds the export's transaction and every pooled client is idle
     * (the projector also borrows from this pool now and then, hence polling rather than one look).
     */
    async function released(): Promise<boolean> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const pool = server.db.poolFor('export');
        if ((await exportBackends()) === 0 && pool.totalCount === pool.idleCount) return true;
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    /** Backends of this database with the export's transaction open (its cursor declared), other than this query's. */
    async function exportBackends(): Promise<number> {
      const [row] = await server.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query LIKE 'FETCH %'`,
      );
      return row.count;
    }
  });
});

describe('parsing the parameters of metrics.csv', () => {
  const NAMES = ['new_customers', 'page_views', 'nps'];
  const SEGMENT = '6f1c0a4e-8d2b-4c1e-9f3a-2b7d5e8a9c01';

  it('reads a full query', () => {
    expect(
      parseMetricsCsvQuery(
        {
          metric: 'nps',
          from: '2026-01-01',
          to: '2026-03-31',
          bucket: 'week',
          segment: SEGMENT.toUpperCase(),
          channel: 'web',
          campaign: 'spring',
        },
        NAMES,
      ),
    ).toEqual({
      metric: 'nps',
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-03-31T00:00:00Z'),
      bucket: 'WEEK',
      filter: { segment: SEGMENT, channel: 'web', campaign: 'spring' },
    });
  });

  it('buckets by day unless told otherwise, and accepts a one-day range', () => {
    expect(parseMetricsCsvQuery({ metric: 'page_views', from: '2026-02-28', to: '2026-02-28' }, NAMES)).toEqual({
      metric: 'page_views',
      from: new Date('2026-02-28T00:00:00Z'),
      to: new Date('2026-02-28T00:00:00Z'),
      bucket: 'DAY',
      filter: {},
    });
  });

  /** The message of the error a query fails with. */
  const problem = (query: Record<string, string | string[]>) => {
    try {
      parseMetricsCsvQuery(query, NAMES);
      return 'no error';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('names every bad parameter in one message', () => {
    expect(problem({ metric: 'revenue', from: '2026-02-30', to: 'tomorrow', bucket: 'YEAR', chanel: 'web' })).toBe(
      'chanel: unknown parameter (known: metric, from, to, bucket, segment, channel, campaign); ' +
        'metric: unknown metric "revenue" (valid: new_customers, page_views, nps); from: not a date (YYYY-MM-DD); ' +
        'to: not a date (YYYY-MM-DD); bucket: must be DAY, WEEK or MONTH',
    );
  });

  it('requires the metric and both dates', () => {
    expect(problem({})).toBe(
      'metric: required (valid: new_customers, page_views, nps); from: required, a date (YYYY-MM-DD); to: required, a date (YYYY-MM-DD)',
    );
  });

  it('refuses a range that ends before it starts or spans more than ten years, and repeated parameters', () => {
    expect(problem({ metric: 'nps', from: '2026-02-01', to: '2026-01-31' })).toBe('to: before from');
    expect(problem({ metric: 'nps', from: '2016-01-01', to: '2026-01-31' })).toBe('to: the range is longer than 3660 days');
    expect(problem({ metric: ['nps', 'nps'], from: '2026-01-01', to: '2026-01-31' })).toBe('metric: given more than once');
  });

  it('refuses a segment that is not an id, and filters that are empty or absurdly long', () => {
    expect(
      problem({ metric: 'nps', from: '2026-01-01', to: '2026-01-31', segment: 'a\u0000', campaign: 'c'.repeat(257), channel: '' }),
    ).toBe('segment: not a segment id (a UUID); channel: is empty; campaign: longer than 256 characters');
  });
});

describe('parsing the parameters of customers.csv', () => {
  it('reads stages given once or repeated, and a segment', () => {
    expect(parseCustomersCsvQuery({})).toEqual({ stages: [], segment: null });
    expect(parseCustomersCsvQuery({ stage: 'retention' })).toEqual({ stages: ['retention'], segment: null });
    const segment = '6f1c0a4e-8d2b-4c1e-9f3a-2b7d5e8a9c01';
    expect(parseCustomersCsvQuery({ stage: ['a', 'b'], segment: segment.toUpperCase() })).toEqual({ stages: ['a', 'b'], segment });
  });
});
