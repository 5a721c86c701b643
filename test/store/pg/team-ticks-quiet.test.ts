/**
 * Quiet ticks on a team (issue 19), as real processes on a real PostgreSQL cluster: the
 * real Anthropic SDK against the fake Messages API, the node's worker against the fake
 * GitHub for the open-work digest, a real git clone watched by both nodes. A slot whose
 * world mark has not moved since the team's last decided tick is skipped without a model
 * call and logged `tick.skipped` in the holder's chain; a commit, or an approval answered,
 * wakes exactly one decision, its prompt carrying the digest; the holder killed with
 * SIGKILL, the node that takes the role over compares with the team's baseline and skips
 * as well; `vigil tick` on a team's home puts one manual tick in the shared inbox,
 * decided once, keyed by no slot.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, makeHome, removeHomes, runCli, runCliAsync, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { firstUserText, type RecordedCall } from '../../fakes/fake-anthropic.mjs';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { startedFakeAnthropic, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const KEY = 'sk-ant-TEAM-TICKS-FAKE-KEY';
const EVERY_TWO_SECONDS = '*/2 * * * * *';
const QUIET = 'nothing changed since the last decided tick';

/** A tick's prompt: its event section names the source "tick". */
const isTick = (call: RecordedCall) => /"source":\s*"tick"/.test(firstUserText(call.body));

function gitClone(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-team-clone-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(dir, 'README.md'), 'one\n');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  return dir;
}

function commit(dir: string, text: string): void {
  fs.writeFileSync(path.join(dir, 'README.md'), `${text}\n`);
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  execFileSync('git', ['commit', '-q', '-am', text], { cwd: dir, stdio: 'ignore', env });
}

