import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../cli/helpers.js';

/** The built page is what users get; the tests load it, so it must be built first. */
export function assertPageBuilt(): void {
  const index = join(REPO_ROOT, 'dist', 'dashboard', 'index.html');
  if (!existsSync(index)) throw new Error(`${index} is missing: build the page with \`npx vite build --config src/dashboard/vite.config.ts\` (npm run build does it)`);
}

/** How many points a chart plots (its data-points attribute). */
export async function chartPoints(page: Page, chartId: string): Promise<number> {
  return Number(await page.locator(`#${chartId}`).getAttribute('data-points'));
}

/** Waits until a chart plots at least `count` points; returns how many it plots. */
export async function waitForPoints(page: Page, chartId: string, count: number, timeout = 20_000): Promise<number> {
  await page.waitForFunction(`Number(document.getElementById(${JSON.stringify(chartId)})?.dataset.points ?? 0) >= ${count}`, undefined, { timeout });
  return chartPoints(page, chartId);
}

/** The confusion table's counts (rows = true class, without the totals) and the grand total it shows. */
export async function confusionTable(page: Page): Promise<{ cells: number[][]; total: number }> {
  // One read of the cells' data attributes: the table is redrawn at every epoch, and innerText depends on layout.
  return page.locator('#confusion table').evaluate((table) => ({
    cells: [...table.querySelectorAll('tbody tr')].map((row) => [...row.querySelectorAll('td[data-count]')].map((td) => Number(td.getAttribute('data-count')))),
    total: Number(table.querySelector('td[data-total]')?.getAttribute('data-total')),
  }));
}

/** The page's errors but the 404s of asking a run without weights for its model (what the digit panel does until there are some). */
export const unexpectedErrors = (errors: readonly string[]): string[] => errors.filter((e) => !/status of 404 .*\/api\/runs\/[^/]+\/model\)$/.test(e));
