/**
 * The dashboard's views (issue 17) in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real daemon, its worker and the fake GitHub API: `vigil
 * simulate` of a new issue with a rule that asks shows one thread of sentences; Approve
 * in the thread turns it to done with its link on GitHub, without a reload. The Activity
 * page draws the counts of a replay of the example payloads with uPlot.
 * Screenshots (1280 and 390 px, light and dark) go to test/artifacts/ for a person.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeGithub } from '../github/fake-github.js';
import { BIN, cliEnv, logEntries, makeHome, ROOT, startDaemon } from '../helpers/home.js';
import { dashboardToken } from './helpers.js';
import { writeMemoryFile } from '../helpers/memory-files.js';
import { axeFindings, useChromium } from './chromium.js';

const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const TOKEN = 'ghp_fake_token_for_the_dashboard';
const LABEL_BUGS = {
  model: { provider: 'rules' },
  rules: [
    {
      name: 'label new issues',
      on: 'github.issues.opened',
      propose: { action: 'github.label', params: { repo: '{{payload.repository.full_name}}', number: '{{payload.issue.number}}', labels: ['bug'] }, rationale: 'looks like a bug' },
    },
  ],
  permissions: { mode: 'suggest', rules: [] },
};

const chrome = useChromium(ARTIFACTS);
const daemons = chrome.daemons;

/** The CLI as a real process, asynchronous: the fake GitHub in this process keeps answering meanwhile. */
function vigil(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cliEnv(home, env), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}-${colorScheme}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('the timeline in threads (headless Chromium)', () => {
  it('simulate an issue with a rule that asks: one thread in sentences; Approve there turns it to done with the GitHub link, no reload', { timeout: 90_000 }, async () => {
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    try {
      github.addIssue('octo/app', { number: 1 });
      const home = makeHome(LABEL_BUGS);
      const daemon = await startDaemon(home, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
      daemons.push(daemon);
      const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${daemon.url}/login`);
      await page.fill('#token', dashboardToken(home));
      await Promise.all([page.waitForURL(`${daemon.url}/`), page.click('button[type=submit]')]);
      await page.evaluate(() => ((window as unknown as { mark: string }).mark = 'same page'));

      const simulated = await vigil(home, ['simulate', 'issues.opened', '--repo', 'octo/app']);
      expect(simulated.status, simulated.stderr + simulated.stdout).toBe(0);

      // One thread holds the event, the decision and the proposal waiting for the owner.
      const thread = page.locator('li.thread[data-state="waiting"]');
      await thread.waitFor({ timeout: 15_000 });
      expect(await page.locator('li.thread:has(li[data-type="event.received"])').count()).toBe(1);
      const sentences = await thread.locator('ol.sentences li .text').allTextContents();
      expect(sentences).toEqual([
        'Issue #1 opened in octo/app',
        'vigil decided to act: github.issues.opened: rule label new issues matched',
        'vigil proposed the label “bug” on octo/app#1 · waiting for you',
      ]);
      expect(await thread.locator('.badge').textContent()).toBe('waiting for you');
      // The raw records are behind the toggle.
      expect(await thread.locator('ol.raw-lines').isVisible()).toBe(false);
      await thread.locator('details.raw summary').click();
      expect(await thread.locator('ol.raw-lines li').count()).toBe(3);
      await screenshots(page, 'threads-waiting');

      await thread.locator('button:text-is("Approve")').click();
      const done = page.locator('li.thread[data-state="done"]');
      await done.waitFor({ timeout: 20_000 });
      const link = done.locator('a', { hasText: 'see it on GitHub' });
      expect(await link.getAttribute('href')).toBe(`${github.url}/octo/app/issues/1`);
      expect(await done.locator('ol.sentences li .text').allTextContents()).toEqual([
        'Issue #1 opened in octo/app',
        'vigil decided to act: github.issues.opened: rule label new issues matched',
        'vigil proposed the label “bug” on octo/app#1 · asked you first',
        'You approved it (on the dashboard)',
        'Running github.label',
        'Done: the label is on GitHub',
      ]);
      // Redrawn in place: the toggle the owner opened stays open, and the page never reloaded.
      expect(await done.locator('details.raw').getAttribute('open')).not.toBeNull();
      expect(await page.evaluate(() => (window as unknown as { mark?: string }).mark)).toBe('same page');
      expect(github.issue('octo/app', 1)!.labels).toContain('bug');
      expect(logEntries(home).find((e) => e.type === 'approval.granted')).toMatchObject({ by: 'dashboard' });

      // The filters: an outcome the thread does not have hides it; a day with no log shows nothing.
      await page.goto(`${daemon.url}/?outcome=failed`);
      expect(await page.locator('li.thread').count()).toBe(0);
      await page.goto(`${daemon.url}/?repo=octo%2Fapp&kind=issues&outcome=done`);
      expect(await page.locator('li.thread').count()).toBe(1);
      await page.goto(`${daemon.url}/?day=2020-01-01`);
      expect(await page.locator('#timeline h2').textContent()).toBe('2020-01-01');
      expect(await page.locator('#timeline-empty').isVisible()).toBe(true);
      await page.goto(`${daemon.url}/`);
      await screenshots(page, 'threads-done');
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await github.stop();
    }
  });

  it('after a replay of the example payloads, the Activity charts hold a point for each hour that had events', { timeout: 90_000 }, async () => {
    const home = makeHome({
      model: { provider: 'rules' },
      rules: [{ name: 'tell me', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'New issue', body: '#{{payload.issue.number}}' } } }],
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    for (const event of ['issues.opened', 'issue_comment.created', 'push', 'star.created']) {
      const res = await vigil(home, ['simulate', event, '--wait', '20']);
      expect(res.status, res.stderr + res.stdout).toBe(0);
    }
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${daemon.url}/login`);
    await page.fill('#token', dashboardToken(home));
    await Promise.all([page.waitForURL(`${daemon.url}/`), page.click('button[type=submit]')]);
    await page.goto(`${daemon.url}/activity`);
    await page.waitForSelector('body[data-charts="drawn"]', { timeout: 15_000 });

    // What the log says, hour by hour (local time, as the page shows it).
    const entries = logEntries(home);
    const hoursOf = (types: string[]) => new Set(entries.filter((e) => types.includes(e.type)).map((e) => new Date(String(e.ts)).getHours()));
    const eventHours = hoursOf(['event.received']);
    const actionHours = hoursOf(['action.succeeded', 'action.failed']);
    expect(entries.filter((e) => e.type === 'event.received')).toHaveLength(4);
    const hourly = page.locator('#chart-hourly');
    expect(await hourly.locator('canvas').count()).toBeGreaterThan(0);
    expect(await hourly.getAttribute('data-length')).toBe('24');
    expect(JSON.parse((await hourly.getAttribute('data-points'))!)).toEqual([eventHours.size, actionHours.size]);
    // The numbers under the chart: the four events in their hours.
    const rows = await page.locator('#chart-hourly + details tbody tr').allTextContents();
    expect(rows).toHaveLength(new Set([...eventHours, ...actionHours]).size);
    const counted = await page.locator('#chart-hourly + details tbody tr td:nth-child(2)').allTextContents();
    expect(counted.reduce((n, v) => n + Number(v), 0)).toBe(4);
    // Decisions by outcome, as the log has them (the issue acted on); 30 days of tokens.
    const made = entries.filter((e) => e.type === 'decision.made');
    const acted = made.filter((e) => e.act === true).length;
    const quiet = made.length - acted;
    const setAside = entries.filter((e) => ['event.own', 'event.skipped', 'event.filtered'].includes(e.type)).length;
    expect(acted).toBe(1);
    expect(JSON.parse((await page.locator('#chart-outcomes').getAttribute('data-points'))!)).toEqual([[acted, quiet, setAside].filter((n) => n > 0).length]);
    expect(await page.locator('#chart-outcomes + details').textContent()).toContain(`acted${acted}quiet (nothing to do)${quiet}set aside${setAside}`);
    expect(await page.locator('#chart-tokens').getAttribute('data-length')).toBe('30');
    expect(await page.locator('#chart-cost canvas').count()).toBeGreaterThan(0);
    await screenshots(page, 'activity');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('every page: no console errors, and axe-core finds no serious or critical accessibility violation (light and dark)', { timeout: 90_000 }, async () => {
    const home = makeHome(LABEL_BUGS);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    // Something on every page: a thread waiting with its buttons, an approval, a note in memory.
    expect((await vigil(home, ['simulate', 'issues.opened', '--repo', 'octo/app'])).status).toBe(0);
    writeMemoryFile(home, 'topics/octo-app.md', '# octo/app\n\n- The CI command is `npm test`.\n');
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    const scan = async (where: string) => (await axeFindings(page)).map((v) => `${where} ${v}`);
    const found: string[] = [];
    await page.goto(`${daemon.url}/login`);
    found.push(...(await scan('login')));
    await page.fill('#token', dashboardToken(home));
    await Promise.all([page.waitForURL(`${daemon.url}/`), page.click('button[type=submit]')]);
    await page.waitForSelector('li.thread[data-state="waiting"]');
    // Every page the navigation offers (a team node's has no Tasks page yet), and the Memory page's two views.
    const navigation = await page.locator('nav a').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    expect(navigation).toEqual(expect.arrayContaining(['/', '/activity', '/memory', '/push']));
    const routes = [...navigation.filter((href) => href !== '/memory'), '/memory?topic=octo-app', '/memory?q=bug'];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const route of routes) {
        await page.goto(`${daemon.url}${route}`);
        if (route === '/activity') await page.waitForSelector('body[data-charts="drawn"]');
        found.push(...(await scan(`${scheme} ${route}`)));
      }
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
