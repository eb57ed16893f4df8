import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { REPO_ROOT } from './api-process';

/** Where browser tests save their screenshots (`tests/artifacts/`). */
export const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts');

/** Signs in on the dashboard's form with `key` (the page must show the sign-in form). */
export async function signIn(page: Page, baseUrl: string, key: string, pathname = '/live'): Promise<void> {
  await page.goto(`${baseUrl}${pathname}`);
  await page.getByPlaceholder('Paste your key').fill(key);
  await page.getByRole('button', { name: /sign in/i }).click();
}

/** The locator's trimmed text once it equals `expected`, or its last text after `timeoutMs` (the assertion then fails with it). */
export async function settledText(locator: Locator, expected: string, timeoutMs = 10_000): Promise<string> {
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

/** The count on the Live board's card of the stage named `stage`. */
export function stageCount(page: Page, stage: string): Locator {
  return page
    .locator('.stage-card', { has: page.locator('.stage-card__name', { hasText: new RegExp(`^${stage}$`) }) })
    .locator('.stage-card__count');
}

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> };

/** Runs axe-core (injected from the npm package) on the page; returns the serious and critical violations. */
export async function seriousAxeViolations(
  page: Page,
): Promise<Array<{ id: string; impact: string | null; help: string; targets: string[] }>> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  // A string, evaluated in the page: the tests are compiled without the DOM's types.
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document).then((result) => result.violations)`);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

/** Saves a full-page screenshot as tests/artifacts/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Starts noting, in the page, when each feed item whose customer (name or
 * email) contains an email starting with `prefix` first shows a move into `stage` (Date.now() of the browser,
 * the same clock as the test's on one machine). Read with `feedItemSeenAt`.
 */
export async function watchFeed(page: Page, prefix: string, stage: string): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.__feedSeen = {});
    new MutationObserver(() => {
      document.querySelectorAll('.feed__item').forEach((item) => {
        const found = (item.querySelector('.feed__customer')?.textContent ?? '').match(/[^\\s]+@[^\\s]+/g) ?? [];
        const email = found.find((candidate) => candidate.startsWith(${JSON.stringify(prefix)}));
        if (email && seen[email] === undefined && item.textContent.includes(${JSON.stringify(stage)}))
          seen[email] = Date.now();
      });
    }).observe(document.body, { childList: true, subtree: true });
  })()`);
}

/** When the feed item of `email` appeared (see `watchFeed`), waiting up to `timeoutMs`. */
export async function feedItemSeenAt(page: Page, email: string, timeoutMs = 10_000): Promise<number> {
  const key = JSON.stringify(email);
  await page.waitForFunction(`window.__feedSeen && window.__feedSeen[${key}] !== undefined`, undefined, { timeout: timeoutMs });
  return page.evaluate<number>(`window.__feedSeen[${key}]`);
}
