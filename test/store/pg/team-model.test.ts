/**
 * Team nodes deciding with a model provider (issue 19), as real processes on a real
 * PostgreSQL cluster: the real Anthropic SDK against the fake Messages API, the real
 * `openai` client against the fake Chat API, the node's worker against the fake GitHub.
 * Each event is decided once across nodes (one model call per event), its proposals
 * judged by the policy and the allowed ones carried out once; the prompt's thread memory
 * and recent activity come from PostgreSQL; rules first make no call; a node killed
 * while its call runs leaves the event to the other node, and only once its lease lapses.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeHome, runCli, sleep, startDaemon, writeConfig, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { firstUserText } from '../../fakes/fake-anthropic.mjs';
import { FakeOpenAI } from '../../fakes/fake-openai.mjs';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { startedFakeAnthropic, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const KEY = 'sk-ant-TEAM-FAKE-KEY-must-never-leak';

/** Comments are allowed on the watched repositories, closing is refused. */
const PERMISSIONS = {
  mode: 'auto',
  rules: [
    { action: 'github.comment', repo: 'octo/*', decision: 'allow' },
    { action: 'github.close', decision: 'deny' },
  ],
};

const opened = (n: number) =>
  JSON.stringify({ action: 'opened', issue: { number: n, title: `ticket-${n}`, state: 'open' }, repository: { full_name: REPO }, sender: { login: 'someone' } });
const commented = (n: number) =>
  JSON.stringify({ action: 'created', issue: { number: n, title: `ticket-${n}`, state: 'open' }, comment: { id: 77, body: 'any news?' }, repository: { full_name: REPO }, sender: { login: 'someone' } });

/** The event's part of a prompt: where the ticket's number is (the context may name other tickets). */
function eventSection(text: string): string {
  const start = text.indexOf('# Event');
  return text.slice(start, text.indexOf('# Context', start));
}
const ticketOf = (text: string) => Number(/ticket-(\d+)/.exec(eventSection(text))?.[1] ?? NaN);

/** Which node called: each has a key of its own (the SDK sends it as x-api-key or as a bearer token, by version). */
const keyOf = (record: { headers: Record<string, string | string[] | undefined> }) =>
  String(record.headers['x-api-key'] ?? record.headers.authorization ?? '').replace(/^Bearer /, '');

/** The scripted model: a comment on every ticket, and for odd ones a close the policy refuses. */
function decideTicket(n: number) {
  const comment = { action: 'github.comment', params: { repo: REPO, number: n, body: `Looked at ticket ${n}` }, rationale: 'answer' };
  const close = { action: 'github.close', params: { repo: REPO, number: n }, rationale: 'stale' };
  return { act: true, summary: `ticket ${n} needs an answer`, proposals: n % 2 ? [comment, close] : [comment] };
}

