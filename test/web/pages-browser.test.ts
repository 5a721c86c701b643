/**
 * The dashboard's pages of issue 17 beyond the timeline, in a real headless Chromium
 * (Debian's `chromium`, driven by playwright-core) against a real daemon: the Ask box
 * (the real Anthropic SDK against the scripted fake model), the Memory page's facts, and
 * the Tasks page. Screenshots go to test/artifacts/ for a person.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { localDate } from '../../src/clock.js';
import { FakeAnthropic, firstUserText } from '../fakes/fake-anthropic.mjs';
import { logEntries, makeHome, ROOT, runCli, startDaemon, waitFor } from '../helpers/home.js';
import { memoryHistory, writeMemoryFile } from '../helpers/memory-files.js';
import { memoryFile } from '../helpers/store-rows.js';
import { makeRepos, REPO, TOKEN } from '../agent/fixture.js';
import { FAKE_KEY, later } from '../model/helpers.js';
import { lightAndDark, loggedIn, useChromium } from './chromium.js';

const ARTIFACTS = path.join(ROOT, 'test/artifacts');

const chrome = useChromium(ARTIFACTS);
const daemons = chrome.daemons;


async function screenshots(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-390-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}


/** The text between the owner-instruction tags of a request's first user message, if any. */
function ownerWords(body: unknown): string | undefined {
  return /<owner-instruction>\n([\s\S]*?)\n<\/owner-instruction>/.exec(firstUserText(body))?.[1];
}

describe('the Ask box (headless Chromium, scripted model)', () => {
  it('a question asked on the main page is answered in place and becomes a thread of the timeline, without a reload', { timeout: 90_000 }, async () => {
    const model = new FakeAnthropic({ apiKey: FAKE_KEY });
    await model.start();
    later(() => model.stop());
    const answer = 'Nothing waits for you: no issue or pull request is open.';
    model.respond = (body: unknown) =>
      ownerWords(body) === 'what is waiting for me?'
        ? { decide: { act: false, summary: answer, proposals: [] } }
        : { decide: { act: false, summary: 'nothing to do', proposals: [] } };
    const home = makeHome({ model: { provider: 'anthropic', retryDelayMs: 50 } });
    const daemon = await startDaemon(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: model.url });
    daemons.push(daemon);
    const { context, page, errors } = await loggedIn(chrome.browser, daemon, home);
    await page.evaluate(() => ((window as unknown as { mark: string }).mark = 'same page'));

    await page.fill('#ask-text', 'what is waiting for me?');
    await page.click('#ask-form button[type=submit]');
    await expect.poll(() => page.textContent('#ask-answer'), { timeout: 30_000 }).toBe(answer);
    // The thread of the question: the owner's words, vigil's answer.
    const thread = page.locator('li.thread[data-state="done"]:has(li[data-type="owner.instruction"])');
    await thread.waitFor({ timeout: 15_000 });
    expect(await thread.locator('ol.sentences li .text').allTextContents()).toEqual([
      'You asked vigil on the dashboard: “what is waiting for me?”',
      `vigil answered: ${answer}`,
      'vigil took it as your instruction',
      // The answer also goes the owner's way (a notification), through the policy like any proposal.
      'vigil proposed to send you the answer as a notification · the policy allows it',
      'Running notify',
      'Done: sent (no channel reached)',
    ]);
    expect(await page.evaluate(() => (window as unknown as { mark?: string }).mark)).toBe('same page');
    expect(await page.inputValue('#ask-text')).toBe('');
    // It went the owner's way: an instruction from the dashboard, decided by the model.
    expect(logEntries(home).find((e) => e.type === 'owner.instruction')).toMatchObject({ via: 'dashboard' });
    expect(model.calls.some((c) => ownerWords(c.body) === 'what is waiting for me?')).toBe(true);
    await screenshots(page, 'ask');
    expect(await lightAndDark(page, '/ (asked)')).toEqual([]);
    expect(errors).toEqual([]);

    // The form without the script: the CSRF token is required, and with it the page shows the thread.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/ask', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=forged', redirect: 'manual' });
      return res.status;
    });
    expect(forged).toBe(403);
    const plain = await page.evaluate(async () => {
      const csrf = document.querySelector<HTMLInputElement>('#ask-form input[name=_csrf]')!.value;
      const res = await fetch('/ask', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, text: 'what is waiting for me?' }).toString(),
        redirect: 'manual',
      });
      return res.type;
    });
    expect(plain).toBe('opaqueredirect');
    expect(logEntries(home).filter((e) => e.type === 'owner.instruction')).toHaveLength(2);
    expect(logEntries(home).filter((e) => e.type === 'event.received' && e.kind === 'owner.instruction')).toHaveLength(2);
    await context.close();
  });
});

