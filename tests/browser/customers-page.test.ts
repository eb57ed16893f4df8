import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, settledText, signIn } from '../support/dashboard-page';

/**
 * The Customers pages in a real browser against the built dashboard served by
 * a real API on a real database: the list's search and filters, a customer's
 * timeline in order, a manual move (seen by the API and on the Live feed),
 * what a read-only key and a bad key get, axe-core, screenshots.
 */
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1, 9, 0);

type Step = { type: string; value?: number; properties?: Record<string, unknown> };

/** Ada: page view → signup → login → two purchases → review 5 (awareness … advocacy); ten others with a page view or a signup. */
function seed(): Array<Record<string, unknown>> {
  const ada: Step[] = [
    { type: 'page_view' },
    { type: 'signup' },
    { type: 'login' },
    { type: 'purchase', value: 30 },
    { type: 'purchase', value: 45.5 },
    { type: 'review', properties: { rating: 5 } },
  ];
  const items: Array<Record<string, unknown>> = ada.map((step, index) => ({
    messageId: `ada-${index}`,
    customer: { externalId: 'ada', email: 'ada@example.com', name: 'Ada Lovelace', attributes: { plan: 'pro' } },
    type: step.type,
    channel: 'web',
    occurredAt: new Date(START + index * DAY).toISOString(),
    value: step.value ?? null,
    properties: step.properties ?? {},
  }));
  // Busy: a signup, then 44 page views an hour apart (more than one page of the timeline: 30 a page).
  for (let n = 0; n < 45; n++) {
    items.push({
      messageId: `busy-${n}`,
      customer: { externalId: 'busy', email: 'busy@example.com', name: 'Busy Bee' },
      type: n === 0 ? 'signup' : 'page_view',
      channel: 'web',
      occurredAt: new Date(START + 20 * DAY + n * 3_600_000).toISOString(),
    });
  }
  for (let n = 0; n < 10; n++) {
    items.push({
      messageId: `other-${n}`,
      customer: {
        externalId: `other-${n}`,
        email: `other${n}@example.com`,
        name: `Other ${n}`,
        attributes: { plan: n % 2 ? 'pro' : 'free' },
      },
      type: n < 4 ? 'signup' : 'page_view',
      channel: 'web',
      occurredAt: new Date(START + n * 3_600_000).toISOString(),
    });
  }
  return items;
}

type TimelineNode = { id: string; occurredAt: string };