describe.runIf(PG.available)('team nodes deciding with a model (real processes, real SDKs, real cluster)', () => {
  const cluster = usePostgres('team_model');
  const db = useFreshDatabase(cluster, 'team_model');
  const { daemons, stops } = useTeamProcesses();

  const fakeAnthropic = () => startedFakeAnthropic(stops);
  const fakeGithub = async (issues: number[]) => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    stops.push(() => fake.stop());
    for (const number of issues) fake.addIssue(REPO, { number });
    return fake;
  };

  const node = async (name: string, config: Record<string, unknown>, env: NodeJS.ProcessEnv, leaseSeconds = 30) => {
    const home = makeHome({ store: { url: db.url, leaseSeconds }, permissions: PERMISSIONS, ...config });
    const daemon = await startDaemon(home, env, 40_000, ['--node', name]);
    daemons.push(daemon);
    return { home, daemon, secret: webhookSecret(home), name };
  };
  const post = (n: { daemon: RunningDaemon; secret: string }, body: string, event = 'issues') =>
    postDelivery(n.daemon.url, n.secret, body, { event, deliveryId: crypto.randomUUID() });

  const count = async (sql: string, params: unknown[] = []) => Number((await db.sql<{ n: string }>(sql, params)).rows[0]!.n);
  const waitUntil = (probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000) => waitFor(probe, what, timeoutMs);

  it('two nodes, deliveries spread over both: each event decided once with one model call, the proposals judged by the policy, each allowed comment posted once; usage per call in model_usage and vigil status; vigil\'s own comment coming back is set aside without a call', async () => {
    const model = await fakeAnthropic();
    model.respond = (body) => ({ decide: decideTicket(ticketOf(firstUserText(body))) });
    const TICKETS = [1, 2, 3, 4, 5, 6];
    const github = await fakeGithub(TICKETS);
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url };
    const config = { model: { provider: 'anthropic', timeoutSeconds: 10 } };
    const alpha = await node('alpha', config, env);
    const beta = await node('beta', config, env);
    const answers = await Promise.all(TICKETS.map((n) => post(n % 2 ? alpha : beta, opened(n))));
    expect(answers.map((a) => a.status)).toEqual(TICKETS.map(() => 202));

    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM actions WHERE state = 'succeeded'`)) === TICKETS.length, 'every comment posted');
    // One call per event across both nodes, and one decision.
    expect(model.calls.map((c) => ticketOf(firstUserText(c.body))).sort()).toEqual(TICKETS);
    const decisions = (await db.sql<{ summary: string; model: string; decided_by: string; subject: string }>('SELECT summary, model, decided_by, subject FROM decisions ORDER BY event_id')).rows;
    expect(decisions).toHaveLength(TICKETS.length);
    for (const d of decisions) {
      expect(d.model).toBe('claude-sonnet-4-6');
      expect(['alpha', 'beta']).toContain(d.decided_by);
    }
    expect(decisions.map((d) => d.subject).sort()).toEqual(TICKETS.map((n) => `${REPO}#${n}`).sort());
    // The policy judged each proposal: comments allowed and run, closes refused.
    const states = (await db.sql<{ action: string; state: string; n: string }>('SELECT action, state, count(*) AS n FROM actions GROUP BY action, state ORDER BY action')).rows;
    expect(states.map((s) => [s.action, s.state, Number(s.n)])).toEqual([
      ['github.close', 'denied', 3],
      ['github.comment', 'succeeded', 6],
    ]);
    // Each comment once on GitHub, on its own issue.
    for (const n of TICKETS) expect(github.issue(REPO, n)!.comments.map((c) => c.body.split('\n')[0])).toEqual([`Looked at ticket ${n}`]);
    expect(github.calls('POST', /\/issues\/\d+\/comments$/)).toHaveLength(TICKETS.length);

    // Tokens: one usage row per call, and vigil status adds them up for the team.
    // With tools offered the prompt carries a cache breakpoint: its tokens are cache writes as much as plain input.
    expect(await count(`SELECT count(*) AS n FROM model_usage WHERE purpose = 'event' AND input_tokens + cache_creation_tokens > 0 AND output_tokens > 0`)).toBe(TICKETS.length);
    const status = JSON.parse(runCli(alpha.home, ['status', '--json']).stdout) as { usageToday: { model: string; purpose: string; calls: number; inputTokens: number; cacheCreationTokens: number }[] };
    expect(status.usageToday).toEqual([expect.objectContaining({ model: 'claude-sonnet-4-6', purpose: 'event', calls: TICKETS.length })]);
    expect(status.usageToday[0]!.inputTokens + status.usageToday[0]!.cacheCreationTokens).toBeGreaterThan(0);
    const made = (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'decision.made'`)).rows.map((r) => JSON.parse(r.line) as { usage?: { inputTokens: number; cacheCreationTokens: number } });
    expect(made.every((m) => (m.usage?.inputTokens ?? 0) + (m.usage?.cacheCreationTokens ?? 0) > 0)).toBe(true);
    // The key went to the API and nowhere else.
    expect(model.calls.every((c) => !c.raw.includes(KEY))).toBe(true);
    const lines = (await db.sql<{ line: string }>('SELECT line FROM log_entries')).rows.map((r) => r.line).join('');
    expect(lines).not.toContain(KEY);

    // vigil's own comment comes back as a delivery (to the other node): set aside as its own, no model call.
    const posted = github.issue(REPO, 2)!.comments[0]!.body;
    const echo = JSON.stringify({ action: 'created', issue: { number: 2, title: 'ticket-2' }, comment: { id: 5, body: posted }, repository: { full_name: REPO }, sender: { login: 'vigil-bot' } });
    expect((await post(alpha, echo, 'issue_comment')).status).toBe(202);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'event.own'`)) === 1, 'the echo set aside');
    expect((await db.sql<{ state: string }>(`SELECT state FROM inbox WHERE kind = 'github.issue_comment.created'`)).rows).toEqual([{ state: 'filtered' }]);
    const own = JSON.parse((await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'event.own'`)).rows[0]!.line) as { reason: string };
    expect(own.reason).toMatch(/^its text carries the marker of vigil's action \w+$/);
    expect(model.calls).toHaveLength(TICKETS.length);
  }, 120_000);

  it('vigil\'s login learnt from its first write on one node: a later delivery that login sends to the other node is set aside as its own, with no call; before any write the same sender is decided', async () => {
    const model = await fakeAnthropic();
    model.respond = (body) => ({ decide: decideTicket(ticketOf(firstUserText(body))) });
    const github = await new FakeGithub({ tokens: [TOKEN], login: 'vigil-bot' }).start();
    stops.push(() => github.stop());
    for (const n of [1, 2]) github.addIssue(REPO, { number: n });
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url };
    // The owner is someone else: a login that is not the owner's and writes vigil's comments is vigil's own.
    const config = { model: { provider: 'anthropic', timeoutSeconds: 10 }, github: { ownerLogin: 'the-owner', coalesceSeconds: 0 } };
    const alpha = await node('alpha', config, env);
    const beta = await node('beta', config, env);
    const labeled = (n: number, label: string) =>
      JSON.stringify({ action: 'labeled', issue: { number: n, title: `ticket-${n}`, state: 'open' }, label: { name: label }, repository: { full_name: REPO }, sender: { login: 'vigil-bot' } });

    // Before vigil wrote anything, nothing says vigil-bot is vigil: decided like anyone's.
    expect((await post(beta, labeled(1, 'bug'), 'issues')).status).toBe(202);
    await waitUntil(() => model.calls.length === 1, 'the first delivery decided');
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM actions WHERE state = 'succeeded'`)) === 1, 'its comment posted');
    await waitUntil(async () => (await db.sql<{ login: string | null }>('SELECT acting_login AS login FROM team')).rows[0]?.login === 'vigil-bot', 'the login kept for the team');

    // Now the same sender, to the other node, on another issue and a label vigil never added: its own by sender.
    expect((await post(alpha, labeled(2, 'needs-info'), 'issues')).status).toBe(202);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'event.own'`)) === 1, 'the delivery set aside');
    const own = JSON.parse((await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'event.own'`)).rows[0]!.line) as { reason: string };
    expect(own.reason).toBe('sent by vigil-bot, the login vigil acts as');
    expect(model.calls).toHaveLength(1);
    // The owner's own delivery is still news.
    const byOwner = labeled(2, 'wontfix').replace('"vigil-bot"', '"the-owner"');
    expect((await post(alpha, byOwner, 'issues')).status).toBe(202);
    await waitUntil(() => model.calls.length === 2, 'the owner\'s delivery decided');
  }, 120_000);

  it('a second event on the same issue (openai-compatible provider): its prompt lists the first decision, its comment with the link it left, and the refused close, read from PostgreSQL', async () => {
    const model = new FakeOpenAI();
    await model.start();
    stops.push(() => model.stop());
    const prompts: string[] = [];
    model.respond = (body: { messages: { content: unknown }[] }) => {
      const text = body.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
      prompts.push(text);
      return { decide: /any news\?/.test(eventSection(text)) ? { act: false, summary: 'already answered', proposals: [] } : decideTicket(ticketOf(text)) };
    };
    const github = await fakeGithub([7]);
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: model.url, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url };
    const alpha = await node('alpha', { model: { provider: 'openai', model: 'qwen2.5:14b', timeoutSeconds: 10 } }, env);

    expect((await post(alpha, opened(7))).status).toBe(202);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM actions WHERE state = 'succeeded'`)) === 1, 'the comment posted');
    const url = github.issue(REPO, 7)!.comments[0]!.html_url;
    const { id: commentAction } = (await db.sql<{ id: string }>(`SELECT id FROM actions WHERE action = 'github.comment'`)).rows[0]!;
    const { id: closeAction } = (await db.sql<{ id: string }>(`SELECT id FROM actions WHERE action = 'github.close'`)).rows[0]!;

    expect((await post(alpha, commented(7), 'issue_comment')).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 2, 'the second decision');
    expect(prompts).toHaveLength(2);
    const [first, second] = prompts as [string, string];
    expect(first).not.toContain('Earlier on this subject');
    const thread = second.slice(second.indexOf('# Earlier on this subject'), second.indexOf('# Recent activity'));
    expect(thread).toContain('subject: octo/app#7');
    expect(thread).toMatch(/decided github\.issues\.opened: ticket 7 needs an answer/);
    expect(thread).toContain(`github.comment ${commentAction} "Looked at ticket 7" → done: ${url}`);
    expect(thread).toContain(`github.close ${closeAction} → refused by the policy`);
    // The team's recent activity, from log_entries: the first decision and the comment's link.
    const activity = second.slice(second.indexOf('# Recent activity'));
    expect(activity).toContain('decided github.issues.opened on octo/app#7: ticket 7 needs an answer → github.comment, github.close');
    expect(activity).toContain(`github.comment on octo/app#7 done ${url}`);
    const decided = (await db.sql<{ model: string }>('SELECT model FROM decisions ORDER BY id')).rows.map((r) => r.model);
    expect(decided).toEqual(['qwen2.5:14b', 'qwen2.5:14b']);
  }, 120_000);

  it('investigation tools on a node: the model reads the issue thread through the node\'s worker (which alone holds the token), then decides; the call is logged decision.tool', async () => {
    const model = await fakeAnthropic();
    const github = await fakeGithub([]);
    github.addIssue(REPO, { number: 11, title: 'Printer on fire', body: 'Smoke since the last deploy.' });
    model.respond = (body: { messages: unknown[]; tools?: { name: string }[] }) => {
      const answered = JSON.stringify(body.messages).includes('tool_result');
      return answered ? { decide: { act: false, summary: 'read the thread: a printer', proposals: [] } } : { calls: [{ name: 'github_thread', input: { repo: REPO, number: 11 } }] };
    };
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url };
    const alpha = await node('alpha', { model: { provider: 'anthropic', timeoutSeconds: 10 } }, env);
    expect((await post(alpha, opened(11))).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 1, 'the decision');

    expect(model.calls).toHaveLength(2);
    const offered = (model.calls[0]!.body as { tools: { name: string }[] }).tools.map((t) => t.name).sort();
    // GitHub, the team's memory and vigil's history; no clone is watched here, so no repository tools.
    expect(offered).toEqual(['decide', 'github_check_logs', 'github_labels', 'github_pr_diff', 'github_search', 'github_thread', 'memory_search', 'memory_view', 'vigil_history']);
    // The worker answered the read from GitHub; the node, holding no token, fenced it into the next request.
    const second = JSON.stringify(model.calls[1]!.body.messages);
    expect(second).toContain('Printer on fire');
    expect(second).toContain('Smoke since the last deploy.');
    expect(github.calls('GET', /\/repos\/octo\/app\/issues\/11$/).length).toBeGreaterThan(0);
    expect(second).not.toContain(TOKEN);
    const tools = (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'decision.tool'`)).rows.map((r) => JSON.parse(r.line) as { tool: string; eventId: number; error?: boolean });
    expect(tools).toEqual([expect.objectContaining({ tool: 'github_thread', eventId: 1 })]);
    expect(tools[0]!.error).toBeUndefined();
    const made = (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'decision.made'`)).rows.map((r) => JSON.parse(r.line) as { summary: string; toolCalls: number });
    expect(made).toEqual([expect.objectContaining({ summary: 'read the thread: a printer', toolCalls: 1 })]);
  }, 120_000);

  it('memory tools on a node: memory_view reads the newest version of a team memory file, memory_search finds an earlier event, a path out of the memory folder is refused', async () => {
    const model = await fakeAnthropic();
    const alpha = await node('alpha', { model: { provider: 'anthropic', timeoutSeconds: 10 } }, { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url });
    await db.sql(
      `INSERT INTO memory_files (path, version, content, written_at, written_by) VALUES
         ('topics/printers.md', 1, '# Printers\n- an old guess: paper jams\n', 1, 'dream'),
         ('topics/printers.md', 2, '# Printers\n- the third-floor printer smokes after each deploy (event 1)\n', 2, 'dream'),
         ('topics/gone.md', 1, 'removed since', 1, 'dream'),
         ('topics/gone.md', 2, NULL, 2, 'dream')`,
    );
    const printer = JSON.stringify({ action: 'opened', issue: { number: 10, title: 'ticket-10', body: 'The printer is smouldering again', state: 'open' }, repository: { full_name: REPO }, sender: { login: 'someone' } });
    model.respond = (body: { messages: unknown[] }) => {
      if (ticketOf(firstUserText(body)) === 10) return { decide: { act: false, summary: 'a printer', proposals: [] } };
      return JSON.stringify(body.messages).includes('tool_result')
        ? { decide: { act: false, summary: 'remembered the printer', proposals: [] } }
        : { calls: [
          { name: 'memory_view', input: { path: 'topics/printers.md' } },
          { name: 'memory_search', input: { query: 'smouldering' } },
          { name: 'memory_view', input: { path: '/memories' } },
          { name: 'memory_view', input: { path: '../secrets.json' } },
        ] };
    };
    expect((await post(alpha, printer)).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 1, 'the first decision');
    expect((await post(alpha, opened(11))).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 2, 'the second decision');

    const results = (model.calls.at(-1)!.body.messages as Array<{ content: unknown }>).flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .filter((c: { type?: string }) => c.type === 'tool_result') as Array<{ content: unknown; is_error?: boolean }>;
    const text = results.map((r) => JSON.stringify(r.content));
    expect(text).toHaveLength(4);
    // The newest version, with line numbers; the old one is history.
    expect(text[0]).toContain('the third-floor printer smokes after each deploy');
    expect(text[0]).not.toContain('paper jams');
    // The earlier delivery, found in the team's inbox by the node's own index.
    expect(text[1]).toMatch(/event 1\b/);
    expect(text[1]).toContain('smouldering');
    // The folder lists what the team has now: not the removed file.
    expect(text[2]).toContain('printers.md');
    expect(text[2]).not.toContain('gone.md');
    // The memory tool's own boundary: nothing outside the memory folder.
    expect(results[3]!.is_error).toBe(true);
    expect(text[3]).not.toContain('webhookSecret');
    const tools = (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'decision.tool'`)).rows.map((r) => (JSON.parse(r.line) as { tool: string }).tool);
    expect(tools.sort()).toEqual(['memory_search', 'memory_view', 'memory_view', 'memory_view']);
  }, 120_000);

  it('model.skipEvents and a rule marked "decide": "rules": no model call at all; the rule proposes through the policy', async () => {
    const model = await fakeAnthropic();
    const rules = [{ name: 'triage-bot', on: 'github.issues.opened', decide: 'rules', propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'Rule says hi.' } } }];
    const alpha = await node('alpha', { model: { provider: 'anthropic', skipEvents: ['github.issues.labeled'] }, rules }, { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url });
    const labeled = JSON.stringify({ action: 'labeled', issue: { number: 3 }, label: { name: 'bug' }, repository: { full_name: REPO }, sender: { login: 'someone' } });
    expect((await post(alpha, labeled)).status).toBe(202);
    expect((await post(alpha, opened(4))).status).toBe(202);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state IN ('decided', 'filtered')`)) === 2, 'both events taken');

    const inbox = (await db.sql<{ kind: string; state: string }>('SELECT kind, state FROM inbox ORDER BY id')).rows;
    expect(inbox).toEqual([
      { kind: 'github.issues.labeled', state: 'filtered' },
      { kind: 'github.issues.opened', state: 'decided' },
    ]);
    const skipped = (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'event.skipped'`)).rows.map((r) => JSON.parse(r.line) as { reason: string });
    expect(skipped.map((s) => s.reason)).toEqual(['model.skipEvents has "github.issues.labeled"']);
    expect((await db.sql<{ model: string }>('SELECT model FROM decisions')).rows).toEqual([{ model: 'rules' }]);
    // Allowed by the policy (the worker has no GitHub token here: what it makes of it is not this test's).
    expect((await db.sql<{ action: string; verdict: string }>('SELECT action, verdict FROM actions')).rows).toEqual([{ action: 'github.comment', verdict: 'allow' }]);
    // A moment more for a stray call to show.
    await sleep(1500);
    expect(model.requests).toHaveLength(0);
    expect(await count('SELECT count(*) AS n FROM model_usage')).toBe(0);
  }, 120_000);

  it('SIGHUP: a node that decided with the rules provider decides with the model after its config names one; a config that does not load is refused and the model kept', async () => {
    const model = await fakeAnthropic();
    model.respond = (body) => ({ decide: { act: false, summary: `model saw ticket ${ticketOf(firstUserText(body))}`, proposals: [] } });
    const rules = [{ name: 'opened', on: 'github.issues.opened', propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'by rule' } } }];
    const alpha = await node('alpha', { rules }, { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url });
    expect((await post(alpha, opened(21))).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 1, 'the rules decision');

    writeConfig(alpha.home, { model: { provider: 'anthropic', timeoutSeconds: 10 } });
    alpha.daemon.proc.kill('SIGHUP');
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'config.reloaded'`)) === 1, 'the reload');
    expect((await post(alpha, opened(22))).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 2, 'the model decision');
    const decided = (await db.sql<{ model: string; summary: string }>('SELECT model, summary FROM decisions ORDER BY id')).rows;
    expect(decided.map((d) => d.model)).toEqual(['rules', 'claude-sonnet-4-6']);
    expect(decided[1]!.summary).toBe('model saw ticket 22');
    expect(model.calls).toHaveLength(1);

    // A config that does not load is refused: the node keeps deciding with the model it had.
    writeConfig(alpha.home, { model: { provider: 'anthropic', timeoutSeconds: 10, baseURL: 'not a url' } });
    alpha.daemon.proc.kill('SIGHUP');
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'config.reload_failed'`)) === 1, 'the refused reload');
    expect((await post(alpha, opened(23))).status).toBe(202);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 3, 'the third decision');
    expect(model.calls).toHaveLength(2);
  }, 120_000);

  it('a node killed while its model call runs: its lease is renewed while the call outlasts it, then the other node decides the event once, after the lease lapses', async () => {
    const model = await fakeAnthropic();
    // alpha's calls never answer; beta's do.
    model.respond = (body, record) => (keyOf(record) === 'key-alpha' ? { hang: true } : { decide: decideTicket(ticketOf(firstUserText(body))) });
    const config = { model: { provider: 'anthropic', timeoutSeconds: 120, retries: 0 } };
    const LEASE = 5;
    const alpha = await node('alpha', config, { ANTHROPIC_API_KEY: 'key-alpha', ANTHROPIC_BASE_URL: model.url }, LEASE);
    expect((await post(alpha, opened(9))).status).toBe(202);
    await waitUntil(() => model.calls.length === 1, 'alpha calling the model');
    const beta = await node('beta', config, { ANTHROPIC_API_KEY: 'key-beta', ANTHROPIC_BASE_URL: model.url }, LEASE);

    // Longer than the lease: alpha renews it while it waits, so beta never takes the event.
    await sleep((LEASE + 2) * 1000);
    expect(model.calls).toHaveLength(1);
    const held = (await db.sql<{ state: string; claimed_by: string }>('SELECT state, claimed_by FROM inbox')).rows;
    expect(held).toEqual([{ state: 'claimed', claimed_by: 'alpha' }]);

    alpha.daemon.proc.kill('SIGKILL');
    const killedAt = Date.now();
    // The lease, a poll, and beta's first call (its SDK loads then); generous, for a loaded machine.
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions')) === 1, 'beta deciding', 60_000);
    expect(Date.now() - killedAt).toBeGreaterThan(1000);
    const decisions = (await db.sql<{ decided_by: string; summary: string }>('SELECT decided_by, summary FROM decisions')).rows;
    expect(decisions).toEqual([{ decided_by: 'beta', summary: 'ticket 9 needs an answer' }]);
    expect(model.calls.map(keyOf)).toEqual(['key-alpha', 'key-beta']);
    expect((await db.sql<{ attempts: number }>('SELECT attempts FROM inbox')).rows).toEqual([{ attempts: 2 }]);
    await sleep(1500);
    expect(await count('SELECT count(*) AS n FROM decisions')).toBe(1);
    expect(beta.daemon.proc.exitCode).toBeNull();
  }, 120_000);
});
