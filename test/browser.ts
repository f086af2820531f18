import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where browser tests keep screenshots (gitignored), at the repository root. */
export const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts');

/** Debian's chromium, or the one NABLA_CHROMIUM names. */
export function chromiumPath(): string {
  const path = process.env['NABLA_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`chromium not found at ${path}: install Debian's chromium (apt-get install chromium) or set NABLA_CHROMIUM`);
  }
  return path;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Errors the page threw or logged with console.error (with the URL of the resource or script), for assertions that the page ran cleanly. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Launches headless chromium, offline-friendly (no background traffic), with one page of the given size. */
export async function openBrowser(viewport = { width: 1400, height: 1000 }): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${message.text()} (${message.location().url})`);
  });
  return { browser, page, pageErrors, close: () => browser.close() };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
