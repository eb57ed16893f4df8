import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, settledText, signIn } from '../support/dashboard-page';

/**
 * The Segments pages in a real browser against the built dashboard served by
 * a real API on a real database: a rule built in the builder previews the
 * same count as the API's previewSegment, saves, and lists with its members;
 * a read-only key can explore but not save; axe-core; screenshots.
 */
const PRO = new Set([1, 2, 3, 7]);

/**
 * Customers 0 … 7: customer n makes n mod 4 purchases, purchase p on 2 + p November 2026 with `items: p + 1`
 * and `gift: n ≥ 4`; 1, 2, 3 and 7 are on the pro plan, the rest on free.
 */
function seed(): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  for (let n = 0; n < 8; n++) {
    const customer = {
      externalId: `s-${n}`,
      email: `shopper${n}@example.com`,
      name: `Shopper ${n}`,
      attributes: { plan: PRO.has(n) ? 'pro' : 'free' },
    };
    items.push({
      messageId: `s-${n}-visit`,
      customer,
      type: 'page_view',
      channel: 'web',
      occurredAt: new Date(Date.UTC(2026, 10, 1, n)).toISOString(),
    });
    for (let purchase = 0; purchase < n % 4; purchase++) {
      items.push({
        messageId: `s-${n}-buy-${purchase}`,
        customer,
        type: 'purchase',
        channel: 'web',
        value: 20,
        properties: { items: purchase + 1, gift: n >= 4 },
        occurredAt: new Date(Date.UTC(2026, 10, 2 + purchase, n)).toISOString(),
      });
    }
  }
  return items;
}

const PREVIEW = `query ($r: SegmentRuleInput!) { previewSegment(rule: $r) { count } }`;