describe('the Memory page (headless Chromium)', () => {
  it('a fact edited on the Memory page is in the topic file, the old version in history; hostile memory text is never markup', { timeout: 90_000 }, async () => {
    const home = makeHome({ model: { provider: 'rules' } });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    // A real record of today's log for a fact's source to point at.
    // daemon.json is published before the log's group commit lands: wait for the line, not a moment.
    const started = await waitFor(() => logEntries(home).find((e) => e.type === 'daemon.started'), 10_000, 'daemon.started in the log');
    const day = localDate(Date.parse(String(started.ts)));
    const original = [
      '# octo/app',
      '',
      '- The default branch of octo/app is `main`; see [the guide](https://example.com/guide).',
      `  - source: log ${day}#${started.seq}`,
      '  - confirmed: 2026-01-02',
      '- Issue title said <script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2"> and [click](javascript:window.pwned=3).',
      '  - source: log 2026-01-03#7',
      '  - confirmed: 2026-01-03',
      '',
    ].join('\n');
    writeMemoryFile(home, 'topics/octo-app.md', original);
    writeMemoryFile(home, 'MEMORY.md', '# Memory\n\n- [octo/app](topics/octo-app.md) — default branch; <b onmouseover="x">bold?</b>\n');
    const { context, page, errors } = await loggedIn(chrome.browser, daemon, home);

    await page.goto(`${daemon.url}/memory?topic=octo-app`);
    const facts = page.locator('#topic li.fact');
    expect(await facts.count()).toBe(2);
    // Third-party text shows as text: no element, no handler, no script link; the https link is a link.
    expect(await page.locator('main script, main img, main iframe, main b, main [onerror], main [onmouseover]').count()).toBe(0);
    expect(await page.locator('main a[href^="javascript"]').count()).toBe(0);
    expect(await facts.nth(1).locator('.fact-text').textContent()).toBe(
      'Issue title said <script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2"> and [click](javascript:window.pwned=3).',
    );
    expect(await facts.nth(0).locator('.fact-text a').getAttribute('href')).toBe('https://example.com/guide');
    expect(await page.locator('#index a', { hasText: 'octo/app' }).getAttribute('href')).toBe('/memory?topic=octo-app');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await screenshots(page, 'memory-topic');
    expect(await lightAndDark(page, '/memory?topic=octo-app')).toEqual([]);

    // The source is a link to its log record.
    await Promise.all([page.waitForURL(/\/log\?/), facts.nth(0).locator('.fact-meta a').click()]);
    // A team node names the chain the record is in: its own (daemon.json says which it is).
    const { node } = JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { node?: string };
    expect(await page.locator('#record h2').textContent()).toBe(`Log record ${node ? `${node}/` : ''}${day} #${started.seq}`);
    expect(await page.locator('#record pre').textContent()).toContain('daemon.started');
    expect(await lightAndDark(page, '/log')).toEqual([]);

    // Edit the first fact with the page's form.
    await page.goto(`${daemon.url}/memory?topic=octo-app`);
    await facts.nth(0).locator('summary').click();
    await facts.nth(0).locator('textarea').fill('The default branch of octo/app is `trunk`.');
    await Promise.all([page.waitForURL(/done=edit/), facts.nth(0).locator('button[value=edit]').click()]);
    expect(await page.locator('.notice').textContent()).toContain('Saved');
    expect(await page.locator('#topic li.fact').first().locator('.fact-text').textContent()).toBe('The default branch of octo/app is trunk.');
    const now = memoryFile(home, 'topics/octo-app.md')!;
    expect(now).toContain('- The default branch of octo/app is `trunk`.\n  - source: owner ');
    expect(now).toContain(`  - supersedes: The default branch of octo/app is \`main\`; see [the guide](https://example.com/guide). (log ${day}#${started.seq})`);
    const versions = memoryHistory(home, 'topics/octo-app.md');
    expect(versions).toHaveLength(1);
    expect(versions[0]!.content).toBe(original);
    const edited = logEntries(home).filter((e) => e.type === 'memory.edited');
    expect(edited).toEqual([expect.objectContaining({ file: 'topics/octo-app.md', op: 'edit', index: 0, version: versions[0]!.version })]);
    expect(memoryFile(home, 'MEMORY.md')).toContain('trunk');
    expect(errors).toEqual([]);

    // A change without the page's CSRF token is refused and writes nothing.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/memory/facts', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'topic=octo-app&index=1&op=delete&was=x', redirect: 'manual' });
      return res.status;
    });
    expect(forged).toBe(403);
    // Delete the hostile fact.
    await page.goto(`${daemon.url}/memory?topic=octo-app`);
    await facts.nth(1).locator('summary').click();
    await Promise.all([page.waitForURL(/done=delete/), facts.nth(1).locator('button[value=delete]').click()]);
    expect(await page.locator('#topic li.fact').count()).toBe(1);
    expect(memoryFile(home, 'topics/octo-app.md')).not.toContain('pwned');
    expect(memoryHistory(home, 'topics/octo-app.md')).toHaveLength(2);
    await context.close();
  });
});

