/**
 * The local actions on a team (issue 19), as real processes on a real cluster: an allowed
 * `notify` goes out once across nodes through the team's channels (a fake JSON webhook on
 * 127.0.0.1 counts the messages); a worker killed with its node after the send and before
 * the record leaves the action to another node, whose worker records it without sending
 * again. The attacker's bytes: an issue title carrying a secret the nodes hold, or longer
 * than a notification's title may be, never reaches the channel. A `remind` becomes a row
 * in the database that fires once, at its time, as one tick event in the shared inbox with
 * two nodes looking, and a node killed before it fired leaves it to the other; its tick,
 * decided as a home's, tells the owner. A `memory.note` lands once in the team's notes.md
 * though the node that wrote it died before its record.
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN } from '../../github/helpers.js';
import { killDaemons, makeHome, removeHomes, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { fakeChat } from '../../notify/fake-chat.js';
import { childrenOf, issueOpened, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

/** Every opened issue: tell the owner, with the issue's title (the sender's bytes). */
const RULES = [{ name: 'tell', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened #{{payload.issue.number}}: {{payload.issue.title}}', body: 'a new issue' } } }];
const LEASE = 5;

describe.runIf(PG.available)('local actions on a team (real processes, real cluster, fake webhook channel)', () => {
  const cluster = usePostgres('team_local');
  const daemons: RunningDaemon[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const db = useFreshDatabase(cluster, 'local');
  afterEach(async () => {
    await killDaemons(daemons);
    await Promise.all(cleanups.splice(0).map((c) => c()));
    removeHomes();
  });

  const waitUntil = (probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 40_000) => waitFor(probe, what, timeoutMs);
  /**
   * The running `action` of `node`: its worker and then the node killed (SIGKILL) mid-action,
   * `next` started, and the action carried out by `next`'s worker — its row as it ends.
   */
  const killMidAction = async <T>(node: { daemon: RunningDaemon }, action: string, next: () => Promise<T>, what: string) => {
    const [running] = (await db.sql<{ id: string; claimed_by: string; state: string }>(`SELECT id, claimed_by, state FROM actions WHERE action = $1`, [action])).rows;
    const [worker] = childrenOf(node.daemon.pid);
    expect(running).toMatchObject({ state: 'running', claimed_by: `alpha:w${worker}` });
    process.kill(worker!, 'SIGKILL');
    node.daemon.proc.kill('SIGKILL');
    await node.daemon.exited;
    const taker = await next();
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE id = $1 AND state = 'succeeded'`, [running!.id])).rowCount === 1, what);
    const [done] = (await db.sql<{ attempts: number; result: string }>('SELECT attempts, result FROM actions WHERE id = $1', [running!.id])).rows;
    return { running: running!, done: done!, taker };
  };
  const deliver = async (node: { home: string; daemon: RunningDaemon }, n: number, title?: string) => {
    const answer = await postDelivery(node.daemon.url, webhookSecret(node.home), issueOpened(n, title), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(answer.status).toBe(202);
  };

  it('an allowed notify is sent once across nodes; killed after the send, another node records it without sending again; a secret or an overlong title never reaches the channel', async () => {
    const chat = await fakeChat();
    cleanups.push(() => chat.close());
    const config = { store: { url: db.url, leaseSeconds: LEASE }, rules: RULES, notify: { webhooks: [{ url: `${chat.url}/hook`, format: 'json' }] } };
    const env = { GITHUB_TOKEN: TOKEN };
    const start = async (name: string, extra: NodeJS.ProcessEnv = {}) => {
      const home = makeHome(config);
      const daemon = await startDaemon(home, { ...env, ...extra }, 60_000, ['--node', name]);
      daemons.push(daemon);
      return { home, daemon };
    };
    const titles = () => chat.requests.map((r) => String(r.json.title));

    // alpha's worker waits 10 s between the send and its record: the kill lands there.
    const alpha = await start('alpha', { VIGIL_FAILPOINTS: 'exec.after_effect=10000' });
    await deliver(alpha, 7);
    await waitUntil(() => chat.requests.length === 1, 'alpha\'s worker to notify');
    const { done, taker: beta } = await killMidAction(alpha, 'notify', () => start('beta'), 'beta\'s worker to take the notify over');
    expect(done!.attempts).toBe(2);
    expect(JSON.parse(done!.result)).toEqual({ channels: ['webhook'] });
    expect(titles()).toEqual(['opened #7: issue 7']);

    // Two nodes running, four issues, two to each: four messages, each once.
    const gamma = await start('gamma');
    for (const n of [8, 9, 10, 11]) await deliver(n % 2 === 0 ? beta : gamma, n);
    await waitUntil(() => chat.requests.length >= 5, 'four more notifications');
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE action = 'notify' AND state = 'succeeded'`)).rowCount === 5, 'five notify actions recorded');
    await sleep(2500);
    expect(titles().sort()).toEqual(['opened #10: issue 10', 'opened #11: issue 11', 'opened #7: issue 7', 'opened #8: issue 8', 'opened #9: issue 9']);
    const sent = (await db.sql<{ node: string; line: string }>(`SELECT node, line FROM log_entries WHERE type = 'notify.sent'`)).rows;
    expect(sent).toHaveLength(5);
    expect((await db.sql(`SELECT 1 FROM notify_deliveries WHERE key LIKE 'action:%'`)).rowCount).toBe(5);

    // The sender's bytes: a title carrying the token the nodes hold, and one longer than a title may be.
    await deliver(beta, 12, `leak ${TOKEN}`);
    await deliver(gamma, 13, 'x'.repeat(300));
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM inbox WHERE decided_at IS NOT NULL`)).rowCount === 7, 'both decided');
    const refused = (await db.sql<{ state: string; reason: string; params: string }>(`SELECT state, reason, params FROM actions WHERE action = 'notify' AND state <> 'succeeded' ORDER BY created_at`)).rows;
    expect(refused.map((r) => [r.state, r.reason])).toEqual([['denied', 'carries a secret'], ['denied', expect.any(String)]]);
    await sleep(2500);
    expect(chat.requests).toHaveLength(5);
    expect(JSON.stringify(refused)).not.toContain(TOKEN);
    const all = (await db.sql<{ line: string }>('SELECT line FROM log_entries')).rows.map((r) => r.line).join('\n');
    expect(all).not.toContain(TOKEN);
  }, 240_000);

  it('a reminder fires once as a tick event with two nodes running, and when the node that set it is killed, the other fires it; the tick is decided and notifies once', async () => {
    const chat = await fakeChat();
    cleanups.push(() => chat.close());
    // An opened issue asks to be reminded at the time its title names; a reminder's tick tells the owner.
    const rules = [
      { name: 'later', on: 'github.issues.opened', propose: { action: 'remind', params: { at: '{{payload.issue.title}}', note: 'look at #{{payload.issue.number}}' } } },
      { name: 'recall', on: 'tick', match: { 'payload.trigger': 'reminder' }, propose: { action: 'notify', params: { title: 'reminder: {{payload.dueReminders.0.note}}', body: 'due {{payload.dueReminders.0.dueAt}}' } } },
    ];
    const config = { store: { url: db.url, leaseSeconds: LEASE }, rules, notify: { webhooks: [{ url: `${chat.url}/hook`, format: 'json' }] } };
    const start = async (name: string) => {
      const home = makeHome(config);
      const daemon = await startDaemon(home, {}, 60_000, ['--node', name]);
      daemons.push(daemon);
      return { home, daemon };
    };
    const [alpha, beta] = [await start('alpha'), await start('beta')];
    const reminders = async () =>
      (await db.sql<{ action_id: string; due_at: number; note: string; fired_by: string | null; event_id: number | null }>('SELECT action_id, due_at, note, fired_by, event_id FROM reminders ORDER BY id')).rows;

    // Two nodes running: the reminder fires once, a few seconds on.
    const soon = new Date(Date.now() + 6000).toISOString();
    await deliver(alpha, 7, soon);
    await waitUntil(async () => (await reminders()).length === 1, 'the reminder to be set');
    const [action] = (await db.sql<{ id: string; state: string; result: string }>(`SELECT id, state, result FROM actions WHERE action = 'remind'`)).rows;
    expect(action!.state).toBe('succeeded');
    expect(JSON.parse(action!.result)).toEqual({ dueAt: soon });
    await waitUntil(() => chat.requests.length === 1, 'the reminder\'s notification');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(soon));
    expect(chat.requests[0]!.json).toMatchObject({ title: 'reminder: look at #7', body: `due ${Date.parse(soon)}` });

    // The second is set on alpha, which is killed before it is due: beta fires it.
    const later = new Date(Date.now() + 15_000).toISOString();
    await deliver(alpha, 8, later);
    await waitUntil(async () => (await reminders()).length === 2, 'the second reminder to be set');
    for (const pid of childrenOf(alpha.daemon.pid)) process.kill(pid, 'SIGKILL');
    alpha.daemon.proc.kill('SIGKILL');
    await alpha.daemon.exited;
    await waitUntil(() => chat.requests.length === 2, 'the second reminder\'s notification');
    await sleep(2500);
    expect(chat.requests.map((r) => r.json.title)).toEqual(['reminder: look at #7', 'reminder: look at #8']);
    const rows = await reminders();
    expect(rows.map((r) => [r.note, r.fired_by])).toEqual([['look at #7', expect.stringMatching(/^(alpha|beta)$/)], ['look at #8', 'beta']]);
    // One tick event per reminder, each decided once, with the reminder in it as a home's tick carries it.
    const ticks = (await db.sql<{ id: number; state: string; body: Buffer }>(`SELECT id, state, body FROM inbox WHERE source = 'tick' ORDER BY id`)).rows;
    expect(ticks.map((t) => t.id)).toEqual(rows.map((r) => r.event_id));
    expect(ticks.every((t) => t.state === 'decided')).toBe(true);
    expect(JSON.parse(ticks[1]!.body.toString('utf8'))).toEqual({ trigger: 'reminder', dueReminders: [{ id: 2, dueAt: Date.parse(later), note: 'look at #8' }], changes: ['1 reminder(s) due'] });
    expect((await db.sql(`SELECT 1 FROM decisions d JOIN inbox i ON i.id = d.event_id WHERE i.source = 'tick'`)).rowCount).toBe(2);
    expect((await db.sql(`SELECT 1 FROM log_entries WHERE type = 'reminder.due'`)).rowCount).toBe(2);
    void beta;
  }, 240_000);

  it('a memory.note is written once across nodes: killed after the write, the other node\'s worker records it without a second line; a sender\'s newline stays inside its line', async () => {
    const rules = [{ name: 'remember', on: 'github.issues.opened', propose: { action: 'memory.note', params: { text: 'issue #{{payload.issue.number}}: {{payload.issue.title}}', topic: 'octo/app' } } }];
    const config = { store: { url: db.url, leaseSeconds: LEASE }, rules };
    const start = async (name: string, extra: NodeJS.ProcessEnv = {}) => {
      const home = makeHome(config);
      const daemon = await startDaemon(home, extra, 60_000, ['--node', name]);
      daemons.push(daemon);
      return { home, daemon };
    };
    const notes = async () => (await db.sql<{ content: string | null }>(`SELECT content FROM memory_files WHERE path = 'notes.md' ORDER BY version DESC LIMIT 1`)).rows[0]?.content ?? '';
    const noteLines = async () => (await notes()).split('\n').filter((l) => l.startsWith('- '));

    const alpha = await start('alpha', { VIGIL_FAILPOINTS: 'exec.after_effect=10000' });
    await deliver(alpha, 7, 'two\n# lines');
    await waitUntil(async () => (await notes()).includes('issue #7'), 'alpha\'s worker to write the note');
    const { running, done, taker: beta } = await killMidAction(alpha, 'memory.note', () => start('beta'), 'beta\'s worker to take the note over');
    expect(done!.attempts).toBe(2);
    expect(JSON.parse(done!.result)).toEqual({ file: 'notes.md', appended: false });
    expect(await noteLines()).toEqual([expect.stringMatching(new RegExp(`^- \\[octo/app\\] issue #7: two # lines \\(source: action ${running!.id}, event \\d+, \\d{4}-\\d{2}-\\d{2}\\) <!-- vigil:action:${running!.id} -->$`))]);

    await deliver(beta, 8);
    await waitUntil(async () => (await noteLines()).length === 2, 'beta\'s note on #8');
    expect((await db.sql(`SELECT 1 FROM actions WHERE action = 'memory.note' AND state = 'succeeded'`)).rowCount).toBe(2);
    expect((await noteLines())[1]).toContain('issue #8: issue 8');
  }, 240_000);
});
