import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { killDaemons, removeHomes, ROOT, type RunningDaemon } from '../helpers/home.js';
import { dashboardToken } from './helpers.js';

const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');

/**
 * Debian's Chromium for a browser test file: launched once (headless, the flags these
 * machines need), closed after the file; the daemons a test started are killed, and
 * their homes removed, after each test.
 */
export function useChromium(artifactsDir?: string): { readonly browser: Browser; readonly daemons: RunningDaemon[] } {
  const state: { browser: Browser; daemons: RunningDaemon[] } = { browser: undefined as unknown as Browser, daemons: [] };
  beforeAll(async () => {
    if (artifactsDir) fs.mkdirSync(artifactsDir, { recursive: true });
    state.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await state.browser?.close();
  });
  afterEach(async () => {
    await killDaemons(state.daemons);
    removeHomes();
  });
  return state;
}

/**
 * axe-core run inside the page — evaluated through the DevTools protocol, which the page's
 * CSP does not govern (a script tag would be refused) — and its serious and critical
 * findings, each as `rule: the elements it names`.
 */
export async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/**
 * The page in light and in dark: axe's findings in each, prefixed with the scheme and
 * `where`, and — given `screenshots`, a path without its ending — a full-page picture of
 * each (`<screenshots>-light.png`, `-dark.png`) for a person to look at. Light again after.
 */
export async function lightAndDark(page: Page, where: string, screenshots?: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    if (screenshots) await page.screenshot({ path: `${screenshots}-${colorScheme}.png`, fullPage: true });
    found.push(...(await axeFindings(page)).map((v) => `${colorScheme} ${where} ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/** A page at 390 px (the phone layout) logged in to `daemon` with its home's token, collecting console errors. */
export async function loggedIn(browser: Browser, daemon: Pick<RunningDaemon, 'url'>, home: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${daemon.url}/login`);
  await page.fill('#token', dashboardToken(home));
  await Promise.all([page.waitForURL(`${daemon.url}/`), page.click('button[type=submit]')]);
  return { context, page, errors };
}