describe('the Tasks page (headless Chromium, scripted slow model)', () => {
  it('a running agent task shows elapsed time and turns rising, Cancel stops it, the transcript page lists its tool calls', { timeout: 120_000 }, async () => {
    const repos = makeRepos();
    later(() => fs.rmSync(repos.root, { recursive: true, force: true }));
    const model = new FakeAnthropic({ apiKey: FAKE_KEY });
    await model.start();
    later(() => model.stop());
    // The agent reads a file each turn, slowly, and never finishes by itself.
    model.respond = () => ({ tool: 'read_file', decide: { path: 'add.mjs' }, delayMs: 600 });
    const home = makeHome({
      model: { provider: 'rules' },
      repos: [{ name: REPO, path: repos.clone }],
      rules: [{ on: 'tick', propose: { action: 'agent.task', params: { repo: REPO, instructions: 'look at add.mjs' } } }],
      agent: { maxTurns: 500 },
    });
    const daemon = await startDaemon(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN: TOKEN });
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const asked = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested' && e.action === 'agent.task'), 15_000, 'the approval');
    const id = String(asked.actionId);
    expect(runCli(home, ['approve', id]).status).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'agent.started' && e.actionId === id), 20_000, 'the task to start');

    const { context, page, errors } = await loggedIn(chrome.browser, daemon, home);
    await page.goto(`${daemon.url}/tasks`);
    const card = page.locator(`#task-${id}`);
    await card.waitFor();
    expect(await card.getAttribute('data-state')).toBe('running');
    // Live, without a reload: the figures rise.
    const figure = async (field: string) => (await card.locator(`[data-field="${field}"]`).textContent()) ?? '';
    const turnsOf = async () => Number(/^(\d+) of 500$/.exec(await figure('turns'))?.[1] ?? -1);
    const firstTurns = await turnsOf();
    const firstElapsed = await figure('elapsed');
    await expect.poll(turnsOf, { timeout: 20_000 }).toBeGreaterThan(firstTurns + 1);
    await expect.poll(() => figure('elapsed'), { timeout: 10_000 }).not.toBe(firstElapsed);
    expect(await figure('elapsed')).toMatch(/ of 30 min$/);
    expect(await figure('tokens')).toMatch(/^[1-9][\d,]* of 500,000$/);
    expect(await figure('cost')).toMatch(/^≈ \$\d/);
    expect(await card.locator('[data-field="tools"] li code').first().textContent()).toBe('read_file');
    await screenshots(page, 'tasks-running');
    expect(await lightAndDark(page, '/tasks')).toEqual([]);

    // Cancel (a form with the CSRF token) stops it.
    await Promise.all([page.waitForURL(/cancelled=/), card.locator('button', { hasText: 'Cancel' }).click()]);
    const failed = await waitFor(() => logEntries(home).find((e) => e.type === 'action.failed' && e.actionId === id), 20_000, 'the task to stop');
    expect(String(failed.error)).toContain('cancelled by the owner');
    expect(logEntries(home).find((e) => e.type === 'agent.cancel_requested')).toMatchObject({ actionId: id });
    await page.locator(`#task-${id}[data-state="failed"]`).waitFor({ timeout: 15_000 });
    const turnsAtEnd = await turnsOf();

    // The transcript page lists each tool call, folded.
    await Promise.all([page.waitForURL(`${daemon.url}/tasks/${id}`), page.locator(`#task-${id} a`, { hasText: 'transcript' }).click()]);
    const calls = page.locator('#transcript details.tool-call');
    expect(await calls.count()).toBeGreaterThanOrEqual(turnsAtEnd - 1);
    expect(await calls.first().locator('summary code').textContent()).toBe('read_file');
    expect(await calls.first().locator('pre').isVisible()).toBe(false);
    await calls.first().locator('summary').click();
    expect(await calls.first().locator('pre').textContent()).toContain('a - b');
    await screenshots(page, 'tasks-transcript');
    expect(await lightAndDark(page, '/tasks/:id')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
