/**
 * The Memory page and log records on a team (issue 19), as real processes on a real
 * cluster: two nodes with one secrets.json. Memory written into the team's `memory_files`
 * (through the store's own write) is read through the other node; the owner's edit posted
 * to one node is a new version of the topic's row, its `memory.edited` line on that node's
 * chain, read back through the other; a record of one node's chain (`/log?node=&day=&seq=`)
 * is shown by the other; third-party text — an issue's title in a decision's line, a fact
 * holding markup — is text, never markup; no session: to /login; no CSRF: 403.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopic, renderIndex } from '../../../src/memory/index.js';
import { makeHome, runCli, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { dashboardToken, login } from '../../web/helpers.js';
import { seedTeamTopic, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

/** An issue's title as a stranger wrote it, in a notification's title: the decision's line carries it. */
const HOSTILE = '<script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2">';
const RULES = [{ name: 'tell', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened: {{payload.issue.title}}', body: 'x' } } }];

/** What a page must never hold of HOSTILE: an element or a handler in a tag. (The page's own script tag is `<script src=…>`.) */
function expectNoMarkup(html: string): void {
  expect(html).not.toContain('<script>');
  expect(html).not.toMatch(/<img\b/i);
  // No tag with an event handler among its attributes: escaped text opens no tag, and a
  // quoted attribute value (the edit form's copy of the fact) is the value's, not an attribute.
  const handlers = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0].replace(/"[^"]*"/g, '""')).filter((tag) => /\son[a-z]+\s*=/i.test(tag));
  expect(handlers).toEqual([]);
}

describe.runIf(PG.available)('the Memory page and log records on a team node (real processes, real cluster)', () => {
  const cluster = usePostgres('team_pages');
  const db = useFreshDatabase(cluster, 'pages');
  const { daemons } = useTeamProcesses();

  const team = async () => {
    const config = { store: { url: db.url, leaseSeconds: 5 }, rules: RULES };
    const alphaHome = makeHome(config);
    const betaHome = makeHome(config);
    fs.copyFileSync(path.join(alphaHome, 'secrets.json'), path.join(betaHome, 'secrets.json'));
    const alpha = await startDaemon(alphaHome, {}, 90_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const beta = await startDaemon(betaHome, {}, 90_000, ['--node', 'beta']);
    daemons.push(beta);
    return { alpha: { home: alphaHome, url: alpha.url }, beta: { home: betaHome, url: beta.url } };
  };

  const record = async (where: string, params: unknown[]) => {
    const row = (await db.sql<{ node: string; day: string; seq: string; line: string }>(`SELECT node, day, seq, line FROM log_entries WHERE ${where} ORDER BY ts, node, seq LIMIT 1`, params)).rows[0];
    return row ? { node: row.node, day: row.day, seq: Number(row.seq), entry: JSON.parse(row.line) as Record<string, unknown> } : undefined;
  };
  const topicRows = async () =>
    (await db.sql<{ version: number; content: string | null; written_by: string }>(`SELECT version, content, written_by FROM memory_files WHERE path = 'topics/octo-app.md' ORDER BY version`)).rows;
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const post = (url: string, cookie: string, body: string) =>
    fetch(`${url}/memory/facts`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('memory written into the team is read through the other node, an edit through either is a new version read by both; a record of one chain is shown by the other; markup is text', async () => {
    const { alpha, beta } = await team();
    await waitFor(async () => (await record(`node = 'alpha' AND type = 'daemon.started'`, [])) !== undefined, "alpha's daemon.started", 10_000);
    const started = (await record(`node = 'alpha' AND type = 'daemon.started'`, []))!;

    // The team's memory, written through the store's own write (as a dream or `memory.note` write it).
    const topic = [
      '# octo/app',
      '',
      '- The default branch of octo/app is `main`.',
      `  - source: log alpha/${started.day}#${started.seq}`,
      '  - confirmed: 2026-01-02',
      `- Issue title said ${HOSTILE} and [click](javascript:window.pwned=3).`,
      '  - source: log 2026-01-03#7',
      '  - confirmed: 2026-01-03',
      '',
    ].join('\n');
    await seedTeamTopic(db.url, 'octo-app', topic, '2026-01-03');

    // No session: every page sends the browser to /login, and the form writes nothing.
    for (const route of ['/memory', '/memory?topic=octo-app', `/log?node=alpha&day=${started.day}&seq=${started.seq}`]) {
      const res = await fetch(`${beta.url}${route}`, { redirect: 'manual' });
      expect([route, res.status, res.headers.get('location')]).toEqual([route, 303, '/login']);
    }
    const anonymous = await fetch(`${beta.url}/memory/facts`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ topic: 'octo-app', index: '1', op: 'delete', was: 'x' }) });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([303, '/login']);

    // Logged in through alpha, read through beta: the index, the topics, the nav's link.
    const { cookie, csrf } = await login(alpha.url, dashboardToken(alpha.home));
    const index = await (await fetch(`${beta.url}/memory`, { headers: { cookie } })).text();
    expect(index).toContain('<title>Memory · vigil</title>');
    expect(index).toContain('<a href="/memory" aria-current="page">Memory</a>');
    expect(index).toContain('<a href="/memory?topic=octo-app">octo-app</a>');
    expect(index).toContain('<a href="/tasks">Tasks</a>');
    // The Team page links the Memory page too.
    expect(await (await fetch(`${beta.url}/`, { headers: { cookie } })).text()).toContain('<a href="/memory">Memory</a>');

    const page = await fetch(`${beta.url}/memory?topic=octo-app`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('The default branch of octo/app is <code>main</code>.');
    expect(html).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt; and &lt;img src=x onerror=&quot;window.pwned = 2&quot;&gt;');
    expectNoMarkup(html);
    expect(html).not.toContain('href="javascript');
    // The fact's source links its record in alpha's chain; the edit forms carry the session's token.
    expect(html).toContain(`<a href="/log?node=alpha&amp;day=${started.day}&amp;seq=${started.seq}">log alpha/${started.day}#${started.seq}</a>`);
    expect(html).toContain(`<input type="hidden" name="_csrf" value="${csrf}">`);

    // Alpha's record, shown by beta.
    const shown = await fetch(`${beta.url}/log?node=alpha&day=${started.day}&seq=${started.seq}`, { headers: { cookie } });
    expect(shown.status).toBe(200);
    const shownHtml = await shown.text();
    expect(shownHtml).toContain(`<h2>Log record alpha/${started.day} #${started.seq}</h2>`);
    expect(shownHtml).toContain('daemon.started');
    // Its day's timeline, every node's, on the Team page.
    expect(shownHtml).toContain(`<a href="/?day=${started.day}">That day's timeline</a>`);

    // A form without the session's CSRF token: 403, nothing written.
    const before = await topicRows();
    const forged = await post(beta.url, cookie, form({ topic: 'octo-app', index: '1', op: 'delete', was: `Issue title said ${HOSTILE} and [click](javascript:window.pwned=3).` }));
    expect(forged.status).toBe(403);
    expect((await forged.json()) as { code: string }).toMatchObject({ code: 'VIGIL_ERR_CSRF' });
    expect(await topicRows()).toEqual(before);

    // The owner's edit through beta: a new version of the topic's row, by beta, read through alpha.
    const edited = await post(beta.url, cookie, form({ _csrf: csrf, topic: 'octo-app', index: '0', op: 'edit', was: 'The default branch of octo/app is `main`.', text: 'The default branch of octo/app is `trunk`.' }));
    expect([edited.status, edited.headers.get('location')]).toEqual([303, '/memory?topic=octo-app&done=edit#fact-0']);
    const rows = await topicRows();
    expect(rows.map((r) => [r.version, r.written_by])).toEqual([[1, 'seed'], [2, 'beta']]);
    expect(rows[1]!.content).toContain('- The default branch of octo/app is `trunk`.\n  - source: owner ');
    expect(rows[1]!.content).toContain(`  - supersedes: The default branch of octo/app is \`main\`. (log alpha/${started.day}#${started.seq})`);
    const index2 = (await db.sql<{ content: string }>(`SELECT content FROM memory_files WHERE path = 'MEMORY.md' ORDER BY version DESC LIMIT 1`)).rows[0]!.content;
    expect(index2).toBe(renderIndex([parseTopic('octo-app', rows[1]!.content!, started.day)]));
    // Its line on beta's chain names the version `vigil memory history` lists for what it replaced.
    const editLine = (await record(`type = 'memory.edited'`, []))!;
    expect(editLine.node).toBe('beta');
    const history = runCli(alpha.home, ['memory', 'history', 'topics/octo-app.md', '--json']);
    expect(history.status, history.stderr).toBe(0);
    const versions = (JSON.parse(history.stdout) as { versions: { version: string }[] }).versions;
    expect(editLine.entry).toMatchObject({ file: 'topics/octo-app.md', op: 'edit', index: 0, fact: 'The default branch of octo/app is `main`.', version: versions[0]!.version });
    const afterEdit = await (await fetch(`${alpha.url}/memory?topic=octo-app&done=edit`, { headers: { cookie } })).text();
    expect(afterEdit).toContain('<p class="notice" role="status">Saved: the fact is in its topic file, the old version in history.</p>');
    expect(afterEdit).toContain('The default branch of octo/app is <code>trunk</code>.');

    // What the page showed is no longer there: refused on the page, nothing written.
    const stale = await post(alpha.url, cookie, form({ _csrf: csrf, topic: 'octo-app', index: '0', op: 'delete', was: 'The default branch of octo/app is `main`.' }));
    expect(stale.status).toBe(409);
    const staleHtml = await stale.text();
    expect(staleHtml).toContain('<p class="notice" role="status">Nothing was written: the fact changed since the page showed it');
    expect(staleHtml).toContain('fact #1 of topics/octo-app.md reads differently now</p>');
    expect(await topicRows()).toHaveLength(2);

    // The hostile fact deleted through alpha: its text is in alpha's `memory.edited` line, which beta shows as text.
    const deleted = await post(alpha.url, cookie, form({ _csrf: csrf, topic: 'octo-app', index: '1', op: 'delete', was: `Issue title said ${HOSTILE} and [click](javascript:window.pwned=3).` }));
    expect([deleted.status, deleted.headers.get('location')]).toEqual([303, '/memory?topic=octo-app&done=delete#topic']);
    expect((await topicRows()).at(-1)!.content).not.toContain('pwned');
    const deleteLine = (await record(`type = 'memory.edited' AND node = 'alpha'`, []))!;
    expect(deleteLine.entry.fact).toContain(HOSTILE);
    const deleteHtml = await (await fetch(`${beta.url}/log?node=alpha&day=${deleteLine.day}&seq=${deleteLine.seq}`, { headers: { cookie } })).text();
    expect(deleteHtml).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;');
    expectNoMarkup(deleteHtml);

    // An issue's title in the decision's line of whichever node decided it, shown by the other node as text.
    expect((await postDelivery(alpha.url, webhookSecret(alpha.home), JSON.stringify({ action: 'opened', issue: { number: 7, title: HOSTILE }, repository: { full_name: 'octo/app' }, sender: { login: 'stranger' } }), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitFor(async () => (await record(`type = 'decision.made'`, [])) !== undefined, 'the decision', 60_000);
    const decision = (await record(`type = 'decision.made'`, []))!;
    expect(JSON.stringify(decision.entry)).toContain(HOSTILE.slice(0, 20));
    const other = decision.node === 'alpha' ? beta : alpha;
    const decisionPage = await fetch(`${other.url}/log?node=${decision.node}&day=${decision.day}&seq=${decision.seq}`, { headers: { cookie } });
    expect(decisionPage.status).toBe(200);
    const decisionHtml = await decisionPage.text();
    expect(decisionHtml).toContain(`<h2>Log record ${decision.node}/${decision.day} #${decision.seq}</h2>`);
    // `vigil log`'s rendering, the params cut short: the title's opening is there, as text.
    expect(decisionHtml).toContain('opened: &lt;script&gt;window.pwned = 1&lt;/script');
    expectNoMarkup(decisionHtml);

    // The search (`vigil memory search` on a team) through beta: memory's lines, and every chain and the inbox, each hit a link or text.
    const search = await (await fetch(`${beta.url}/memory?q=pwned`, { headers: { cookie } })).text();
    expect(search).toContain(`<a href="/log?node=alpha&amp;day=${deleteLine.day}&amp;seq=${deleteLine.seq}">log alpha/${deleteLine.day}#${deleteLine.seq}</a>`);
    expect(search).toMatch(/In the logs: [1-9]\d* hit\(s\)/);
    expect(search).toContain('&lt;script&gt;');
    expectNoMarkup(search);
    // Punctuation alone is nothing to search for: no hits, no error.
    const punctuation = await fetch(`${beta.url}/memory?q=${encodeURIComponent('"*')}`, { headers: { cookie } });
    expect(punctuation.status).toBe(200);
    expect(await punctuation.text()).toContain('In the logs: 0 hit(s)');

    // A home's address (no node): that record of every chain of the day, each under its node.
    const holders = (await db.sql<{ node: string }>('SELECT node FROM log_entries WHERE day = $1 AND seq = $2 ORDER BY node', [started.day, started.seq])).rows.map((r) => r.node);
    expect(holders).toContain('alpha');
    const unnamed = await (await fetch(`${beta.url}/log?day=${started.day}&seq=${started.seq}`, { headers: { cookie } })).text();
    expect([...unnamed.matchAll(/<h2>Log record ([a-z]+)\//g)].map((m) => m[1])).toEqual(holders);
    // No such record, or no address at all: 404 with the page.
    for (const route of [`/log?node=alpha&day=2020-01-01&seq=1`, `/log?node=..%2Fx&day=${started.day}&seq=1`, '/log?day=yesterday&seq=1', `/log?node=alpha&day=${started.day}&seq=-1`, '/log']) {
      const res = await fetch(`${beta.url}${route}`, { headers: { cookie } });
      expect([route, res.status]).toEqual([route, 404]);
      expect(await res.text()).toContain('No such record');
    }

    // The status report, to a logged-in browser as to the CLI's Bearer (a GET: no CSRF token).
    const report = await fetch(`${beta.url}/api/status`, { headers: { cookie } });
    expect([report.status, await report.json()]).toMatchObject([200, { status: 'running', store: 'postgres', node: 'beta' }]);

    // The Tasks page too, to the same session: no agent task on this team yet.
    const tasks = await fetch(`${beta.url}/tasks`, { headers: { cookie } });
    expect(tasks.status).toBe(200);
    expect(await tasks.text()).toContain('No agent task yet');
  }, 240_000);
});
