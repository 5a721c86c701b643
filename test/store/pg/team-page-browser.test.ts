/**
 * A team node's page in a real browser (issue 19): Debian's Chromium, driven by
 * playwright-core, logged in on a phone-sized window against a node on a real PostgreSQL
 * cluster. The Ask box sends the owner's words through the page's script and shows the
 * answer in place, the page stays the same page, no console error, no serious or critical
 * axe finding, light and dark; screenshots go to test/artifacts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHome, ROOT, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { lightAndDark, loggedIn, useChromium } from '../../web/chromium.js';

const PG = postgresAvailability();
const ARTIFACTS = path.join(ROOT, 'test/artifacts');

describe.runIf(PG.available)("a team node's page in Chromium (real node, real cluster)", () => {
  const cluster = usePostgres('team_page_browser');
  const db = useFreshDatabase(cluster, 'team_page_browser');
  const chrome = useChromium(ARTIFACTS);

  it('the Ask box answers in place through whichever node decides; no console error, no serious axe finding, light and dark', async () => {
    // The offline rules decide the instruction: none matches, and the answer says so.
    const home = makeHome({ store: { url: db.url }, rules: [] });
    const node = await startDaemon(home, {}, 40_000, ['--node', 'alpha']);
    chrome.daemons.push(node);
    const { context, page, errors } = await loggedIn(chrome.browser, node, home);
    expect(await page.isHidden('#ask-answer')).toBe(true);

    await page.evaluate(() => ((window as unknown as { mark?: string }).mark = 'same page'));
    await page.fill('#ask-text', 'remind me from the phone');
    await page.click('#ask-form button[type=submit]');
    await page.waitForFunction(() => /rule/.test(document.getElementById('ask-answer')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(await page.textContent('#ask-answer')).toBe('owner.instruction: no rule matches');
    expect(await page.evaluate(() => (window as unknown as { mark?: string }).mark)).toBe('same page');
    expect(await page.inputValue('#ask-text')).toBe('');
    // One instruction, from the dashboard, decided once.
    const decided = (await db.sql<{ kind: string; state: string }>("SELECT kind, state FROM inbox WHERE source = 'owner'")).rows;
    expect(decided).toEqual([{ kind: 'owner.instruction', state: 'decided' }]);

    expect(await lightAndDark(page, 'team page', path.join(ARTIFACTS, 'team-ask-390'))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
