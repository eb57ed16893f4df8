import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../support/browser';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { saveScreenshot, seriousAxeViolations, signIn } from '../support/dashboard-page';

type PlaybookData = {
  name: string;
  enabled: boolean;
  preset: string | null;
  cooldownDays: number;
  trigger: { kind: string; stage: string | null };
};

/**
 * Settings → Playbooks in a real browser against the built dashboard served by
 * a real API on a real database: a preset adjusted in the builder, the API's
 * refusal shown beside the field, the playbook created, listed with its
 * outcome columns, fired for a customer who becomes at-risk (shown on their
 * page) and turned off; axe-core; a screenshot.
 */
describe('the Playbooks section of Settings', () => {
  let clm: ClmEnvironment;
  let browser: Browser;
  let page: Page;

  const playbooks = async () =>
    (await clm.admin.data<{ playbooks: PlaybookData[] }>(`{ playbooks { name enabled preset cooldownDays trigger { kind stage } } }`))
      .playbooks;

  beforeAll(async () => {
    clm = await startClm();
    browser = await launchChromium();
    page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    await signIn(page, clm.api.baseUrl, clm.api.adminKey, '/settings');
  });
  afterAll(async () => {
    await browser?.close();
    await clm?.close();
  });

  it('turns on an adjusted preset, with the API’s refusal beside the field first, fires it for a customer shown on their page, and turns it off', async () => {
    const section = page.getByTestId('playbooks');
    await section.getByTestId('preset-win-back').getByRole('button', { name: 'Adjust and turn on' }).click();
    const builder = page.getByRole('form', { name: 'New playbook' });
    expect(await builder.getByRole('textbox', { name: 'Name' }).inputValue()).toBe('Win-back when at-risk');
    const limit = builder.getByRole('textbox', { name: 'At most once per (days)' });
    await limit.fill('0');
    await builder.getByRole('button', { name: 'Create playbook' }).click();
    await builder.getByText('must be a whole number from 1 to 3650 (got 0)').waitFor({ timeout: 10_000 });
    expect(await playbooks()).toEqual([]);
    await limit.fill('90');
    await builder.getByRole('button', { name: 'Create playbook' }).click();
    const row = section.getByTestId('playbook-Win-back when at-risk');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getByRole('cell').nth(1).innerText()).toContain('Entered At-risk');
    expect(await section.getByTestId('preset-win-back').getByText('In use').isVisible()).toBe(true);
    expect(await playbooks()).toEqual([
      {
        name: 'Win-back when at-risk',
        enabled: true,
        preset: 'win-back',
        cooldownDays: 90,
        trigger: { kind: 'STAGE_ENTERED', stage: 'at-risk' },
      },
    ]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'settings-playbooks');

    // A customer who becomes at-risk gets it (the schedule runs at once after a trigger due now), on their page.
    await clm.admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
      t: [{ messageId: 'pb-1', customer: { externalId: 'quiet-1' }, type: 'signup', channel: 'web', occurredAt: new Date().toISOString() }],
    });
    const { customer } = await clm.admin.data<{ customer: { id: string } }>(`{ customer(externalId: "quiet-1") { id } }`);
    await clm.admin.data(`mutation ($id: ID!) { moveCustomer(id: $id, to: "at-risk", reason: "no orders") { id } }`, { id: customer.id });
    const firings = async () =>
      (
        await clm.admin.data<{ customer: { playbookFirings: Array<{ playbookName: string }> } }>(
          `{ customer(externalId: "quiet-1") { playbookFirings { playbookName } } }`,
        )
      ).customer.playbookFirings;
    const deadline = Date.now() + 60_000;
    while ((await firings()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await firings()).toEqual([{ playbookName: 'Win-back when at-risk' }]);
    await page.goto(`${clm.api.baseUrl}/customers/${customer.id}`);
    await page.getByTestId('playbook-firings').getByText('Win-back when at-risk').waitFor({ timeout: 10_000 });
    await page.goto(`${clm.api.baseUrl}/settings`);

    await row.getByRole('button', { name: 'On', exact: true }).click();
    await row.getByRole('button', { name: 'Off', exact: true }).waitFor({ timeout: 10_000 });
    expect((await playbooks()).map((playbook) => playbook.enabled)).toEqual([false]);
  });
});
