import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Analytics } from '@segment/analytics-node';
import { Client } from 'pg';
import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';

/*
 * Segment's own clients pointed at clm: @segment/analytics-node with its
 * `host` option (batching, and its retries when clm answers 429 or a 5xx),
 * and analytics.js (@segment/analytics-next) in headless Chromium on a page
 * of another origin. Their events must become the right customers,
 * touchpoints, stages and numbers.
 */

type CustomerView = {
  email: string | null;
  name: string | null;
  attributes: Record<string, unknown>;
  identities: Array<{ kind: string; value: string }>;
  stage: string | null;
  orders: number;
  revenue: number;
  touchpoints: { edges: Array<{ node: { type: string; channel: string; value: number | null; properties: Record<string, unknown> } }> };
};

const CUSTOMER = `query ($externalId: String) { customer(externalId: $externalId) {
  email name attributes identities { kind value } stage orders revenue touchpoints(first: 50) { edges { node { type channel value properties } } } } }`;

/** A pass-through HTTP proxy in front of clm that notes the status of every answer (what the client was told). */
async function startRecorder(target: string): Promise<{ url: string; statuses: number[]; bodies: string[]; close: () => Promise<void> }> {
  const statuses: number[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('utf8'));
      const forward = httpRequest(
        `${target}${incoming.url ?? ''}`,
        { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } },
        (answer) => {
          statuses.push(answer.statusCode ?? 0);
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.on('error', () => outgoing.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('Segment clients pointed at clm', () => {
  let clm: ClmEnvironment;
  let writeKey: string;
  beforeAll(async () => {
    // One place at the /v1 gate and a short ingest time limit: the tests can make clm answer 429 and 503 for real.
    clm = await startClm({ env: { CLM_V1_MAX_PENDING: '1', CLM_INGEST_TIMEOUT_MS: '3000', CLM_DEMO: '0' } });
    writeKey = await clm.createKey('website', ['INGEST']);
  });
  afterAll(async () => {
    await clm.close();
  });

  const customer = async (externalId: string) =>
    (await clm.admin.data<{ customer: CustomerView | null }>(CUSTOMER, { externalId })).customer;

  it('analytics-node batches an identify and a journey into one request, and they become one customer in advocacy with two orders, counted in the metrics', async () => {
    const recorder = await startRecorder(clm.api.baseUrl);
    const analytics = new Analytics({ writeKey, host: recorder.url, flushAt: 7, flushInterval: 60_000 });
    try {
      const userId = 'node-journey';
      analytics.identify({ userId, traits: { email: 'node@example.com', firstName: 'Node', lastName: 'User', company_size: 40 } });
      analytics.page({
        userId,
        name: 'Pricing',
        properties: { path: '/pricing' },
        context: { campaign: { source: 'newsletter', medium: 'email', name: 'launch' } },
      });
      analytics.track({ userId, event: 'Signed Up' });
      analytics.track({ userId, event: 'Order Completed', properties: { revenue: 120, currency: 'USD' } });
      analytics.track({ userId, event: 'Order Completed', properties: { total: 80, currency: 'USD' } });
      analytics.track({ userId, event: 'NPS Submitted', properties: { score: 10 } });
      analytics.track({ userId, event: 'Video Played', properties: { position: 30 } });
      await analytics.closeAndFlush();
      expect(recorder.statuses).toEqual([200]);
      expect((JSON.parse(recorder.bodies[0]) as { batch: unknown[] }).batch).toHaveLength(7);
      const stored = await customer(userId);
      expect(stored).toMatchObject({ stage: 'advocacy', orders: 2, revenue: 200, email: 'node@example.com', name: 'Node User' });
      expect(stored?.attributes).toEqual({ company_size: 40 });
      // The metrics projection follows the logs: wait until it has the journey, then read the numbers it gives.
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      type Numbers = {
        metrics: {
          sales: { total: number };
          pageViews: { total: number };
          newCustomers: { total: number };
          nps: { responses: number; promoters: number; total: number | null };
        };
      };
      let numbers: Numbers | null = null;
      await until(async () => {
        numbers = await clm.admin.data<Numbers>(
          `query ($range: DayRangeInput!) { metrics(range: $range) { sales { total } pageViews { total } newCustomers { total } nps { responses promoters total } } }`,
          { range: { from: day(-1), to: day(1) } },
        );
        return numbers.metrics.nps.responses === 1 && numbers.metrics.sales.total === 200;
      });
      expect((numbers as unknown as Numbers).metrics).toEqual({
        sales: { total: 200 },
        pageViews: { total: 1 },
        newCustomers: { total: 1 },
        nps: { responses: 1, promoters: 1, total: 100 },
      });
      expect(
        stored?.touchpoints.edges.map(({ node }) => [node.type, node.channel, node.value, node.properties.score ?? null]).sort(),
      ).toEqual([
        ['page_view', 'email', null, null],
        ['purchase', 'web', 120, null],
        ['purchase', 'web', 80, null],
        ['signup', 'web', null, null],
        ['survey_response', 'web', null, 10],
        ['video_played', 'web', null, null],
      ]);
    } finally {
      await recorder.close();
    }
  });

  it('analytics-node waits out a 429 and retries a 503, and each event is stored once', async () => {
    const recorder = await startRecorder(clm.api.baseUrl);
    const holder = new Client({ connectionString: clm.database.url });
    await holder.connect();
    const analytics = new Analytics({ writeKey, host: recorder.url, flushAt: 3, flushInterval: 60_000, maxRetries: 20 });
    try {
      // Writers wait on the locked touchpoint table: the first request holds clm's only /v1 place until its time limit.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE touchpoints IN EXCLUSIVE MODE');
      const blocker = fetch(`${clm.api.baseUrl}/v1/track`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'blocker', event: 'Held' }),
      });
      const waiting = async () =>
        Number(
          (await holder.query(`SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'touchpoints'::regclass`)).rows[0].count,
        ) > 0;
      await until(waiting);
      const userId = 'node-retries';
      for (const event of ['Signed Up', 'Trial Started', 'Feature Used'])
        analytics.track({ userId, event, messageId: `${userId}-${event}` });
      const flushed = analytics.closeAndFlush({ timeout: 110_000 });
      // clm refuses while the place is held (429), then the client's retry waits on the lock past the time limit (503).
      await until(() => recorder.statuses.includes(429) && recorder.statuses.includes(503));
      await holder.query('COMMIT');
      await flushed;
      await blocker;
      expect(recorder.statuses.at(-1)).toBe(200);
      const stored = await customer(userId);
      expect(stored?.touchpoints.edges.map(({ node }) => node.type).sort()).toEqual(['feature_used', 'signup', 'trial_started']);
      expect(stored?.stage).toBe('engagement');
    } finally {
      await holder.end();
      await recorder.close();
    }
  });

  describe('analytics.js in a browser, on a page of another origin', () => {
    let browser: Browser;
    let site: Server;
    let siteUrl: string;
    beforeAll(async () => {
      browser = await launchChromium();
      const bundleDir = path.dirname(require.resolve('@segment/analytics-next/dist/umd/index.js'));
      site = createServer((incoming, outgoing) => {
        const name = (incoming.url ?? '/').split('?')[0];
        if (name === '/') {
          outgoing.writeHead(200, { 'content-type': 'text/html' });
          outgoing.end(
            '<!doctype html><html><head><title>Shop</title><script src="/analytics/index.js"></script></head><body>shop</body></html>',
          );
          return;
        }
        readFile(path.join(bundleDir, path.basename(name)))
          .then((file) => {
            outgoing.writeHead(200, { 'content-type': 'text/javascript' });
            outgoing.end(file);
          })
          .catch(() => {
            outgoing.writeHead(404);
            outgoing.end();
          });
      });
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      // localhost and 127.0.0.1 are different origins: every request to clm is cross-origin.
      siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    });

    it('sends an anonymous page view, identify and a purchase from the browser: the visit becomes the identified customer, with the purchase counted', async () => {
      const page = await openPage(browser);
      try {
        await page.goto(siteUrl);
        const apiHost = `${new URL(clm.api.baseUrl).host}/v1`;
        const sent = await page.evaluate(
          async ({ key, host }) => {
            const { AnalyticsBrowser } = (
              globalThis as unknown as { AnalyticsNext: { AnalyticsBrowser: { load: (...args: unknown[]) => unknown } } }
            ).AnalyticsNext;
            const analytics = AnalyticsBrowser.load(
              { writeKey: key, cdnSettings: { integrations: { 'Segment.io': { apiKey: key, apiHost: host, protocol: 'http' } } } },
              { integrations: { 'Segment.io': { apiHost: host, protocol: 'http' } } },
            ) as unknown as {
              identify: (id: string, traits: Record<string, unknown>) => Promise<unknown>;
              page: (category: string, name: string) => Promise<unknown>;
              track: (event: string, properties: Record<string, unknown>) => Promise<unknown>;
            };
            // Anonymous first: analytics.js gives the visitor an anonymousId; identify then makes the visit the user's.
            await analytics.page('Docs', 'Getting Started');
            await analytics.identify('browser-user', { email: 'browser@example.com', name: 'Bea Browser', plan: 'team' });
            await analytics.track('Order Completed', { revenue: 35.5, currency: 'EUR' });
            return (globalThis as unknown as { location: { origin: string } }).location.origin;
          },
          { key: writeKey, host: apiHost },
        );
        expect(sent).not.toBe(new URL(clm.api.baseUrl).origin);
        let stored: CustomerView | null = null;
        await until(async () => {
          stored = await customer('browser-user');
          return (stored?.touchpoints.edges.length ?? 0) >= 2;
        });
        const found = stored as unknown as CustomerView;
        expect(found).toMatchObject({ stage: 'acquisition', orders: 1, revenue: 35.5, email: 'browser@example.com', name: 'Bea Browser' });
        expect(found.attributes).toEqual({ plan: 'team' });
        expect(found.identities.map((identity) => identity.kind).sort()).toEqual(['ANONYMOUS_ID', 'EMAIL', 'EXTERNAL_ID']);
        expect(
          found.touchpoints.edges.map(({ node }) => [node.type, node.channel, node.value, node.properties.name ?? null]).sort(),
        ).toEqual([
          ['page_view', 'web', null, 'Getting Started'],
          ['purchase', 'web', 35.5, null],
        ]);
      } finally {
        await page.close();
      }
    });
  });
});
