import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, settledText, signIn } from '../support/dashboard-page';
import { loadMetricsDataset, waitForMetrics } from '../support/metrics-dataset';

/**
 * "Every number is a door", in a real browser on the metrics dataset
 * (support/metrics-dataset.ts: m1 … m6, all first seen in Q1 2026): a KPI and
 * a funnel step open onto the customers behind them, whose count is the
 * number; a KPI opens its own view, whose chart is read by keyboard; axe on
 * both new views.
 *
 * Q1 by hand: new customers m1 (01-06), m2 (02-02), m3 (02-11), m5 (03-06) = 4, by month 1, 2, 1.
 * Every one of m1 … m6 entered the lifecycle in Q1; m4 and m6 only visited (m6's survey does not move them),
 * so 2 stopped at awareness.
 */
const Q1 = '/metrics?range=2026-01-01..2026-03-31&bucket=MONTH';

describe('doors from the numbers to the customers behind them', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  const listedNames = async () =>
    (await page.locator('.clm-table tbody tr td:first-child a').allTextContents()).map((name) => name.trim()).sort();

  beforeAll(async () => {
    clm = await startClm();
    await loadMetricsDataset(clm.admin);
    await waitForMetrics(clm.admin);
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, Q1);
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  it('opens the new customers KPI onto its four customers', async () => {
    expect(await settledText(page.getByTestId('kpi-newCustomers').locator('.kpi__value'), '4')).toBe('4');
    await page.getByTestId('kpi-newCustomers-door').click();
    await page.waitForURL((url) => url.pathname === '/customers' && url.searchParams.get('behind') === 'NEW_CUSTOMERS');
    expect(await settledText(page.getByTestId('metric-door-count'), '4 customers')).toBe('4 customers');
    expect(await page.getByTestId('metric-door').locator('.metric-door__what').textContent()).toBe(
      'New customers acquired 2026-01-01 to 2026-03-31',
    );
    expect(await listedNames()).toEqual(['M1', 'M2', 'M3', 'M5']);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'customers-behind-new-customers');

    // The export holds exactly those customers (customers.csv with the same membership).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('metric-door').getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('customers-behind.csv');
    const csv = readFileSync((await download.path())!, 'utf8')
      .split('\r\n')
      .slice(0, -1);
    expect(csv[0].split(',').slice(0, 2)).toEqual(['id', 'external_id']);
    expect(
      csv
        .slice(1)
        .map((line) => line.split(',')[1])
        .sort(),
    ).toEqual(['m1', 'm2', 'm3', 'm5']);
  });

  it('opens a funnel step onto who reached it and who stopped there', async () => {
    await page.goto(`${clm.api.baseUrl}${Q1}`);
    const acquisition = page.getByTestId('funnel-acquisition');
    expect(await settledText(acquisition.locator('.funnel__reached'), '4')).toBe('4');
    await acquisition.locator('.funnel__reached').click();
    await page.waitForURL((url) => url.searchParams.get('behind') === 'FUNNEL_REACHED');
    expect(await settledText(page.getByTestId('metric-door-count'), '4 customers')).toBe('4 customers');
    expect(await listedNames()).toEqual(['M1', 'M2', 'M3', 'M5']);

    await page.goBack();
    await page.getByRole('link', { name: '2 stopped at Awareness: see them' }).click();
    await page.waitForURL((url) => url.searchParams.get('behind') === 'FUNNEL_DROPPED');
    expect(await settledText(page.getByTestId('metric-door-count'), '2 customers')).toBe('2 customers');
    expect(await listedNames()).toEqual(['M4', 'M6']);
  });

  it('opens a KPI onto its own view, whose chart reads out each month by keyboard', async () => {
    await page.goto(`${clm.api.baseUrl}${Q1}`);
    await page.getByTestId('kpi-newCustomers').getByRole('link', { name: 'New customers', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/metrics/newCustomers');
    expect(await settledText(page.getByTestId('kpi-view-total'), '4')).toBe('4');
    const definition = "New customers: customers who first entered the model's acquired stage in the window.";
    expect(await settledText(page.getByTestId('kpi-definition'), definition)).toBe(definition);

    const chart = page.getByRole('group', { name: /New customers by month/ });
    await chart.focus();
    const tooltip = page.getByTestId('trend-tooltip');
    // Focus shows the last bucket; the arrows walk back; nothing was acquired in the period before.
    expect(await settledText(tooltip, '1 in the month of 2026-03-01 · previous period 0 (2025-12-01)')).toBe(
      '1 in the month of 2026-03-01 · previous period 0 (2025-12-01)',
    );
    await page.keyboard.press('ArrowLeft');
    expect(await settledText(tooltip, '2 in the month of 2026-02-01 · previous period 0 (2025-11-01)')).toBe(
      '2 in the month of 2026-02-01 · previous period 0 (2025-11-01)',
    );
    await page.keyboard.press('Home');
    expect((await tooltip.textContent())?.startsWith('1 in the month of 2026-01-01')).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'kpi-new-customers');

    // On a 390-px phone nothing sticks out past the right edge (outside a scrolling container).
    await page.setViewportSize({ width: 390, height: 800 });
    const overflowing = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
        && !element.closest('.table-scroll, .clm-table-wrap, .shell__nav, .heatmap__scroll'))
      .map((element) => element.tagName.toLowerCase() + '.' + [...element.classList].join('.'))`);
    expect(overflowing).toEqual([]);
    await saveScreenshot(page, 'kpi-new-customers-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByTestId('kpi-view-door').click();
    await page.waitForURL((url) => url.searchParams.get('behind') === 'NEW_CUSTOMERS');
    expect(await settledText(page.getByTestId('metric-door-count'), '4 customers')).toBe('4 customers');
  });

  it('opens a cohort and a cohort cell onto their customers', async () => {
    // Acquired in February: m2 (02-02) and m3 (02-11); in March (month +1) neither has a touchpoint.
    await page.goto(`${clm.api.baseUrl}/cohorts?range=2026-01-01..2026-03-31`);
    await page.getByRole('link', { name: '2 customers acquired in 2026-02: see them' }).click();
    await page.waitForURL((url) => url.searchParams.get('behind') === 'COHORT');
    expect(await settledText(page.getByTestId('metric-door-count'), '2 customers')).toBe('2 customers');
    expect(await listedNames()).toEqual(['M2', 'M3']);
    await page.goBack();
    await page.getByRole('link', { name: /^2026-02, month 1: 0% of 2 active/ }).click();
    expect(await settledText(page.getByTestId('metric-door-count'), '0 customers')).toBe('0 customers');
  });

  it('opens a stage of the Live board onto the customers in it', async () => {
    await page.goto(`${clm.api.baseUrl}/live`);
    const count = page.locator('.stage-card', { hasText: 'Awareness' }).locator('.stage-card__count');
    const shown = (await count.textContent())?.trim();
    await count.click();
    await page.waitForURL((url) => url.pathname === '/customers' && url.searchParams.get('stage') === 'awareness');
    // m4 and m6 only visited.
    expect(shown).toBe('2');
    expect(await settledText(page.locator('.page-header__subtitle'), '2 customers match')).toBe('2 customers match');
  });

  it('says on the CAC view that a segment does not narrow spend', async () => {
    const { createSegment } = await clm.admin.data<{ createSegment: { id: string } }>(
      `mutation { createSegment(input: {name: "Buyers", rule: {field: {field: ORDERS, operator: GTE, value: 1}}}) { id } }`,
    );
    await page.goto(`${clm.api.baseUrl}/metrics/cac?range=2026-01-01..2026-03-31&bucket=MONTH&segment=${createSegment.id}`);
    expect(await page.getByTestId('spend-not-by-segment').textContent()).toBe(
      'Spend is not narrowed by segment: CAC here divides all campaign spend by the segment’s new customers only.',
    );
  });

  it('opens a flow of the Sankey onto its customers, and the flows follow the live stream', async () => {
    await page.goto(`${clm.api.baseUrl}/live?flows=2026-01-01..2026-03-31`);
    // m1, m2, m3 and m5 went from awareness to acquisition in Q1; all six entered at awareness.
    const flow = (name: string) => page.locator(`.sankey__table a[aria-label="${name}"]`);
    await flow('4 moves from Awareness to Acquisition: see the customers').waitFor({ state: 'attached' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByText('The moves as a table').click();
    await flow('4 moves from Awareness to Acquisition: see the customers').click();
    await page.waitForURL((url) => url.searchParams.get('behind') === 'FLOW');
    expect(await settledText(page.getByTestId('metric-door-count'), '4 customers')).toBe('4 customers');
    expect(await listedNames()).toEqual(['M1', 'M2', 'M3', 'M5']);

    await page.goBack();
    await flow('6 moves from New to Awareness: see the customers').waitFor({ state: 'attached' });
    // A visitor seen on 03-30 enters at awareness: the flow follows without a reload.
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: [{ messageId: 'doors-m8', customer: { externalId: 'm8' }, type: 'page_view', channel: 'web', occurredAt: '2026-03-30T10:00:00Z' }],
    });
    await flow('7 moves from New to Awareness: see the customers').waitFor({ state: 'attached', timeout: 30_000 });
  });

  it('flags amounts in another currency instead of summing them silently', async () => {
    // m1, m2 and m5 bought 200 in Q1 without stating a currency; one more purchase, in EUR, on 03-29.
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: [
        {
          messageId: 'doors-eur',
          customer: { externalId: 'm1' },
          type: 'purchase',
          channel: 'web',
          occurredAt: '2026-03-29T10:00:00Z',
          value: 12,
          currency: 'EUR',
        },
      ],
    });
    // The metrics projection applies it within about a second: wait for the API before opening the page.
    for (let sales = 0; sales !== 212;) {
      const { metrics } = await clm.admin.data<{ metrics: { sales: { total: number } } }>(
        `{ metrics(range: {from: "2026-01-01", to: "2026-03-31"}) { sales { total } } }`,
      );
      sales = metrics.sales.total;
    }
    await page.goto(`${clm.api.baseUrl}${Q1}`);
    const flag = 'Not converted: 1 purchase in EUR (12.00) is added as sent to the no stated currency amounts in Sales, CLV and ROI.';
    expect(await settledText(page.getByTestId('currency-flag'), flag)).toBe(flag);
    // Reporting in EUR instead: the four purchases without a currency are the ones flagged, and money says EUR.
    await page.getByLabel('Reporting currency').selectOption('EUR');
    const other = 'Not converted: 4 purchases in no stated currency (200.00) are added as sent to the EUR amounts in Sales, CLV and ROI.';
    expect(await settledText(page.getByTestId('currency-flag'), other)).toBe(other);
    expect(await settledText(page.getByTestId('kpi-sales').locator('.kpi__value'), '212.00 EUR')).toBe('212.00 EUR');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
