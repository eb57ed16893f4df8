import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, settledText, signIn } from '../support/dashboard-page';
import { loadMetricsDataset, pageFormat, waitForMetrics } from '../support/metrics-dataset';

/** The KPI tiles of the Metrics page: field of the metrics API and the format the tile shows its total in. */
const KPIS: Array<[string, keyof typeof pageFormat]> = [
  ['newCustomers', 'count'],
  ['conversionRate', 'percent'],
  ['cac', 'money'],
  ['retentionRate', 'percent'],
  ['churnRate', 'percent'],
  ['historicalClv', 'money'],
  ['nps', 'decimal'],
  ['activeCustomers', 'count'],
  ['referralRate', 'percent'],
  ['sales', 'money'],
];

type Totals = Record<string, { total: number | null }> & {
  funnel: Array<{ stage: string; reached: number; conversionFromPrevious: number | null }>;
};

describe('the Metrics page', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  const apiMetrics = async (from: string, to: string, bucket: string) =>
    (
      await clm.admin.data<{ metrics: Totals }>(
        `query ($range: DayRangeInput!, $bucket: MetricBucket!) { metrics(range: $range, bucket: $bucket, compareToPrevious: true) {
          ${KPIS.map(([field]) => `${field} { total }`).join(' ')} funnel { stage reached conversionFromPrevious } } }`,
        { range: { from, to }, bucket },
      )
    ).metrics;

  const expectPageToShow = async (metrics: Totals) => {
    for (const [field, format] of KPIS) {
      const expected = pageFormat[format](metrics[field].total);
      expect([field, await settledText(page.getByTestId(`kpi-${field}`).locator('.kpi__value'), expected)]).toEqual([field, expected]);
    }
    for (const step of metrics.funnel) {
      const row = page.getByTestId(`funnel-${step.stage}`);
      expect(await settledText(row.locator('.funnel__reached'), pageFormat.count(step.reached))).toBe(pageFormat.count(step.reached));
    }
  };

  beforeAll(async () => {
    clm = await startClm();
    await loadMetricsDataset(clm.admin);
    await waitForMetrics(clm.admin);
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/metrics?range=2026-01-01..2026-03-31&bucket=MONTH');
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  it('shows the same totals and funnel as the metrics API, from a bookmarked URL', async () => {
    const metrics = await apiMetrics('2026-01-01', '2026-03-31', 'MONTH');
    // Hand-computed: m1, m2, m3 and m5 acquired in Q1; 100 + 50 + 30 + 20 sold.
    expect(metrics.newCustomers.total).toBe(4);
    expect(metrics.sales.total).toBe(200);
    await expectPageToShow(metrics);
    expect(await settledText(page.getByTestId('kpi-newCustomers').locator('.kpi__value'), '4')).toBe('4');
    expect(await settledText(page.getByTestId('kpi-sales').locator('.kpi__value'), '200.00')).toBe('200.00');
    await saveScreenshot(page, 'metrics');
  });

  it('changing the range updates the URL and the numbers', async () => {
    await page.getByLabel('Range: first day').fill('2026-02-01');
    await page.waitForURL(/range=2026-02-01\.\.2026-03-31/);
    expect(new URL(page.url()).searchParams.get('bucket')).toBe('MONTH');
    const metrics = await apiMetrics('2026-02-01', '2026-03-31', 'MONTH');
    expect(metrics.newCustomers.total).toBe(3);
    expect(metrics.sales.total).toBe(100);
    await expectPageToShow(metrics);
  });

  it('refreshes by itself as transitions arrive (throttled, a few seconds behind at most)', async () => {
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: ['page_view', 'signup'].map((type, index) => ({
        messageId: `late-${index}`,
        customer: { externalId: 'm7' },
        type,
        channel: 'web',
        occurredAt: `2026-03-15T1${index}:00:00Z`,
      })),
    });
    // m7 acquired on 03-15: four new customers in February and March now, without a reload.
    expect(await settledText(page.getByTestId('kpi-newCustomers').locator('.kpi__value'), '4', 15_000)).toBe('4');
  });

  it('a preset range and another bucket go into the URL too', async () => {
    await page.getByLabel('Range', { exact: true }).selectOption('90d');
    await page.getByLabel('Bucket').selectOption('DAY');
    await page.waitForURL((url) => url.searchParams.get('bucket') === 'DAY' && !url.searchParams.has('range'));
    expect(await page.getByTestId('kpi-newCustomers').locator('.kpi__value').textContent()).not.toBeNull();
  });

  it('has no serious or critical accessibility violations (axe-core), and fits a 390-px phone', async () => {
    await page.goto(`${clm.api.baseUrl}/metrics?range=2026-01-01..2026-03-31&bucket=MONTH`);
    await page.getByTestId('kpi-sales').locator('.kpi__value').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 800 });
    await saveScreenshot(page, 'metrics-phone');
    // Elements that stick out past the right edge of the screen (outside a scrolling container), by tag and class.
    const overflowing = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
        && !element.closest('.table-scroll, .shell__nav, .heatmap__scroll'))
      .map((element) => element.tagName.toLowerCase() + '.' + [...element.classList].join('.'))`);
    expect(overflowing).toEqual([]);
  });
});
