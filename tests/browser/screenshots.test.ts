import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../support/api-process';
import { launchChromium, openContext } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { queryDatabase } from '../support/database';

/** Where the README's screenshots live. */
const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const WIDTHS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/**
 * The README's screenshots: every page of the dashboard over the demo
 * business, at 1440 and 390 px, signed in with the admin key, written to
 * docs/screenshots/<page>-<desktop|phone>.png. Slow (the demo loads for half a
 * minute or more), so it runs only with SCREENSHOTS=1:
 * `cd tests && SCREENSHOTS=1 npx jest browser/screenshots.test.ts`.
 */
(process.env.SCREENSHOTS === '1' ? describe : describe.skip)('the README screenshots', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let customerId: string;
  let segmentId: string;

  beforeAll(async () => {
    clm = await startClm({ env: { CLM_DEMO: '1' } });
    await clm.api.waitForLine((line) => line.json?.msg === 'demo: loaded', 300_000);
    // A demo customer whose timeline has an NPS answer, a CSAT answer and a review.
    const [customer] = await queryDatabase<{ id: string }>(
      clm.database.url,
      `SELECT c.id FROM customers c
        WHERE c.external_id LIKE 'demo-0%'
          AND (SELECT count(DISTINCT t.type) FROM touchpoints t
                WHERE t.customer_id = c.id AND t.type IN ('survey_response', 'feedback', 'review')) = 3
        ORDER BY c.external_id LIMIT 1`,
    );
    customerId = customer.id;
    const { segments } = await clm.admin.data<{ segments: Array<{ id: string; name: string }> }>(`{ segments { id name } }`);
    segmentId = segments.find((segment) => segment.name === 'At risk, bought twice')?.id ?? segments[0].id;
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  const PAGES: ReadonlyArray<{ name: string; path: () => string; ready: string }> = [
    { name: 'live', path: () => '/live', ready: '.sankey__svg' },
    { name: 'metrics', path: () => '/metrics', ready: '[data-testid="kpi-sales"] .kpi__value' },
    { name: 'kpi', path: () => '/metrics/newCustomers', ready: '[data-testid="kpi-view-total"]' },
    {
      name: 'customers-behind',
      // The door of the New customers tile: the customers acquired in the last 90 days.
      path: () => {
        const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
        return `/customers?behind=NEW_CUSTOMERS&m.from=${day(89)}&m.to=${day(0)}`;
      },
      ready: '.clm-table tbody tr',
    },
    { name: 'cohorts', path: () => '/cohorts', ready: '.heatmap' },
    { name: 'customers', path: () => '/customers', ready: '.clm-table tbody tr' },
    { name: 'customer', path: () => `/customers/${customerId}`, ready: '.clm-timeline__score' },
    { name: 'segments', path: () => '/segments', ready: '.clm-table tbody tr' },
    { name: 'segment-editor', path: () => `/segments/${segmentId}`, ready: '.page-header__title' },
    { name: 'settings', path: () => '/settings', ready: 'text=Campaigns and daily spend' },
  ];

  for (const size of WIDTHS)
    it(`takes every page at ${size.width} px`, async () => {
      const context = await openContext(browser, { viewport: { width: size.width, height: size.height } });
      await context.addInitScript(`sessionStorage.setItem('clm.apiKey', ${JSON.stringify(clm.api.adminKey)})`);
      const page = await context.newPage();
      try {
        for (const entry of PAGES) {
          await page.goto(`${clm.api.baseUrl}${entry.path()}`);
          await page.locator(entry.ready).first().waitFor({ timeout: 30_000 });
          // Loading states give way to data (no spinner left), then the picture.
          await page
            .locator('[aria-busy="true"]')
            .first()
            .waitFor({ state: 'detached', timeout: 5_000 })
            .catch(() => undefined);
          await page.screenshot({ path: path.join(SCREENSHOTS, `${entry.name}-${size.name}.png`), fullPage: true });
        }
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(size.width);
      } finally {
        await context.close();
      }
    }, 180_000);
});
