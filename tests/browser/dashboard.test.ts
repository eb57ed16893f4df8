import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT, startApi } from '../support/api-process';
import type { ApiProcess } from '../support/api-process';
import { launchChromium, openContext, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import {
  feedItemSeenAt,
  percentile,
  saveScreenshot,
  seriousAxeViolations,
  settledText,
  signIn,
  stageCount,
  watchFeed,
} from '../support/dashboard-page';
import { graphqlClient } from '../support/graphql-http';

/**
 * The dashboard in a real browser (headless Chromium driven by playwright-core;
 * support/browser.ts says which binary), served by the API as in production.
 * Set UPDATE_SCREENSHOT=1 to refresh the README's screenshot from this run.
 */
const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts');
/**
 * How long a live move may take to reach the page before a test fails. The
 * stream delivers a commit once every write transaction that began before it
 * has ended (projection steps included), which takes well under a second on a
 * quiet machine but was seen to take over 10 s while other suites loaded both
 * cores. How fast moves show is asserted by the budget test (median < 1 s).
 */
const LIVE_WAIT_MS = 30_000;
const TYPES = ['page_view', 'signup', 'login', 'purchase', 'purchase', 'review'];

/** 60 customers spread over the classic stages: customer n gets its first (n mod 6) + 1 touchpoints of TYPES. */
function seed(): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  for (let n = 0; n < 60; n++) {
    for (let step = 0; step <= n % 6; step++) {
      items.push({
        messageId: `seed-${n}-${step}`,
        customer: { externalId: `c-${n}`, email: `customer${n}@example.com`, name: `Customer ${n}` },
        type: TYPES[step],
        channel: 'web',
        occurredAt: new Date(Date.UTC(2026, 10, 1) + n * 3600_000 + step * 60_000).toISOString(),
        value: TYPES[step] === 'purchase' ? 25 : null,
        properties: TYPES[step] === 'review' ? { rating: 5 } : {},
      });
    }
  }
  return items;
}

