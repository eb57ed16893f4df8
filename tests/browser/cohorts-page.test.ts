import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, signIn } from '../support/dashboard-page';
import { loadMetricsDataset, pageFormat, waitForMetrics } from '../support/metrics-dataset';

describe('the Cohorts page', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    clm = await startClm();
    await loadMetricsDataset(clm.admin);
    await waitForMetrics(clm.admin);
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/cohorts?range=2026-01-01..2026-03-31');
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  it('shows each acquisition month with its size and retention, as the metrics API computes them', async () => {
    const { metrics } = await clm.admin.data<{
      metrics: { cohortRetention: Array<{ cohort: string; customers: number; retention: Array<number | null> }> };
    }>(`{ metrics(range: {from: "2026-01-01", to: "2026-03-31"}, bucket: MONTH) { cohortRetention { cohort customers retention } } }`);
    // m1 acquired in January, m2 and m3 in February, m5 in March.
    expect(metrics.cohortRetention.map((row) => [row.cohort, row.customers])).toEqual([
      ['2026-01', 1],
      ['2026-02', 2],
      ['2026-03', 1],
    ]);
    await page.locator('.heatmap').waitFor({ timeout: 15_000 });
    const rows: string[][] = [];
    for (const row of await page.locator('.heatmap tbody tr').all())
      rows.push((await row.locator('th, td').allTextContents()).map((text) => text.trim()));
    expect(rows).toEqual(
      metrics.cohortRetention.map((row) => [
        row.cohort,
        pageFormat.count(row.customers),
        ...Array.from({ length: Math.max(...metrics.cohortRetention.map((r) => r.retention.length)) }, (_, month) =>
          month < row.retention.length ? pageFormat.percent(row.retention[month]) : '',
        ),
      ]),
    );
  });

  it('gives a cell its numbers on focus, by keyboard', async () => {
    await page.locator('.heatmap__door').first().focus();
    expect(await page.locator('.heatmap__detail').textContent()).toMatch(/^2026-01, month 0: .+ of 1 active/);
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'cohorts');
  });
});