describe('the Segments pages', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    clm = await startClm();
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, { t: seed() });
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/segments');
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  const previewCount = () => page.getByTestId('preview-count');

  it('shows no segments yet, with a way to build one', async () => {
    await page.getByText('No segments yet.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("builds a rule whose live count equals the API's previewSegment count", async () => {
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.waitForURL('**/segments/new');
    const orders = page.getByRole('group', { name: 'Customer field' });
    await orders.getByLabel('Value').fill('2');
    const ordersRule = { field: { field: 'ORDERS', operator: 'GTE', value: 2 } };
    // Orders ≥ 2: customers 2, 3, 6 and 7.
    const first = await clm.admin.data<{ previewSegment: { count: number } }>(PREVIEW, { r: ordersRule });
    expect(first.previewSegment.count).toBe(4);
    expect(await settledText(previewCount(), '4')).toBe('4');

    await page.getByRole('button', { name: '+ Attribute' }).click();
    const plan = page.getByRole('group', { name: 'Attribute' });
    await plan.getByLabel('Attribute name').fill('plan');
    await plan.getByLabel('Value').fill('pro');
    const both = { and: [ordersRule, { attribute: { name: 'plan', operator: 'EQ', value: 'pro' } }] };
    // … and on pro: 2, 3 and 7.
    const second = await clm.admin.data<{ previewSegment: { count: number } }>(PREVIEW, { r: both });
    expect(second.previewSegment.count).toBe(3);
    expect(await settledText(previewCount(), '3')).toBe('3');
    expect((await page.locator('.segment-preview__sample a').allTextContents()).sort()).toEqual(['Shopper 2', 'Shopper 3', 'Shopper 7']);

    await plan.getByLabel('not').check();
    const negated = { and: [ordersRule, { not: { attribute: { name: 'plan', operator: 'EQ', value: 'pro' } } }] };
    // … and not on pro: 6.
    const third = await clm.admin.data<{ previewSegment: { count: number } }>(PREVIEW, { r: negated });
    expect(third.previewSegment.count).toBe(1);
    expect(await settledText(previewCount(), '1')).toBe('1');
    await plan.getByLabel('not').uncheck();
    expect(await settledText(previewCount(), '3')).toBe('3');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'segment-builder');
  });

  it('names a problem next to the condition it is about', async () => {
    const orders = page.getByRole('group', { name: 'Customer field' });
    await orders.getByLabel('Value').fill('two');
    await orders.getByText('"two" is not a number.').waitFor();
    await orders.getByLabel('Value').fill('2');
    expect(await settledText(previewCount(), '3')).toBe('3');
  });

  it('saves the segment, which the API and the list then show with its 3 members', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Repeat pro buyers');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForURL(/\/segments\/(?!new)[^/]+$/);
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    const saved = await clm.admin.data<{ segment: { name: string; memberCount: number; rule: unknown } }>(
      `query ($id: ID!) { segment(id: $id) { name memberCount rule } }`,
      { id },
    );
    expect(saved.segment.name).toBe('Repeat pro buyers');
    expect(saved.segment.memberCount).toBe(3);

    await page.getByRole('link', { name: 'Segments' }).first().click();
    const row = page.locator('.clm-table tbody tr', { hasText: 'Repeat pro buyers' });
    await row.waitFor();
    expect(await row.getByTestId('member-count').textContent()).toBe('3');
    // Saved just now: nobody at the end of the 29 days before, its 3 members today.
    await row.getByRole('img', { name: 'Members over the last 30 days: 0 to 3' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'segments');
  });

  it('lets a read-only key explore a rule but not save one', async () => {
    const readKey = await clm.createKey('reader', ['READ']);
    const reader = await openPage(browser, { viewport: { width: 390, height: 844 } });
    try {
      await signIn(reader, clm.api.baseUrl, readKey, '/segments');
      await reader
        .locator('.clm-table tbody tr', { hasText: 'Repeat pro buyers' })
        .getByRole('link', { name: 'Repeat pro buyers' })
        .click();
      await reader.getByText('The rule can be explored but not saved.').waitFor();
      expect(await settledText(reader.getByTestId('preview-count'), '3')).toBe('3');
      expect(await reader.getByRole('button', { name: /save|create|delete/i }).count()).toBe(0);
      expect(await seriousAxeViolations(reader)).toEqual([]);
      await saveScreenshot(reader, 'segment-phone');
    } finally {
      await reader.close();
    }
  });

  it('edits the saved rule and deletes the segment', async () => {
    await page.locator('.clm-table tbody tr', { hasText: 'Repeat pro buyers' }).getByRole('link', { name: 'Repeat pro buyers' }).click();
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    const orders = page.getByRole('group', { name: 'Customer field' });
    expect(await orders.getByLabel('Value').inputValue()).toBe('2');
    await orders.getByLabel('Value').fill('3');
    // Orders ≥ 3 on pro: 3 and 7.
    expect(await settledText(previewCount(), '2')).toBe('2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved: 2 members.').waitFor();
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    const edited = await clm.admin.data<{ segment: { memberCount: number } }>(`query ($id: ID!) { segment(id: $id) { memberCount } }`, {
      id,
    });
    expect(edited.segment.memberCount).toBe(2);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete segment' }).click();
    await page.waitForURL(/\/segments$/);
    await page.getByText('No segments yet.').waitFor();
    const gone = await clm.admin
      .data<{ segment: unknown }>(`query ($id: ID!) { segment(id: $id) { id } }`, { id })
      .catch((error: Error) => error);
    expect(String(gone instanceof Error ? gone.message : JSON.stringify(gone))).toMatch(/NOT_FOUND|"segment":null/);
  });

  it('builds a behaviour condition with property filters and a between-dates window, which the API stores exactly', async () => {
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.waitForURL('**/segments/new');
    await page.getByRole('group', { name: 'Customer field' }).getByRole('button', { name: 'Remove this condition' }).click();
    await page.getByRole('button', { name: '+ Behaviour' }).click();
    const behaviour = page.getByRole('group', { name: 'Behaviour' });
    // Every control of the row is named by a visible label.
    expect(await behaviour.locator('.rule-field__label').allTextContents()).toEqual([
      'Measure',
      'Touchpoint types',
      'Channels',
      'Campaigns',
      'When',
      'Days',
      'Operator',
      'Amount',
    ]);
    expect(await behaviour.getByLabel('Touchpoint types').inputValue()).toBe('purchase');
    await behaviour.getByLabel('Channels').fill('web');
    await behaviour.getByLabel('When').selectOption('between');
    await behaviour.getByLabel('From (UTC)').fill('2026-11-03');
    await behaviour.getByLabel('Before (UTC)').fill('2026-11-05');
    await behaviour.getByRole('button', { name: '+ Property filter' }).click();
    await behaviour.getByRole('button', { name: '+ Property filter' }).click();
    const gift = behaviour.getByRole('group', { name: 'Property filter 1' });
    await gift.getByLabel('Property', { exact: true }).fill('gift');
    await gift.getByLabel('Value').fill('true');
    const items = behaviour.getByRole('group', { name: 'Property filter 2' });
    await items.getByLabel('Property', { exact: true }).fill('items');
    await items.getByLabel('Compare').selectOption('IN');
    await items.getByLabel('Value').fill('1, 3');

    const rule = {
      behaviour: {
        types: ['purchase'],
        channels: ['web'],
        properties: [
          { property: 'gift', operator: 'EQ', value: true },
          { property: 'items', operator: 'IN', value: [1, 3] },
        ],
        from: '2026-11-03T00:00:00.000Z',
        to: '2026-11-05T00:00:00.000Z',
        aggregate: 'COUNT',
        operator: 'GTE',
        value: 1,
      },
    };
    // Purchases on 3 and 4 November are p = 1 (2 items) and p = 2 (3 items); of these only p = 2 has 1 or 3 items, so
    // customers with 3 purchases (3 and 7), of whom only 7 (n ≥ 4) bought a gift. Without the window p = 0 (1 item)
    // would add 5 and 6; without the items filter 6 would count; without the gift filter 3 would.
    const preview = await clm.admin.data<{ previewSegment: { count: number } }>(PREVIEW, { r: rule });
    expect(preview.previewSegment.count).toBe(1);
    expect(await settledText(previewCount(), '1')).toBe('1');
    expect(await page.locator('.segment-preview__sample a').allTextContents()).toEqual(['Shopper 7']);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'segment-behaviour');

    await page.getByLabel('Name', { exact: true }).fill('Gift buyers of 1 or 3 items');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForURL(/\/segments\/(?!new)[^/]+$/);
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    const saved = await clm.admin.data<{ segment: { memberCount: number; rule: unknown } }>(
      `query ($id: ID!) { segment(id: $id) { memberCount rule } }`,
      { id },
    );
    expect(saved.segment).toEqual({ memberCount: 1, rule });

    // Opened again, the builder shows the stored rule as it was typed.
    const reopened = page.getByRole('group', { name: 'Behaviour' });
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    expect(await reopened.getByLabel('From (UTC)').inputValue()).toBe('2026-11-03');
    expect(await reopened.getByLabel('Before (UTC)').inputValue()).toBe('2026-11-05');
    expect(await reopened.getByRole('group', { name: 'Property filter 2' }).getByLabel('Value').inputValue()).toBe('1, 3');
    expect(await settledText(previewCount(), '1')).toBe('1');
  });
});
