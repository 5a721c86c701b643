/**
 * The approval card's reason field in a real headless Chromium (issue 15), 390 px wide
 * in dark mode: the owner types why and presses Deny; the script answers in place with
 * the reason, the card fits the screen, axe-core finds nothing serious, no console error.
 */
import { describe, expect, it } from 'vitest';
import { logEntries, makeHome, runCli, startDaemon, waitFor } from '../helpers/home.js';
import { dashboardToken } from './helpers.js';
import { axeFindings, useChromium } from './chromium.js';

const ASK_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'a note nobody wants' }, rationale: 'worth remembering' } }],
  permissions: { mode: 'suggest', rules: [] },
};

const chrome = useChromium();
const daemons = chrome.daemons;

describe('the approval card in a browser', () => {
  it('390 px, dark: a reason typed on the card goes with Deny; the card fits, axe finds nothing serious', { timeout: 90_000 }, async () => {
    const home = makeHome(ASK_ON_TICK);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 15_000, 'approval');
    const id = String(requested.actionId);

    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${daemon.url}/login`);
    await page.fill('#token', dashboardToken(home));
    await Promise.all([page.waitForURL(`${daemon.url}/`), page.click('button[type=submit]')]);

    const card = page.locator(`#approval-${id}`);
    await card.waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await axeFindings(page)).toEqual([]);

    await page.getByLabel('Reason').fill('memory is for facts, not chatter');
    await card.locator('button:text-is("Deny")').click();
    const denied = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.denied' && e.actionId === id), 10_000, 'approval.denied');
    expect(denied).toMatchObject({ by: 'dashboard', reason: 'memory is for facts, not chatter' });
    // Answered in place (the list is fetched again without it): the script posted it, the browser did not follow the form.
    await page.waitForSelector('#approvals-empty:not([hidden])', { timeout: 10_000 });
    expect(new URL(page.url()).pathname).toBe('/');
    expect(errors).toEqual([]);
    await context.close();
  });
});
