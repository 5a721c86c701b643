/**
 * `vigil ask` on a team (issue 19 with issue 15), as real processes on a real PostgreSQL
 * cluster: the CLI asks a node, whichever node claims the instruction decides it with the
 * real Anthropic SDK against the fake Messages API, and the asking node prints the answer
 * that node wrote with its decision; the Team page's Ask form, without a script, shows it
 * in the box. A request without the owner's token is refused, and a wait that runs out
 * says so while the event stays to be decided.
 */
import { describe, expect, it } from 'vitest';
import { makeHome, runCliAsync, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { firstUserText } from '../../fakes/fake-anthropic.mjs';
import { dashboardToken, login } from '../../web/helpers.js';
import { startedFakeAnthropic, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const KEY = 'sk-ant-TEAM-FAKE-KEY-team-ask';


/** The text between the owner-instruction tags of a request's first user message, if any. */
const ownerWords = (body: unknown) => /<owner-instruction>\n([\s\S]*?)\n<\/owner-instruction>/.exec(firstUserText(body))?.[1];

describe.runIf(PG.available)('vigil ask on a team (real processes, real SDK, real cluster)', () => {
  const cluster = usePostgres('team_ask');
  const db = useFreshDatabase(cluster, 'team_ask');
  const { daemons, stops } = useTeamProcesses();

  const lines = async (type: string) => (await db.sql<{ node: string; line: string }>('SELECT node, line FROM log_entries WHERE type = $1 ORDER BY ts, node, seq', [type])).rows;

  it('each node answers vigil ask with the decision of whichever node took it; no token is 401; a wait that runs out is a timeout and the event is still decided', async () => {
    const model = await startedFakeAnthropic(stops);
    let slow = false;
    model.respond = (body) => {
      const words = ownerWords(body);
      if (!words) return { decide: { act: false, summary: 'not the owner', proposals: [] } };
      return {
        ...(slow ? { delayMs: 2500 } : {}),
        decide: {
          act: true,
          summary: `You asked: ${words}. I will remind you.`,
          proposals: [{ action: 'remind', params: { at: '2030-01-01T09:00:00+01:00', note: words }, rationale: 'the owner asked' }],
        },
      };
    };
    const config = {
      store: { url: db.url },
      owner: { login: 'ada' },
      model: { provider: 'anthropic', timeoutSeconds: 10 },
      github: { coalesceSeconds: 0 },
      permissions: { mode: 'auto', rules: [] },
    };
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url };
    const homes = { alpha: makeHome(config), beta: makeHome(config) };
    for (const [node, home] of Object.entries(homes)) daemons.push(await startDaemon(home, env, 40_000, ['--node', node]));

    const asked = await runCliAsync(homes.alpha, ['ask', 'remind me to review #5'], env);
    expect(asked.stderr).toBe('');
    expect(asked.status).toBe(0);
    expect(asked.stdout).toContain('You asked: remind me to review #5. I will remind you.');
    expect(asked.stdout).toContain('remind');
    expect(asked.stdout).toContain('allowed, running');
    const json = await runCliAsync(homes.beta, ['ask', '--json', 'what is waiting?'], env);
    expect(json.status).toBe(0);
    const answer = JSON.parse(json.stdout) as { eventId: number; via: string; act: boolean; proposals: { action: string; state: string }[] };
    expect(answer).toMatchObject({ via: 'cli', act: true, proposals: [{ action: 'remind', state: 'approved' }] });

    // Each instruction was received on the node asked, decided once, by whichever node took it.
    const received = (await lines('event.received')).map((r) => [r.node, (JSON.parse(r.line) as { kind: string }).kind]);
    expect(received).toEqual([['alpha', 'owner.instruction'], ['beta', 'owner.instruction']]);
    const decisions = (await db.sql<{ event_id: string; decided_by: string }>("SELECT d.event_id, d.decided_by FROM decisions d JOIN inbox i ON i.id = d.event_id WHERE i.kind = 'owner.instruction'")).rows;
    expect(decisions).toHaveLength(2);
    expect(decisions.map((d) => Number(d.event_id))).toContain(answer.eventId);
    expect(model.calls.map((c) => ownerWords(c.body))).toEqual(['remind me to review #5', 'what is waiting?']);
    // The answer also goes back as a notification, through the policy, and each remind is one row.
    await waitFor(async () => (await db.sql("SELECT id FROM actions WHERE action = 'remind' AND state = 'succeeded'")).rows.length === 2, 'both reminders', 30_000);
    expect((await db.sql("SELECT id FROM actions WHERE action = 'notify'")).rows).toHaveLength(2);

    // Without the owner's token: refused before anything is stored.
    const anonymous = await fetch(`${daemons[0]!.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'delete everything' }) });
    expect(anonymous.status).toBe(401);
    expect((await db.sql("SELECT id FROM inbox WHERE kind = 'owner.instruction'")).rows).toHaveLength(2);

    // The Team page's Ask box without its script: a form with the session's CSRF token, and the page again with the answer in the box.
    const alphaUrl = daemons[0]!.url;
    const { cookie, csrf } = await login(alphaUrl, dashboardToken(homes.alpha));
    const askForm = (fields: Record<string, string>) =>
      fetch(`${alphaUrl}/ask`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    expect((await askForm({ text: 'no token' })).status).toBe(403);
    const form = await askForm({ _csrf: csrf, text: 'and from the phone?' });
    expect(form.status).toBe(303);
    const location = form.headers.get('location')!;
    expect(location).toMatch(/^\/\?answer=\d+#ask$/);
    const page = await (await fetch(`${alphaUrl}${location}`, { headers: { cookie } })).text();
    expect(page).toContain('<p id="ask-answer" class="ask-answer" aria-live="polite">You asked: and from the phone?. I will remind you.');
    expect((await db.sql("SELECT id FROM inbox WHERE kind = 'owner.instruction'")).rows).toHaveLength(3);

    // A wait shorter than the decision: a timeout, and the event is decided all the same.
    slow = true;
    const hurried = await runCliAsync(homes.alpha, ['ask', '--wait', '1', 'and the tests?'], env);
    expect(hurried.status).not.toBe(0);
    expect(hurried.stderr).toContain('VIGIL_ERR_ASK_TIMEOUT');
    await waitFor(async () => (await db.sql("SELECT d.id FROM decisions d JOIN inbox i ON i.id = d.event_id WHERE i.kind = 'owner.instruction'")).rows.length === 4, 'the hurried decision', 30_000);

    // Markup in the words (the model's answer quotes them here; a third party's text may reach any answer): text on the page, never markup.
    const hostile = await askForm({ _csrf: csrf, text: '<img src=x onerror=alert(1)><script>alert(2)</script>' });
    const hostilePage = await (await fetch(`${alphaUrl}${hostile.headers.get('location')!}`, { headers: { cookie } })).text();
    expect(hostilePage).toContain('You asked: &lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;.');
    expect(hostilePage).not.toContain('<img src=x');
    expect(hostilePage).not.toContain('<script>alert(2)');
  }, 120_000);
});
