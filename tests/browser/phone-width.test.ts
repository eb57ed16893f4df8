import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { signIn } from '../support/dashboard-page';
import { loadMetricsDataset, waitForMetrics } from '../support/metrics-dataset';

const PHONE = { width: 390, height: 844 };

/**
 * What sticks out of a 390-px screen: the document's scroll width, and every
 * element whose right edge is past the screen unless a scrolling (or
 * clipping) container within the screen holds it, as tag.class.
 */
async function overflow(page: Page): Promise<{ scrollWidth: number; sticking: string[] }> {
  return page.evaluate<{ scrollWidth: number; sticking: string[] }>(`(() => {
    const width = document.documentElement.clientWidth;
    const heldInside = (element) => {
      for (let box = element.parentElement; box && box !== document.body; box = box.parentElement)
        if (getComputedStyle(box).overflowX !== 'visible' && box.getBoundingClientRect().right <= width + 0.5) return true;
      return false;
    };
    const sticking = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 0.5 && !heldInside(element))
      .map((element) => element.tagName.toLowerCase() + [...element.classList].map((name) => '.' + name).join(''));
    return { scrollWidth: document.documentElement.scrollWidth, sticking };
  })()`);
}

/**
 * Every page of the dashboard on a 390-px phone, signed in with an admin key
 * (which sees the most: the key list, the model editor, every form): nothing
 * is wider than the screen, and each page has its own title.
 */
describe('the dashboard on a 390-px phone, for an admin', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;
  let customerId: string;
  let segmentId: string;

  beforeAll(async () => {
    clm = await startClm();
    await loadMetricsDataset(clm.admin);
    await waitForMetrics(clm.admin);
    // A customer with a long name and an anonymous visitor, a segment with a long description, a campaign.
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: [
        {
          messageId: 'phone-1',
          customer: { externalId: 'long-1', name: 'Maximiliana Wolkenstein-Oberhausen', email: 'maximiliana.wolkenstein@example.com' },
          type: 'signup',
          channel: 'web',
          occurredAt: '2026-03-02T10:00:00Z',
          properties: { plan: 'a-plan-with-a-very-long-name-that-does-not-wrap' },
        },
        {
          messageId: 'phone-2',
          customer: { anonymousId: 'anon-7f3a' },
          type: 'page_view',
          channel: 'web',
          occurredAt: '2026-03-03T10:00:00Z',
        },
      ],
    });
    const { createSegment } = await clm.admin.data<{ createSegment: { id: string } }>(
      `mutation { createSegment(input: { name: "Buyers of the spring collection, second wave", description: "Customers who bought at least once since the spring collection launched, and who opened the newsletter about it", rule: { field: { field: ORDERS, operator: GTE, value: 1 } } }) { id } }`,
    );
    segmentId = createSegment.id;
    await clm.admin.data(
      `mutation { createCampaign(input: { key: "spring-collection-second-wave", name: "Spring collection, second wave (newsletter and paid social)", channel: "paid_social", startsOn: "2026-03-01" }) { key } }`,
    );
    const { customer } = await clm.admin.data<{ customer: { id: string } }>(`{ customer(externalId: "long-1") { id } }`);
    customerId = customer.id;
    browser = await launchChromium();
    page = await openPage(browser, { viewport: PHONE });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/live');
    await page.locator('.shell__nav').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  const PAGES: ReadonlyArray<{ path: () => string; ready: string; title: string }> = [
    { path: () => '/live', ready: '.stage-card', title: 'Live · clm' },
    {
      path: () => '/metrics?range=2026-01-01..2026-03-31&bucket=MONTH',
      ready: '[data-testid="kpi-sales"] .kpi__value',
      title: 'Metrics · clm',
    },
    { path: () => '/cohorts?range=2026-01-01..2026-03-31', ready: '.heatmap', title: 'Cohorts · clm' },
    { path: () => '/customers', ready: '.clm-table tbody tr', title: 'Customers · clm' },
    {
      path: () => `/customers/${customerId}`,
      ready: '.page-header__title',
      title: 'Maximiliana Wolkenstein-Oberhausen · Customers · clm',
    },
    { path: () => '/segments', ready: '.clm-table tbody tr', title: 'Segments · clm' },
    {
      path: () => `/segments/${segmentId}`,
      ready: '.page-header__title',
      title: 'Buyers of the spring collection, second wave · Segments · clm',
    },
    { path: () => '/segments/new', ready: '.page-header__title', title: 'New segment · Segments · clm' },
    { path: () => '/settings', ready: 'text=Spring collection, second wave', title: 'Settings · clm' },
    { path: () => '/no-such-page', ready: 'text=No such page', title: 'No such page · clm' },
  ];

  for (const entry of PAGES)
    it(`fits ${entry.title.replace(/ · clm$/, '')} in 390 px, with its own title`, async () => {
      await page.goto(`${clm.api.baseUrl}${entry.path()}`);
      await page.locator(entry.ready).first().waitFor({ timeout: 15_000 });
      expect(await overflow(page)).toEqual({ scrollWidth: 390, sticking: [] });
      expect(await page.title()).toBe(entry.title);
    });

  it('says a bad range in the URL is wrong, and the picker shows the range the page shows', async () => {
    await page.goto(`${clm.api.baseUrl}/metrics?range=last-week`);
    const problem = page.getByRole('alert').filter({ hasText: 'The range in the address is wrong' });
    expect(await problem.textContent()).toBe(
      'The range in the address is wrong: "last-week" is not a range (a preset such as 30d, or YYYY-MM-DD..YYYY-MM-DD). Showing Last 90 days instead.',
    );
    expect(await page.getByLabel('Range', { exact: true }).inputValue()).toBe('90d');
    expect(await overflow(page)).toEqual({ scrollWidth: 390, sticking: [] });
  });

  it('shows an anonymous visitor as "Anonymous visitor" with the start of their id', async () => {
    const { customer } = await clm.admin.data<{ customer: { id: string } }>(`{ customer(anonymousId: "anon-7f3a") { id } }`);
    await page.goto(`${clm.api.baseUrl}/customers/${customer.id}`);
    const title = page.locator('.page-header__title');
    await title.waitFor();
    expect(await title.textContent()).toBe(`Anonymous visitor #${customer.id.replace(/-/g, '').slice(0, 6)}`);
  });

  it('marks the key the admin is signed in with, and offers no Revoke for the last admin key', async () => {
    await page.goto(`${clm.api.baseUrl}/settings`);
    const row = page.locator('.clm-table tr', { hasText: 'your key (this session)' });
    await row.waitFor();
    expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect(await row.getByText('Last admin key: create another admin key before revoking it.').count()).toBe(1);
  });

  it('warns before revoking the key the admin is signed in with, once another admin key exists', async () => {
    await clm.createKey('second admin', ['ADMIN']);
    await page.goto(`${clm.api.baseUrl}/settings`);
    const own = page.locator('.clm-table tr', { hasText: 'your key (this session)' });
    const revoke = own.getByRole('button', { name: 'Revoke' });
    await revoke.waitFor();
    const question = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void dialog.dismiss();
      }),
    );
    await revoke.click();
    expect(await question).toBe(
      '"admin (CLM_ADMIN_KEY)" is the key you are signed in with. Revoking it signs this dashboard out at once, and anything else using it stops working. Revoke it?',
    );
    // Dismissed: nothing was revoked.
    expect(await own.getByRole('button', { name: 'Revoke' }).count()).toBe(1);
  });
});