describe('the dashboard', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;
  let restarted: ApiProcess | undefined;

  beforeAll(async () => {
    clm = await startClm();
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, { t: seed() });
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1360, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await restarted?.stop();
    await clm?.close();
  });

  const count = (stage: string) => stageCount(page, stage);

  it('signs in with an API key and shows the customers in each stage', async () => {
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/');
    // n mod 6 = 0 → awareness; 1 → acquisition; 2, 3 → engagement (a first purchase does not pull them back);
    // 4 → retention (second purchase); 5 → advocacy (review rated 5).
    expect(await settledText(count('Awareness'), '10')).toBe('10');
    expect(await settledText(count('Acquisition'), '10')).toBe('10');
    expect(await settledText(count('Engagement'), '20')).toBe('20');
    expect(await settledText(count('Retention'), '10')).toBe('10');
    expect(await settledText(count('Advocacy'), '10')).toBe('10');
  });

  it('moves the counts live when a customer changes stage, and lists the move in the feed', async () => {
    // The stream continues from the overview's cursor, so a move committed before it subscribes still arrives.
    await page.locator('.connection[data-status="live"]').waitFor({ timeout: 10_000 });
    await clm.admin.data(
      `mutation { recordTouchpoint(input: { messageId: "live-1", customer: { externalId: "c-0" }, type: "signup", channel: "web", occurredAt: "2026-11-20T10:00:00Z" }) { status } }`,
    );
    expect(await settledText(count('Awareness'), '9', LIVE_WAIT_MS)).toBe('9');
    expect(await settledText(count('Acquisition'), '11', LIVE_WAIT_MS)).toBe('11');
    const item = page.locator('.feed__item', { hasText: 'customer0@example.com' }).first();
    await item.waitFor({ timeout: LIVE_WAIT_MS });
    expect(await item.textContent()).toContain('Acquisition');
  });

  it('lists every further move in the feed, newest first', async () => {
    const moves = [
      { customer: 'c-1', type: 'login' },
      { customer: 'c-2', type: 'purchase' },
      { customer: 'c-3', type: 'purchase' },
      { customer: 'c-4', type: 'referral' },
      { customer: 'c-6', type: 'signup' },
      { customer: 'c-12', type: 'trial_started' },
    ];
    for (const [index, move] of moves.entries()) {
      await clm.admin.data(`mutation ($t: TouchpointInput!) { recordTouchpoint(input: $t) { status } }`, {
        t: {
          messageId: `more-${index}`,
          customer: { externalId: move.customer },
          type: move.type,
          channel: 'web',
          occurredAt: new Date(Date.UTC(2026, 10, 21, 9, index)).toISOString(),
          value: move.type === 'purchase' ? 40 : null,
        },
      });
    }
    // c-1 acquisition → engagement; c-2 (engaged) makes its first purchase, which moves nobody back; c-3 makes its
    // second purchase → retention; c-4 refers → advocacy; c-6 and c-12 sign up or start a trial → acquisition.
    // The feed opened with the seed's transitions already committed; the six live moves are now on top of it.
    await page.locator('.feed__item', { hasText: 'customer12@example.com' }).first().waitFor({ timeout: LIVE_WAIT_MS });
    const customers = (await page.locator('.feed__item .feed__customer-email').allTextContents()).slice(0, 6);
    expect(customers).toEqual([
      'customer12@example.com',
      'customer6@example.com',
      'customer4@example.com',
      'customer3@example.com',
      'customer1@example.com',
      'customer0@example.com',
    ]);
    // The context asks for reduced motion: the new items are drawn in their final state, nothing fades in.
    // A string, evaluated in the page: the tests are compiled without the DOM's types.
    const motion = await page.evaluate<{ animation: string; opacity: string }>(`(() => {
      const style = getComputedStyle(document.querySelector('.feed__item'));
      return { animation: style.animationName, opacity: style.opacity };
    })()`);
    expect(motion).toEqual({ animation: 'none', opacity: '1' });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === '1')
      copyFileSync(path.join(ARTIFACTS, 'dashboard.png'), path.join(REPO_ROOT, 'apps', 'dashboard', 'screenshot.png'));
  });

  it('opened the feed with the transitions committed before the page loaded, and reads counts naturally', async () => {
    // The seed's newest transition (customer 59 reaching advocacy) was listed before any live move.
    await page.reload();
    await page.locator('.feed__item', { hasText: 'customer59@example.com' }).first().waitFor({ timeout: 10_000 });
    expect(await settledText(page.getByTestId('live-total'), '60 customers across the lifecycle')).toBe(
      '60 customers across the lifecycle',
    );
    expect(page.url()).toBe(`${clm.api.baseUrl}/live`);
  });

  it('has no serious or critical accessibility violations on the Live page (axe-core)', async () => {
    await page.locator('.sankey__svg').waitFor({ timeout: 10_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'live');
  });

  it('catches up with exact counts when the API restarts while the page is open and moves happened meanwhile', async () => {
    const overview = async (client = clm.admin) =>
      Object.fromEntries(
        (
          await client.data<{ stageOverview: { stages: Array<{ name: string; count: number }> } }>(
            `{ stageOverview { stages { name count } } }`,
          )
        ).stageOverview.stages.map((stage) => [stage.name, stage.count]),
      );
    const before = await overview();
    // Another instance on the same database takes the ingest while the page's API is down.
    const other = await clm.startAnotherApi();
    const otherClient = graphqlClient(other.graphqlUrl, clm.api.adminKey);
    await clm.api.stop();
    await page.locator('.connection[data-status="reconnecting"], .connection[data-status="offline"]').waitFor({ timeout: 10_000 });
    // Five new customers (→ awareness) and three awareness customers signing up (→ acquisition).
    const items = [
      ...[0, 1, 2, 3, 4].map((n) => ({
        messageId: `down-new-${n}`,
        customer: { externalId: `down-${n}`, email: `down${n}@example.com` },
        type: 'page_view',
      })),
      ...['c-18', 'c-24', 'c-30'].map((externalId) => ({ messageId: `down-${externalId}`, customer: { externalId }, type: 'signup' })),
    ].map((item, index) => ({ ...item, channel: 'web', occurredAt: new Date(Date.UTC(2026, 10, 22, 8, index)).toISOString() }));
    await otherClient.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, { t: items });
    const after = await overview(otherClient);
    expect(after.Awareness).toBe(before.Awareness + 5 - 3);
    expect(after.Acquisition).toBe(before.Acquisition + 3);

    restarted = await startApi({ databaseUrl: clm.database.url, adminKey: clm.api.adminKey, port: clm.api.port });
    await page.locator('.connection[data-status="live"]').waitFor({ timeout: 30_000 });
    for (const [stage, expected] of Object.entries(after))
      expect(await settledText(count(stage), String(expected), 20_000)).toBe(String(expected));
    await other.stop();
  });

  it('shows a move within a second of the ingest call returning; prints the budget (time to a rendered board, delay over 50 moves)', async () => {
    const movers = Array.from({ length: 50 }, (_, n) => n);
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: movers.map((n) => ({
        messageId: `mover-${n}`,
        customer: { externalId: `mover-${n}`, email: `mover${n}@example.com` },
        type: 'page_view',
        channel: 'web',
        occurredAt: new Date(Date.UTC(2026, 10, 23, 8, n)).toISOString(),
      })),
    });

    // Time to a rendered Live board: a new tab whose session already holds the key, from navigation until the first count shows.
    const renders: number[] = [];
    for (let run = 0; run < 3; run++) {
      const signedIn = await openContext(browser);
      await signedIn.addInitScript(`sessionStorage.setItem('clm.apiKey', ${JSON.stringify(clm.api.adminKey)})`);
      const tab = await signedIn.newPage();
      const started = Date.now();
      await tab.goto(`${clm.api.baseUrl}/live`);
      await tab.locator('.stage-card__count').first().waitFor();
      renders.push(Date.now() - started);
      await signedIn.close();
    }

    await page.reload();
    await page.locator('.connection[data-status="live"]').waitFor({ timeout: 10_000 });
    await page.locator('.stage-card__count').first().waitFor();
    await watchFeed(page, 'mover', 'Acquisition');
    const delays: number[] = [];
    for (const n of movers) {
      await clm.admin.data(`mutation ($t: TouchpointInput!) { recordTouchpoint(input: $t) { status } }`, {
        t: {
          messageId: `mover-signup-${n}`,
          customer: { externalId: `mover-${n}` },
          type: 'signup',
          channel: 'web',
          occurredAt: new Date(Date.UTC(2026, 10, 23, 9, n)).toISOString(),
        },
      });
      const returned = Date.now();
      const seenAt = await feedItemSeenAt(page, `mover${n}@example.com`, LIVE_WAIT_MS);
      delays.push(Math.max(0, seenAt - returned));
    }
    const median = percentile(delays, 50);
    const p95 = percentile(delays, 95);
    console.info(
      `Live board budget: time to a rendered board in a new browser context ${renders.join(', ')} ms (3 runs); ingest → board over ${delays.length} moves: median ${median} ms, p95 ${p95} ms, max ${Math.max(...delays)} ms`,
    );
    expect(median).toBeLessThan(1000);
  });
});

