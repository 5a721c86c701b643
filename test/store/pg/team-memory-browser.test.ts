/**
 * A team node's Memory page in a real browser (issue 19): Debian's Chromium, driven by
 * playwright-core, on a phone-sized window against a node on a real PostgreSQL cluster.
 * The Team page's navigation leads to it; a fact holding markup is text (no element, no
 * handler ran); a fact's source leads to its record in the node's chain; the edit form
 * writes a new version; the search shows its hits. No console error, no serious or
 * critical axe finding, light and dark; screenshots go to test/artifacts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHome, ROOT, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { lightAndDark, loggedIn, useChromium } from '../../web/chromium.js';
import { seedTeamTopic, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const ARTIFACTS = path.join(ROOT, 'test/artifacts');


describe.runIf(PG.available)("a team node's Memory page in Chromium (real node, real cluster)", () => {
  const cluster = usePostgres('team_memory_browser');
  const db = useFreshDatabase(cluster, 'team_memory_browser');
  const chrome = useChromium(ARTIFACTS);

  it('from the Team page to memory, a hostile fact as text, its source record, an edit by the form, a search; no console error, no serious axe finding, light and dark', async () => {
    const home = makeHome({ store: { url: db.url }, rules: [] });
    const node = await startDaemon(home, {}, 40_000, ['--node', 'alpha']);
    chrome.daemons.push(node);
    const startedRow = async () => (await db.sql<{ day: string; seq: string }>(`SELECT day, seq FROM log_entries WHERE type = 'daemon.started'`)).rows[0];
    await waitFor(async () => (await startedRow()) !== undefined, 'daemon.started', 10_000);
    const { day, seq } = (await startedRow())!;
    const topic = [
      '# octo/app',
      '',
      '- The default branch of octo/app is `main`; see [the guide](https://example.com/guide).',
      `  - source: log alpha/${day}#${seq}`,
      '  - confirmed: 2026-01-02',
      '- Issue title said <script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2"> and [click](javascript:window.pwned=3).',
      '  - source: log 2026-01-03#7',
      '  - confirmed: 2026-01-03',
      '',
    ].join('\n');
    await seedTeamTopic(db.url, 'octo-app', topic, '2026-01-03');

    const { context, page, errors } = await loggedIn(chrome.browser, node, home);
    const found: string[] = [];

    // The Team page's navigation leads to the Memory page, and its index to the topic.
    await Promise.all([page.waitForURL(`${node.url}/memory`), page.click('nav a[href="/memory"]')]);
    expect(await page.getAttribute('nav a[href="/memory"]', 'aria-current')).toBe('page');
    found.push(...(await lightAndDark(page, 'team-memory', path.join(ARTIFACTS, 'team-memory-390'))));
    await Promise.all([page.waitForURL(/topic=octo-app/), page.locator('#index a', { hasText: 'octo/app' }).click()]);
    const facts = page.locator('#topic li.fact');
    expect(await facts.count()).toBe(2);
    // Third-party text shows as text: no element, no handler ran, no script link.
    expect(await page.locator('main script, main img, main iframe, main [onerror]').count()).toBe(0);
    expect(await page.locator('main a[href^="javascript"]').count()).toBe(0);
    expect(await facts.nth(1).locator('.fact-text').textContent()).toBe(
      'Issue title said <script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2"> and [click](javascript:window.pwned=3).',
    );
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    found.push(...(await lightAndDark(page, 'team-memory-topic', path.join(ARTIFACTS, 'team-memory-topic-390'))));

    // The first fact's source: its record in alpha's chain.
    await Promise.all([page.waitForURL(/\/log\?node=alpha&/), facts.nth(0).locator('.fact-meta a').click()]);
    expect(await page.locator('#record h2').textContent()).toBe(`Log record alpha/${day} #${seq}`);
    expect(await page.locator('#record pre').textContent()).toContain('daemon.started');
    found.push(...(await lightAndDark(page, 'team-log-record', path.join(ARTIFACTS, 'team-log-record-390'))));

    // The edit form: a new version of the topic in the database, the page at the fact with its notice.
    await page.goto(`${node.url}/memory?topic=octo-app`);
    await facts.nth(0).locator('summary').click();
    await facts.nth(0).locator('textarea').fill('The default branch of octo/app is `trunk`.');
    await Promise.all([page.waitForURL(/done=edit/), facts.nth(0).locator('button[value=edit]').click()]);
    expect(await page.locator('.notice').textContent()).toContain('Saved');
    expect(await facts.nth(0).locator('.fact-text').textContent()).toBe('The default branch of octo/app is trunk.');
    const versions = (await db.sql<{ version: number; written_by: string }>(`SELECT version, written_by FROM memory_files WHERE path = 'topics/octo-app.md' ORDER BY version`)).rows;
    expect(versions).toEqual([{ version: 1, written_by: 'seed' }, { version: 2, written_by: 'alpha' }]);
    found.push(...(await lightAndDark(page, 'team-memory-edited', path.join(ARTIFACTS, 'team-memory-edited-390'))));

    // The search box: memory's lines and the team's log (the edit's own `memory.edited` line, in alpha's chain), the hits as text.
    await page.fill('input[name=q]', 'default branch');
    await Promise.all([page.waitForURL(/q=default/), page.press('input[name=q]', 'Enter')]);
    expect(await page.locator('main h3').first().textContent()).toMatch(/^In memory: [1-9]\d* hit\(s\)/);
    expect(await page.locator('main h3').nth(1).textContent()).toMatch(/^In the logs: [1-9]\d* hit\(s\)/);
    const edited = (await db.sql<{ day: string; seq: string }>(`SELECT day, seq FROM log_entries WHERE type = 'memory.edited'`)).rows[0]!;
    const hit = page.locator(`main .hits a[href="/log?node=alpha&day=${edited.day}&seq=${edited.seq}"]`);
    expect(await hit.textContent()).toBe(`log alpha/${edited.day}#${edited.seq}`);
    expect(await page.locator('main script, main img').count()).toBe(0);
    found.push(...(await lightAndDark(page, 'team-memory-search', path.join(ARTIFACTS, 'team-memory-search-390'))));
    await Promise.all([page.waitForURL(/\/log\?node=alpha&/), hit.click()]);
    expect(await page.locator('#record pre').textContent()).toContain('memory.edited');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    expect(found).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