describe('the Customers pages', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;
  let adaId: string;

  beforeAll(async () => {
    clm = await startClm();
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, { t: seed() });
    const found = await clm.admin.data<{ customer: { id: string } }>(`{ customer(externalId: "ada") { id } }`);
    adaId = found.customer.id;
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/customers');
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  const rows = () => page.locator('.clm-table tbody tr');

  it('lists every customer, and narrows the list by search, stage and attributes', async () => {
    expect(await settledText(page.locator('.page-header__subtitle'), '12 customers')).toBe('12 customers');
    await page.getByRole('searchbox', { name: 'Search' }).fill('ada@');
    expect(await settledText(page.locator('.page-header__subtitle'), '1 customer match')).toBe('1 customer match');
    expect(await rows().first().locator('a').textContent()).toBe('Ada Lovelace');
    expect(page.url()).toContain('q=ada%40');

    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('combobox', { name: /^Stage/ }).selectOption('acquisition');
    // other-0 … other-3 and Busy signed up: acquisition; Ada has moved on.
    expect(await settledText(page.locator('.page-header__subtitle'), '5 customers match')).toBe('5 customers match');
    await page.getByRole('textbox', { name: 'Attributes', exact: true }).fill('plan=pro');
    await page.getByRole('textbox', { name: 'Attributes', exact: true }).press('Enter');
    // other-1 and other-3 are pro among them (Busy has no plan).
    expect(await settledText(page.locator('.page-header__subtitle'), '2 customers match')).toBe('2 customers match');
    expect((await rows().locator('a').allTextContents()).sort()).toEqual(['Other 1', 'Other 3']);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'customers');
  });

  it("shows a customer's touchpoints and transitions, newest first, as the API has them", async () => {
    await page.goto(`${clm.api.baseUrl}/customers/${adaId}`);
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    const api = await clm.admin.data<{
      customer: { touchpoints: { edges: Array<{ node: TimelineNode }> }; transitions: { edges: Array<{ node: TimelineNode }> } };
    }>(
      `query ($id: ID!) { customer(id: $id) {
      touchpoints(first: 50) { edges { node { id occurredAt } } }
      transitions(first: 50) { edges { node { id occurredAt } } } } }`,
      { id: adaId },
    );
    const expected = [
      ...api.customer.touchpoints.edges.map(({ node }) => ({ kind: 'touchpoint', ...node })),
      ...api.customer.transitions.edges.map(({ node }) => ({ kind: 'transition', ...node })),
    ]
      .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt) || (a.kind === 'transition' ? -1 : 1))
      .map((entry) => `${entry.kind}:${entry.id}`);
    // 6 touchpoints; 5 transitions: entered awareness, then acquisition, engagement, retention (second purchase), advocacy.
    expect(expected).toHaveLength(11);
    const items = page.locator('.clm-timeline__item');
    await items.nth(10).waitFor();
    const shown = await items.evaluateAll((elements) =>
      elements.map((element) => `${element.getAttribute('data-kind')}:${element.getAttribute('data-id')}`),
    );
    expect(shown).toEqual(expected);
    expect(await page.locator('[data-fact="Orders"]').textContent()).toBe('2');
    expect(await page.locator('[data-fact="Revenue"]').textContent()).toBe('75.50');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'customer');
  });

  it('loads older timeline entries as the end scrolls into view, keeping the order', async () => {
    const busy = await clm.admin.data<{ customer: { id: string } }>(`{ customer(externalId: "busy") { id } }`);
    await page.goto(`${clm.api.baseUrl}/customers/${busy.customer.id}`);
    await page.getByRole('heading', { name: 'Busy Bee' }).waitFor();
    const items = page.locator('.clm-timeline__item');
    // 45 touchpoints and 1 transition (the signup enters acquisition): more than the first page of 30.
    // Scroll the end into view until all 46 are listed, waiting each time for the next page rather than for a fixed time.
    for (let attempt = 0; attempt < 20 && (await items.count()) < 46; attempt++) {
      const shown = await items.count();
      await items.last().scrollIntoViewIfNeeded();
      await page
        .waitForFunction(`document.querySelectorAll('.clm-timeline__item').length > ${shown}`, undefined, { timeout: 5_000 })
        .catch(() => undefined);
    }
    const times = await items.locator('time').evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime') ?? ''));
    expect(times).toHaveLength(46);
    expect([...times].sort((a, b) => Date.parse(b) - Date.parse(a))).toEqual(times);
    expect(await page.locator('.clm-timeline__item[data-kind="transition"]').count()).toBe(1);
  });

  it('moves the customer by hand with a reason: the API records it and the Live feed shows it', async () => {
    await page.goto(`${clm.api.baseUrl}/customers/${adaId}`);
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    await page.getByLabel('New stage').selectOption('at-risk');
    await page.getByLabel('Reason').fill('Asked to cancel on the phone');
    await page.getByRole('button', { name: 'Move customer' }).click();
    await page.getByText('Moved to At risk.').waitFor();
    const after = await clm.admin.data<{
      customer: { stage: string; transitions: { edges: Array<{ node: { from: string; to: string; cause: string; reason: string } }> } };
    }>(`query ($id: ID!) { customer(id: $id) { stage transitions(first: 1) { edges { node { from to cause reason } } } } }`, { id: adaId });
    expect(after.customer.stage).toBe('at-risk');
    expect(after.customer.transitions.edges[0].node).toEqual({
      from: 'advocacy',
      to: 'at-risk',
      cause: 'MANUAL',
      reason: 'Asked to cancel on the phone',
    });
    // The page's own timeline now starts with the move.
    await page.locator('.clm-timeline__item').first().filter({ hasText: 'Asked to cancel on the phone' }).waitFor();

    await page.getByRole('link', { name: 'Live' }).first().click();
    const item = page.locator('.feed__item', { hasText: 'ada@example.com' }).first();
    await item.waitFor({ timeout: 10_000 });
    expect(await item.textContent()).toContain('At risk');
  });

  it('merges another customer into this one by hand and undoes it, showing identities and the merge history as the API has them', async () => {
    type Ids = { into: { id: string }; from: { id: string } };
    const { into, from } = await clm.admin.data<Ids>(
      `{ into: customer(externalId: "other-0") { id } from: customer(externalId: "other-1") { id } }`,
    );
    await page.goto(`${clm.api.baseUrl}/customers/${into.id}`);
    await page.getByRole('heading', { name: 'Other 0' }).waitFor();
    const form = page.getByRole('form', { name: 'Merge another customer into this one' });
    await form.getByRole('textbox', { name: 'Merge customer (id) into this one' }).fill(from.id);
    await form.getByRole('textbox', { name: 'Why they are one person' }).fill('one person, two sign-ups');
    await form.getByRole('button', { name: 'Merge' }).click();
    const entry = page.getByRole('list', { name: 'Merges' }).getByRole('listitem').first();
    await entry.getByRole('button', { name: 'Unmerge' }).waitFor();
    expect(await entry.textContent()).toContain(
      `Customer ${from.id} merged into this one by hand (admin (CLM_ADMIN_KEY)): one person, two sign-ups. Moved 1 touchpoint, identities other1@example.com, other-1.`,
    );
    expect(await page.locator('#customer-identities ~ .clm-facts, .clm-facts').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('other1@example.com')]),
    );
    const merged = await clm.admin.data<{ customer: { id: string; mergedId: string } }>(`{ customer(id: "${from.id}") { id mergedId } }`);
    expect(merged.customer).toEqual({ id: into.id, mergedId: from.id });

    await entry.getByRole('button', { name: 'Unmerge' }).click();
    await page.getByText(/— undone\./).waitFor();
    const restored = await clm.admin.data<{ customer: { id: string; mergedId: string | null } }>(
      `{ customer(externalId: "other-1") { id mergedId } }`,
    );
    expect(restored.customer).toEqual({ id: from.id, mergedId: null });
  });

  it('keeps the move out of reach of a read-only key, and says why', async () => {
    const readKey = await clm.createKey('reader', ['READ']);
    const reader = await openPage(browser, { viewport: { width: 390, height: 844 } });
    try {
      await signIn(reader, clm.api.baseUrl, readKey, `/customers/${adaId}`);
      await reader.getByTestId('move-read-only').waitFor();
      expect(await reader.getByTestId('move-read-only').textContent()).toContain('ADMIN scope');
      expect(await reader.getByRole('button', { name: 'Move customer' }).count()).toBe(0);
      expect(await seriousAxeViolations(reader)).toEqual([]);
      await saveScreenshot(reader, 'customer-phone');
    } finally {
      await reader.close();
    }
  });

  it('tells a user with a bad key that the API rejected it', async () => {
    const stranger = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    try {
      await signIn(stranger, clm.api.baseUrl, 'clm_not-a-real-key-000000000000', '/customers');
      const alert = stranger.getByText(/rejected this key/i).first();
      await alert.waitFor({ timeout: 10_000 });
      expect(await stranger.getByRole('table').count()).toBe(0);
    } finally {
      await stranger.close();
    }
  });
});
