/**
 * The Tasks page on a team (issue 19), as real processes on a real cluster: alpha has a
 * clone of the repository and its worker runs the agent task (the built-in agent against
 * a scripted slow model); beta has none. Beta's page shows alpha's task as the team's
 * database knows it — running, on alpha, its turns and tokens from the usage ledger rising
 * — and says its tool calls are in alpha's transcript rather than drawing none; alpha's
 * page lists them from the transcript on its disk. Cancel on beta's page stops the task on
 * alpha through the team's flag. Every route asks the single daemon's login (a page: a
 * session, its form the CSRF token; the API: Bearer or session). An issue's title a
 * stranger wrote, in the task's instructions, is text on every page, never markup. The
 * team's dream shows on either node's page with the node that dreamt it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepos, REPO, TOKEN } from '../../agent/fixture.js';
import { FakeAnthropic } from '../../fakes/fake-anthropic.mjs';
import { makeHome, ROOT, runCliAsync, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { lightAndDark, loggedIn, useChromium } from '../../web/chromium.js';
import { dashboardToken, login } from '../../web/helpers.js';
import { issueOpened, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const KEY = 'sk-ant-test';

/** An issue's title as a stranger wrote it: the rule puts it in the task's instructions. */
const HOSTILE = '<script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2">';
const RULES = [{ name: 'fix', on: 'github.issues.opened', propose: { action: 'agent.task', params: { repo: REPO, instructions: 'look at {{payload.issue.title}}' } } }];
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'agent.task', repo: 'octo/*', decision: 'allow' }] };

/** What a page must never hold of HOSTILE: an element or a handler in a tag. (The page's own script tag is `<script src=…>`.) */
function expectNoMarkup(html: string): void {
  expect(html).not.toContain('<script>');
  expect(html).not.toMatch(/<img\b/i);
  const handlers = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0].replace(/"[^"]*"/g, '""')).filter((tag) => /\son[a-z]+\s*=/i.test(tag));
  expect(handlers).toEqual([]);
}

