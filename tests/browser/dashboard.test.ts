import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from '../support/api-process';
import { launchChromium } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';

/**
 * The dashboard in a real browser (headless Chromium driven by playwright-core;
 * support/browser.ts says which binary), served by the API as in production.
 * Set UPDATE_SCREENSHOT=1 to refresh the README's screenshot from this run.
 */
const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts');
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

/** The locator's text once it equals `expected`, or its last text after `timeoutMs` (the assertion then fails with it). */
async function settledText(locator: Locator, expected: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (
      (await locator
        .first()
        .textContent({ timeout: timeoutMs })
        .catch(() => '')) ?? ''
    ).trim();
    if (text === expected) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return text;
}

describe('the dashboard', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    clm = await startClm();
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, { t: seed() });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  const count = (stage: string) =>
    page
      .locator('.stage-card', { has: page.locator('.stage-card__name', { hasText: new RegExp(`^${stage}$`) }) })
      .locator('.stage-card__count');

  it('signs in with an API key and shows the customers in each stage', async () => {
    await page.goto(clm.api.baseUrl);
    await page.getByPlaceholder('Paste your key').fill(clm.api.adminKey);
    await page.getByRole('button', { name: /sign in/i }).click();
    // n mod 6 = 0 → awareness; 1 → acquisition; 2, 3 → engagement (a first purchase does not pull them back);
    // 4 → retention (second purchase); 5 → advocacy (review rated 5).
    expect(await settledText(count('Awareness'), '10')).toBe('10');
    expect(await settledText(count('Acquisition'), '10')).toBe('10');
    expect(await settledText(count('Engagement'), '20')).toBe('20');
    expect(await settledText(count('Retention'), '10')).toBe('10');
    expect(await settledText(count('Advocacy'), '10')).toBe('10');
  });

  it('moves the counts live when a customer changes stage, and lists the move in the feed', async () => {
    await page.waitForTimeout(500); // the subscription is set up right after the first load
    await clm.admin.data(
      `mutation { recordTouchpoint(input: { messageId: "live-1", customer: { externalId: "c-0" }, type: "signup", channel: "web", occurredAt: "2026-11-20T10:00:00Z" }) { status } }`,
    );
    expect(await settledText(count('Awareness'), '9')).toBe('9');
    expect(await settledText(count('Acquisition'), '11')).toBe('11');
    const item = page.locator('.feed__item', { hasText: 'customer0@example.com' }).first();
    await item.waitFor({ timeout: 10_000 });
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
    await page.locator('.feed__item', { hasText: 'customer12@example.com' }).first().waitFor({ timeout: 10_000 });
    const customers = (await page.locator('.feed__item .feed__customer-email').allTextContents()).slice(0, 6);
    expect(customers).toEqual([
      'customer12@example.com',
      'customer6@example.com',
      'customer4@example.com',
      'customer3@example.com',
      'customer1@example.com',
      'customer0@example.com',
    ]);
    await page.waitForTimeout(1500); // let the entry animations finish before the picture
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === '1')
      copyFileSync(path.join(ARTIFACTS, 'dashboard.png'), path.join(REPO_ROOT, 'apps', 'dashboard', 'screenshot.png'));
  });
});