describe.runIf(PG.available)('quiet ticks on a team (real processes, the real SDK, a real cluster)', () => {
  const cluster = usePostgres('team_ticks');
  const db = useFreshDatabase(cluster, 'team_ticks');
  const daemons: RunningDaemon[] = [];
  const stops: (() => Promise<void>)[] = [];
  const clones: string[] = [];
  afterEach(async () => {
    await killDaemons(daemons);
    await Promise.all(stops.splice(0).map((stop) => stop()));
    for (const dir of clones.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    removeHomes();
  });

  const fakeAnthropic = () => startedFakeAnthropic(stops);
  const node = async (name: string, config: Record<string, unknown>, env: NodeJS.ProcessEnv) => {
    const home = makeHome({ store: { url: db.url, leaseSeconds: 6 }, ...config });
    const daemon = await startDaemon(home, env, 40_000, ['--node', name]);
    daemons.push(daemon);
    return { home, daemon, name };
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await db.sql<{ n: string }>(sql, params)).rows[0]!.n);
  const waitUntil = (probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000) => waitFor(probe, what, timeoutMs);
  const tickDecisions = () => count(`SELECT count(*) AS n FROM decisions d JOIN inbox i ON i.id = d.event_id WHERE i.source = 'tick'`);
  /** `tick.skipped` lines in a node's chain, with their fields. */
  const skipped = async (node: string) =>
    (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'tick.skipped' AND node = $1 ORDER BY day, seq`, [node])).rows.map((r) => JSON.parse(r.line) as Record<string, unknown>);
  const quietAfter = async (node: string, before: number, more: number, what: string) =>
    waitUntil(async () => (await skipped(node)).filter((s) => s.reason === QUIET).length >= before + more, what);
  const quietCount = async (node: string) => (await skipped(node)).filter((s) => s.reason === QUIET).length;

  it('two quiet slots cost no call; a commit in the watched clone wakes one decision with the open-work digest; the holder SIGKILLed, the next holder keeps the team\'s mark and skips too', async () => {
    const model = await fakeAnthropic();
    model.respond = () => ({ decide: { act: false, summary: 'looked around', proposals: [] } });
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    stops.push(() => github.stop());
    github.addIssue(REPO, { number: 5, title: 'Flaky parser test', assignees: ['ada'] });
    const clone = gitClone();
    clones.push(clone);
    const config = {
      model: { provider: 'anthropic', timeoutSeconds: 10 },
      owner: { login: 'ada' },
      repos: [{ name: REPO, path: clone }],
      tick: { schedule: EVERY_TWO_SECONDS },
    };
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url };
    const alpha = await node('alpha', config, env);
    // The first slot has no baseline: one decision.
    await waitUntil(async () => (await tickDecisions()) === 1, 'the first tick decided');
    const beta = await node('beta', config, env);

    // Two quiet slots in a row: logged in the holder's chain as on SQLite, no call.
    await quietAfter('alpha', 0, 2, 'two quiet slots');
    expect(model.calls).toHaveLength(1);
    expect((await skipped('alpha')).find((s) => s.reason === QUIET)).toEqual(expect.objectContaining({ type: 'tick.skipped', reason: QUIET }));
    expect(await count(`SELECT count(*) AS n FROM ticks WHERE event_id IS NULL`)).toBeGreaterThanOrEqual(2);
    expect(await count(`SELECT count(*) AS n FROM model_usage`)).toBe(1);

    // A commit: exactly one decision, and its prompt carries what moved and the digest.
    commit(clone, 'two');
    await waitUntil(async () => (await tickDecisions()) === 2, 'the tick after the commit');
    const quietBefore = await quietCount('alpha');
    await quietAfter('alpha', quietBefore, 2, 'two quiet slots after the commit');
    expect(model.calls).toHaveLength(2);
    expect(model.calls.every(isTick)).toBe(true);
    const prompt = firstUserText(model.calls[1]!.body);
    expect(prompt).toMatch(new RegExp(`${REPO} moved to main@[0-9a-f]{40}`));
    expect(prompt).toContain('Flaky parser test');
    expect(prompt).toContain('"openWork"');
    // The first tick's prompt had the digest too (as SQLite's).
    expect(firstUserText(model.calls[0]!.body)).toContain('Flaky parser test');
    // What the digest cost, in the holder's chain.
    expect(await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'tick.open_work' AND node = 'alpha'`)).toBeGreaterThanOrEqual(4);

    // The holder killed: beta takes the role over and compares with the team's baseline.
    alpha.daemon.proc.kill('SIGKILL');
    await alpha.daemon.exited;
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM ticks WHERE node = 'beta'`)) > 0, 'beta holding the tick role', 40_000);
    await quietAfter('beta', 0, 2, 'two quiet slots on beta');
    expect(model.calls).toHaveLength(2);
    expect(await tickDecisions()).toBe(2);
    // One key per slot, every second one from the first to the last, whoever looked.
    const slots = (await db.sql<{ slot: number }>('SELECT slot FROM ticks ORDER BY slot')).rows.map((r) => Number(r.slot));
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.every((s) => s % 2000 === 0)).toBe(true);

    // vigil tick on beta's home: beta takes it (POST /api/tick) and reads the digest through its worker
    // (from the fake GitHub in this process: the CLI must not block it, so not spawnSync).
    const manual = async (home: string, what: string) => {
      const tick = await runCliAsync(home, ['tick']);
      expect(tick.status).toBe(0);
      const eventId = Number(/as event (\d+)/.exec(tick.stdout)?.[1]);
      await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions WHERE event_id = $1', [eventId])) === 1, what);
      const body = (await db.sql<{ body: Buffer }>('SELECT body FROM inbox WHERE id = $1', [eventId])).rows[0]!.body;
      return { stdout: tick.stdout, payload: JSON.parse(body.toString('utf8')) as { trigger: string; openWork?: unknown[] } };
    };
    const viaNode = await manual(beta.home, 'the manual tick through beta decided');
    expect(viaNode.stdout).toMatch(/^tick enqueued as event \d+ with the open-work digest; any node of the team decides it\n$/);
    expect(viaNode.payload.trigger).toBe('manual');
    expect(JSON.stringify(viaNode.payload.openWork)).toContain('Flaky parser test');
    expect(firstUserText(model.calls.filter(isTick).at(-1)!.body)).toContain('Flaky parser test');
    // The route asks for the owner's token: without it, refused, and no tick is queued (the call count below stays).
    const forged = await fetch(`${beta.daemon.url}/api/tick`, { method: 'POST' });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toMatch(/"VIGIL_ERR_[A-Z_]+"/);
    // On alpha's home, where no node runs any more: straight to the database, and it says what it lacks.
    const direct = await manual(alpha.home, 'the manual tick from a home without a node decided');
    expect(direct.stdout).toMatch(/^tick enqueued as event \d+ \(no node runs here: without the open-work digest\); any node of the team decides it\n$/);
    expect(direct.payload.openWork).toBeUndefined();
    expect(model.calls.filter(isTick)).toHaveLength(4);
  }, 180_000);

  it('a tick\'s own approval does not wake the next; the owner\'s answer wakes one decision; vigil tick on a team\'s home: one manual tick, decided once, keyed by no slot', async () => {
    const model = await fakeAnthropic();
    let ticks = 0;
    model.respond = () => {
      ticks++;
      return ticks === 1
        ? { decide: { act: true, summary: 'ask to say hello', proposals: [{ action: 'github.comment', params: { repo: REPO, number: 9, body: 'hello' }, rationale: 'greeting' }] } }
        : { decide: { act: false, summary: `tick ${ticks}: nothing to do`, proposals: [] } };
    };
    // The dreamer may consolidate the owner's answer with the model too: only the ticks' calls are counted.
    const config = {
      model: { provider: 'anthropic', timeoutSeconds: 10 },
      permissions: { mode: 'auto', rules: [{ action: 'github.comment', decision: 'ask' }] },
      tick: { schedule: EVERY_TWO_SECONDS },
    };
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url };
    const alpha = await node('alpha', config, env);
    await node('beta', config, env);
    await waitUntil(async () => (await tickDecisions()) === 1, 'the first tick decided');
    const asked = (await db.sql<{ id: string; state: string }>(`SELECT id, state FROM actions`)).rows;
    expect(asked).toEqual([{ id: expect.any(String), state: 'awaiting_approval' }]);

    // The approval the tick asked for is its own doing: the next slots are quiet.
    await quietAfter('alpha', 0, 2, 'two quiet slots after the tick that asked');
    expect(model.calls.filter(isTick)).toHaveLength(1);

    // The owner's answer (by the CLI, straight to the database) is news: exactly one decision.
    const deny = runCli(alpha.home, ['deny', asked[0]!.id]);
    expect(deny.stdout).toContain('denied');
    await waitUntil(async () => (await tickDecisions()) === 2, 'the tick after the answer');
    expect(firstUserText(model.calls[1]!.body)).toContain('approvals changed');
    const quietBefore = await quietCount('alpha');
    await quietAfter('alpha', quietBefore, 2, 'two quiet slots after the answer');
    expect(model.calls.filter(isTick)).toHaveLength(2);

    // vigil tick: one manual tick in the shared inbox, decided once by some node, no slot's key taken.
    const slotsBefore = await count('SELECT count(*) AS n FROM ticks');
    const tick = runCli(alpha.home, ['tick']);
    expect(tick.status).toBe(0);
    const eventId = Number(/as event (\d+)/.exec(tick.stdout)?.[1]);
    expect(eventId).toBeGreaterThan(0);
    await waitUntil(async () => (await count('SELECT count(*) AS n FROM decisions WHERE event_id = $1', [eventId])) === 1, 'the manual tick decided');
    const [event] = (await db.sql<{ source: string; body: Buffer; state: string }>('SELECT source, body, state FROM inbox WHERE id = $1', [eventId])).rows;
    expect(event!.source).toBe('tick');
    expect(event!.state).toBe('decided');
    const payload = JSON.parse(event!.body.toString('utf8')) as { trigger: string; changes: string[]; mark: { repos: object } };
    expect(payload.trigger).toBe('manual');
    expect(payload.changes).toEqual(['requested by the owner']);
    expect(await count('SELECT count(*) AS n FROM ticks WHERE event_id = $1', [eventId])).toBe(0);
    // Its line in the chain of the home's node.
    expect(await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'event.received' AND node = 'alpha' AND line LIKE $1`, [`%"eventId":${eventId},%`])).toBe(1);
    expect(model.calls.filter(isTick)).toHaveLength(3);
    // Once decided, the manual tick is the baseline: the slots after it are quiet, and the schedule went on meanwhile.
    const quietAfterManual = await quietCount('alpha');
    await quietAfter('alpha', quietAfterManual, 2, 'quiet slots after the manual tick');
    expect(model.calls.filter(isTick)).toHaveLength(3);
    expect(await count('SELECT count(*) AS n FROM ticks')).toBeGreaterThan(slotsBefore);
    expect(await tickDecisions()).toBe(3);
  }, 180_000);
});