describe.runIf(PG.available)('the Tasks page on a team node (real processes, real cluster, scripted slow model)', () => {
  const cluster = usePostgres('team_tasks');
  const db = useFreshDatabase(cluster, 'tasks');
  // Before the processes: their afterEach (the daemons killed, then the homes removed) runs first.
  const chrome = useChromium(ARTIFACTS);
  const { daemons, stops } = useTeamProcesses();

  const task = async () => (await db.sql<{ id: string; state: string; error: string | null }>(`SELECT id, state, error FROM actions WHERE action = 'agent.task'`)).rows;
  const ledger = async (id: string) =>
    (await db.sql<{ node: string; calls: number; tokens: string }>(
      `SELECT node, count(*)::int AS calls, sum(input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens) AS tokens FROM model_usage WHERE action_id = $1 GROUP BY node`,
      [id],
    )).rows;
  /** A card's figure as the page shows it (`data-field`). */
  const field = (html: string, id: string, name: string) => new RegExp(`data-field="${name}">([^<]*)<`).exec(html.slice(html.indexOf(`id="task-${id}"`)))?.[1];
  const cardOf = (payload: { tasks: { id: string; state: string; html: string }[] }, id: string) => payload.tasks.find((t) => t.id === id);

  it("beta shows alpha's running task from the database, its tool calls where the transcript is; Cancel on beta stops it on alpha; logins asked; a stranger's title is text", async () => {
    const repos = makeRepos();
    stops.push(async () => fs.rmSync(repos.root, { recursive: true, force: true }));
    const model = new FakeAnthropic({ apiKey: KEY });
    await model.start();
    stops.push(() => model.stop());
    // The agent reads a file each turn, slowly, and never finishes by itself.
    model.respond = () => ({ tool: 'read_file', decide: { path: 'add.mjs' }, delayMs: 400 });
    const config = (clone: string | undefined) => ({
      store: { url: db.url, leaseSeconds: 5 },
      rules: RULES,
      permissions: PERMISSIONS,
      repos: [{ name: REPO, ...(clone ? { path: clone } : {}) }],
      agent: { maxTurns: 500 },
    });
    const alphaHome = makeHome(config(repos.clone));
    // beta has no clone: its worker never claims the task.
    const betaHome = makeHome(config(undefined));
    fs.copyFileSync(path.join(alphaHome, 'secrets.json'), path.join(betaHome, 'secrets.json'));
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN: TOKEN };
    const alpha = await startDaemon(alphaHome, env, 90_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const beta = await startDaemon(betaHome, env, 90_000, ['--node', 'beta']);
    daemons.push(beta);

    expect((await postDelivery(beta.url, webhookSecret(betaHome), issueOpened(7, HOSTILE), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitFor(async () => (await task())[0]?.state === 'running', 'alpha to run the task', 60_000, 200);
    const id = (await task())[0]!.id;
    await waitFor(async () => ((await ledger(id))[0]?.calls ?? 0) >= 2, "the agent's first turns in the ledger", 30_000, 200);
    expect((await ledger(id)).map((r) => r.node)).toEqual(['alpha']);
    expect(fs.existsSync(path.join(alphaHome, 'agent', `${id}.jsonl`))).toBe(true);
    expect(fs.existsSync(path.join(betaHome, 'agent', `${id}.jsonl`))).toBe(false);

    // No session: the pages send the browser to /login, the form changes nothing; the API is 401.
    for (const route of ['/tasks', `/tasks/${id}`]) {
      const res = await fetch(`${beta.url}${route}`, { redirect: 'manual' });
      expect([route, res.status, res.headers.get('location')]).toEqual([route, 303, '/login']);
    }
    const anonymous = await fetch(`${beta.url}/tasks/${id}/cancel`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([303, '/login']);
    for (const route of ['/api/tasks', '/api/tasks/stream']) {
      const res = await fetch(`${beta.url}${route}`);
      expect([route, res.status, ((await res.json()) as { code: string }).code]).toEqual([route, 401, 'VIGIL_ERR_UNAUTHORISED']);
    }

    // Logged in through alpha, beta's page: alpha's task, running, on alpha; the figures the ledger holds; no tool call invented.
    const { cookie, csrf } = await login(alpha.url, dashboardToken(alphaHome));
    const page = await (await fetch(`${beta.url}/tasks`, { headers: { cookie } })).text();
    expect(page).toContain('<a href="/tasks" aria-current="page">Tasks</a>');
    expect(page).toContain(`<li class="task state-running" id="task-${id}" data-id="${id}" data-state="running">`);
    expect(page).toContain('<span class="muted node">on alpha</span>');
    expect(page).toContain('<li class="muted">in its transcript on node alpha</li>');
    expect(page).toContain(`<p class="task-what">look at ${HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</p>`);
    expectNoMarkup(page);
    expect(field(page, id, 'turns')).toMatch(/^[1-9]\d* of 500$/);
    expect(field(page, id, 'tokens')).toMatch(/^[1-9][\d,]* of 500,000$/);
    expect(field(page, id, 'cost')).toMatch(/^≈ \$\d/);
    expect(field(page, id, 'elapsed')).toMatch(/ of 30 min$/);
    expect(page).toContain('No dream in the recent log.');

    // The API's list (Bearer as the script's session) gives the same card, its turns those the ledger counts, rising.
    const listed = async (url: string) => (await (await fetch(`${url}/api/tasks`, { headers: { authorization: `Bearer ${dashboardToken(alphaHome)}` } })).json()) as { tasks: { id: string; state: string; html: string }[] };
    const turnsNow = async () => Number(/^(\d+) of 500$/.exec(field(cardOf(await listed(beta.url), id)!.html, id, 'turns') ?? '')?.[1] ?? -1);
    const first = await turnsNow();
    await waitFor(async () => (await turnsNow()) > first + 1, 'the turns to rise on beta', 20_000, 200);
    const [calls, shown] = [(await ledger(id))[0]!.calls, await turnsNow()];
    expect(shown).toBeGreaterThanOrEqual(calls - 1);
    expect(shown).toBeLessThanOrEqual(calls + 1);

    // alpha has the transcript: its card lists the tool calls.
    const alphaCard = cardOf(await listed(alpha.url), id)!.html;
    expect(alphaCard).toContain('<code>read_file</code>');
    expect(alphaCard).not.toContain('in its transcript on node');

    // The transcript page: on alpha, each call folded; on beta, which node has it.
    const onAlpha = await (await fetch(`${alpha.url}/tasks/${id}`, { headers: { cookie } })).text();
    expect(onAlpha).toContain('<details class="tool-call"><summary><code>read_file</code>');
    expectNoMarkup(onAlpha);
    const onBeta = await (await fetch(`${beta.url}/tasks/${id}`, { headers: { cookie } })).text();
    expect(onBeta).toContain(`Node alpha ran this task: its transcript, what the agent said and each tool call, is <code>agent/${id}.jsonl</code> under that node's home, not on this node's disk.`);
    expect(onBeta).not.toContain('Nothing said yet.');
    expectNoMarkup(onBeta);
    expect((await fetch(`${beta.url}/tasks/no-such-task`, { headers: { cookie } })).status).toBe(404);

    // In Chromium, for a person (test/artifacts/team-tasks-*): beta's card of alpha's task and the transcript page naming alpha, live, light and dark, no serious axe finding.
    const browser = await loggedIn(chrome.browser, beta, betaHome);
    await browser.page.goto(`${beta.url}/tasks`);
    const card = browser.page.locator(`#task-${id}`);
    const turnsShown = async () => Number(/^(\d+) of 500$/.exec((await card.locator('[data-field="turns"]').textContent()) ?? '')?.[1] ?? -1);
    const before = await turnsShown();
    await expect.poll(turnsShown, { timeout: 15_000 }).toBeGreaterThan(before);
    expect(await card.locator('[data-field="tools"]').textContent()).toBe('in its transcript on node alpha');
    expect(await browser.page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await lightAndDark(browser.page, 'beta /tasks', path.join(ARTIFACTS, 'team-tasks-elsewhere-390'))).toEqual([]);
    await browser.page.goto(`${beta.url}/tasks/${id}`);
    expect(await lightAndDark(browser.page, 'beta /tasks/:id', path.join(ARTIFACTS, 'team-transcript-elsewhere-390'))).toEqual([]);
    expect(browser.errors).toEqual([]);
    await browser.context.close();

    // The live stream (the session's): the list at once, the card with this session's CSRF token in its Cancel form.
    const stream = new AbortController();
    const res = await fetch(`${beta.url}/api/tasks/stream`, { headers: { cookie }, signal: stream.signal });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const reader = res.body!.getReader();
    let text = '';
    while (!/event: tasks\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    stream.abort();
    const streamed = JSON.parse(/event: tasks\ndata: (.*)\n\n/.exec(text)![1]!) as { tasks: { id: string; state: string; html: string }[] };
    expect(cardOf(streamed, id)).toMatchObject({ state: 'running' });
    expect(cardOf(streamed, id)!.html).toContain(`<input type="hidden" name="_csrf" value="${csrf}">`);

    // Cancel on beta: without the form's CSRF token refused; with it, the team's flag, and alpha's worker stops the task.
    const cancel = (body: string) => fetch(`${beta.url}/tasks/${id}/cancel`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });
    const forged = await cancel('');
    expect([forged.status, ((await forged.json()) as { code: string }).code]).toEqual([403, 'VIGIL_ERR_CSRF']);
    expect((await task())[0]!.state).toBe('running');
    const asked = await cancel(new URLSearchParams({ _csrf: csrf }).toString());
    expect([asked.status, asked.headers.get('location')]).toEqual([303, `/tasks?cancelled=${id}`]);
    const stopping = await (await fetch(`${beta.url}${asked.headers.get('location')}`, { headers: { cookie } })).text();
    expect(stopping).toContain(`Asked ${id} to stop: it ends at its next step.`);
    await waitFor(async () => (await task())[0]?.state === 'failed', 'the task to stop on alpha', 30_000, 200);
    expect((await task())[0]!.error).toContain('cancelled by the owner');
    const requested = (await db.sql<{ node: string; line: string }>(`SELECT node, line FROM log_entries WHERE type = 'agent.cancel_requested'`)).rows;
    expect(requested.map((r) => [r.node, JSON.parse(r.line).actionId])).toEqual([['beta', id]]);

    // The end, on beta: stopped, why, no Cancel; a second cancel is refused as on a single daemon.
    const ended = await (await fetch(`${beta.url}/tasks`, { headers: { cookie } })).text();
    expect(ended).toContain(`<li class="task state-failed" id="task-${id}" data-id="${id}" data-state="failed">`);
    expect(ended).toMatch(/<p class="error">[^<]*cancelled by the owner/);
    expect(ended).not.toContain(`action="/tasks/${id}/cancel"`);
    const again = await cancel(new URLSearchParams({ _csrf: csrf }).toString());
    expect([again.status, ((await again.json()) as { message: string }).message]).toEqual([400, `invalid command line: ${id} is failed, not running`]);

    // The team's dream, whichever node dreamt it: its report on beta's page, with the node whose chain has it.
    const dreamt = await runCliAsync(alphaHome, ['dream', '--now']);
    expect(dreamt.status, dreamt.stderr).toBe(0);
    const end = (await db.sql<{ node: string; line: string }>(`SELECT node, line FROM log_entries WHERE type = 'dream.finished'`)).rows;
    expect(end).toHaveLength(1);
    const report = JSON.parse(end[0]!.line) as { ts: string; added: number; entriesRead: number };
    const dreamPage = await (await fetch(`${beta.url}/tasks`, { headers: { cookie } })).text();
    expect(dreamPage).toContain(`<dl class="status" data-dream="finished"><div><dt>Finished</dt><dd>${report.ts.slice(0, 16).replace('T', ' ')} UTC on node ${end[0]!.node}</dd></div><div><dt>Facts added</dt><dd>${report.added}</dd></div>`);
    expect(dreamPage).toContain(`<dt>Log entries read</dt><dd>${report.entriesRead}</dd>`);
  }, 240_000);
});