/*
 * The demo business (CLM_DEMO=1 on this test's empty database): the README's
 * screenshots and the render-time budget against ~5,000 customers. Slow (the
 * demo loads for half a minute or more), so it runs only with
 * DASHBOARD_DEMO=1: `cd tests && DASHBOARD_DEMO=1 npx jest browser/dashboard.test.ts -t demo`.
 */
(process.env.DASHBOARD_DEMO === '1' ? describe : describe.skip)('the dashboard on the demo business', () => {
  let clm: ClmEnvironment;
  let browser: Browser;

  beforeAll(async () => {
    clm = await startClm({ env: { CLM_DEMO: '1' } });
    await clm.api.waitForLine((line) => line.json?.msg === 'demo: loaded', 300_000);
    browser = await launchChromium();
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  it('renders the Live board and the Metrics page over the demo data; prints the time to a rendered board', async () => {
    const renders: number[] = [];
    let page: Page | undefined;
    for (let run = 0; run < 3; run++) {
      const context = await openContext(browser, { viewport: { width: 1280, height: 800 } });
      await context.addInitScript(`sessionStorage.setItem('clm.apiKey', ${JSON.stringify(clm.api.adminKey)})`);
      page = await context.newPage();
      const started = Date.now();
      await page.goto(`${clm.api.baseUrl}/live`);
      await page.locator('.stage-card__count').first().waitFor({ timeout: 30_000 });
      renders.push(Date.now() - started);
      if (run < 2) await context.close();
    }
    console.info(`Demo: time to a rendered Live board ${renders.join(', ')} ms (3 new browser contexts)`);
    if (!page) throw new Error('no page');
    await page.locator('.sankey__svg').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(3000); // the simulator moves a few customers
    await saveScreenshot(page, 'demo-live');
    await page.goto(`${clm.api.baseUrl}/metrics`);
    await page.getByTestId('kpi-sales').locator('.kpi__value').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await saveScreenshot(page, 'demo-metrics');
    await page.goto(`${clm.api.baseUrl}/cohorts`);
    await page.locator('.heatmap').waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'demo-cohorts');
    if (process.env.UPDATE_SCREENSHOT === '1') {
      copyFileSync(path.join(ARTIFACTS, 'demo-live.png'), path.join(REPO_ROOT, 'apps', 'dashboard', 'screenshot.png'));
      copyFileSync(path.join(ARTIFACTS, 'demo-metrics.png'), path.join(REPO_ROOT, 'apps', 'dashboard', 'screenshot-metrics.png'));
    }
  }, 180_000);
});
