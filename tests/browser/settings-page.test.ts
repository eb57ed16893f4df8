import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, settledText, signIn } from '../support/dashboard-page';
import { graphqlClient } from '../support/graphql-http';

/**
 * The Settings page in a real browser against the built dashboard served by a
 * real API on a real database: the model editor's validation beside the field,
 * an API key shown once and revoked, a campaign with spend recorded by hand
 * and from CSV, a read-only key that sees but cannot change; axe-core; screenshots.
 */
describe('the Settings page', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    clm = await startClm();
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/settings');
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  it("shows the API's validation message next to the field being edited, before saving", async () => {
    await page.getByRole('button', { name: 'Edit stages and rules' }).click();
    const firstStage = page.locator('.model-editor__item').first();
    const stageName = firstStage.locator('input').first();
    await stageName.fill('');
    await firstStage.getByText('stage "awareness" has an empty name').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Save the model' }).isDisabled()).toBe(true);
    await stageName.fill('Awareness');
    await page.getByText('The model is valid.').waitFor({ timeout: 10_000 });
    const atRisk = page.getByRole('spinbutton', { name: /^At risk after \(days\)/ });
    await atRisk.fill('');
    await page.locator('.field', { has: atRisk }).getByText('Give a whole number of days.').waitFor();
    expect(await page.getByRole('button', { name: 'Save the model' }).isDisabled()).toBe(true);
    await atRisk.fill('30');
    await page.getByText('The model is valid.').waitFor({ timeout: 10_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it("edits a rule's property conditions and the win-back policy, with each problem beside its field, and saves them", async () => {
    await page.getByRole('button', { name: 'Edit stages and rules' }).click();
    const engaged = page.locator('.model-editor__item--rule').nth(1);
    expect(await engaged.getByRole('textbox', { name: 'Rule id' }).inputValue()).toBe('engaged');
    await engaged.getByRole('button', { name: 'Add a condition to rule engaged' }).click();
    const condition = engaged.locator('.model-editor__condition').first();
    const property = condition.getByRole('textbox', { name: 'Property' });
    await condition
      .locator('.field', { has: page.getByRole('textbox', { name: 'Property' }) })
      .getByText('has a condition with an empty property')
      .waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Save the model' }).isDisabled()).toBe(true);
    await property.fill('plan');
    await condition.getByRole('combobox', { name: 'Operator' }).selectOption('in');
    const value = condition.getByRole('textbox', { name: 'Value' });
    await value.fill('pro');
    await condition
      .locator('.field', { has: page.getByRole('textbox', { name: 'Value' }) })
      .getByText('tests "plan" with "in", which needs a list value, but the value is "pro"')
      .waitFor({ timeout: 10_000 });
    expect(await property.getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByRole('button', { name: 'Save the model' }).isDisabled()).toBe(true);
    await value.fill('["pro", "team"]');
    await page.getByRole('combobox', { name: 'Win-back moves to' }).selectOption({ label: '(back to the stage they held)' });
    await page.getByText('The model is valid.').waitFor({ timeout: 10_000 });
    expect(await value.inputValue()).toBe('["pro", "team"]');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save the model' }).click();
    await page.getByRole('form', { name: 'Edit the lifecycle model' }).waitFor({ state: 'detached', timeout: 10_000 });

    const saved = await clm.admin.data<{ lifecycleModel: { rules: Array<{ id: string; when: unknown }>; winBack: unknown } }>(
      `{ lifecycleModel { rules { id when { types channels minCount conditions { property operator value } } }
         winBack { to when { types channels minCount conditions { property operator value } } } } }`,
    );
    expect(saved.lifecycleModel.rules.find((rule) => rule.id === 'engaged')?.when).toEqual({
      types: ['login', 'feature_used', 'product_usage', 'email_click', 'webinar_attended'],
      channels: null,
      minCount: null,
      conditions: [{ property: 'plan', operator: 'in', value: ['pro', 'team'] }],
    });
    expect(saved.lifecycleModel.winBack).toEqual({
      to: null,
      when: { types: ['purchase'], channels: null, minCount: null, conditions: null },
    });
  });

  it('creates an API key, shows it once, and revokes it', async () => {
    await page.getByLabel('Key name').fill('Web shop');
    await page.getByLabel('Ingest (send events)').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('created-key').textContent()) ?? '';
    const viewer = await graphqlClient(clm.api.graphqlUrl, key).data<{ viewer: { name: string; scopes: string[] } }>(
      `{ viewer { name scopes } }`,
    );
    expect(viewer.viewer.name).toBe('Web shop');
    expect([...viewer.viewer.scopes].sort()).toEqual(['INGEST', 'READ']);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('created-key').count()).toBe(0);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('.clm-table tr', { hasText: 'Web shop' }).getByRole('button', { name: 'Revoke' }).click();
    await page
      .locator('.clm-table tr', { hasText: 'Web shop' })
      .getByText(/^Revoked/)
      .waitFor();
    const refused = await graphqlClient(clm.api.graphqlUrl, key).request(`{ viewer { name } }`);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('creates a campaign and records its spend by hand and from CSV', async () => {
    const form = page.getByRole('form', { name: 'New campaign' });
    await form.getByLabel('Key (as touchpoints carry it)').fill('spring-sale');
    await form.getByLabel('Name').fill('Spring sale');
    await form.getByLabel('Channel').fill('email');
    await form.getByLabel('Starts on').fill('2026-03-01');
    await form.getByRole('button', { name: 'Create campaign' }).click();
    await form.getByText('Created Spring sale.').waitFor();

    const spend = page.getByRole('form', { name: "Record a day's spend" });
    await spend.getByLabel('Campaign').selectOption('spring-sale');
    await spend.getByLabel('Day').fill('2026-03-02');
    await spend.getByLabel('Amount').fill('120.50');
    await spend.getByRole('button', { name: 'Record spend' }).click();
    await spend.getByText('Recorded (1 row changed).').waitFor();

    const csv = page.getByRole('form', { name: 'Import spend from CSV' });
    await csv.getByLabel(/or paste it/).fill('campaign,day,amount\nspring-sale,2026-03-03,79.50\n');
    await csv.getByRole('button', { name: 'Import' }).click();
    await csv.getByText(/Imported 1 row for 1 campaign/).waitFor();

    const campaign = await clm.admin.data<{ campaign: { spend: { total: string; days: Array<{ day: string; amount: string }> } } }>(
      `{ campaign(key: "spring-sale") { spend { total days { day amount } } } }`,
    );
    expect(campaign.campaign.spend).toEqual({
      total: '200.0000',
      days: [
        { day: '2026-03-02', amount: '120.5000' },
        { day: '2026-03-03', amount: '79.5000' },
      ],
    });
    const row = page.locator('.clm-table tr', { hasText: 'Spring sale' });
    expect(await settledText(row.locator('.clm-table__number'), '200.00')).toBe('200.00');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'settings');
  });

  it('is read-only for a read key: no admin action is offered', async () => {
    const readKey = await clm.createKey('reader', ['READ']);
    const reader = await openPage(browser, { viewport: { width: 390, height: 844 } });
    try {
      await signIn(reader, clm.api.baseUrl, readKey, '/settings');
      await reader.getByTestId('settings-read-only').waitFor();
      await reader.getByText('Spring sale').waitFor();
      for (const name of ['Edit stages and rules', 'Apply preset', 'Create key', 'Revoke', 'Create campaign', 'Record spend', 'Import'])
        expect(await reader.getByRole('button', { name }).count()).toBe(0);
      expect(await seriousAxeViolations(reader)).toEqual([]);
      await saveScreenshot(reader, 'settings-phone');
    } finally {
      await reader.close();
    }
  });
});
